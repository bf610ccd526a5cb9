// Figures for loadkit::process_probe (cost per reading, next to opening the file each time) and
// loadkit::check_leak (analysis time for 1k / 10k / 100k samples). Prints a table; never asserts on
// time. Fixed seed 42; median and minimum of 7 repetitions; build with -O2 -DNDEBUG.
#include "bench_support.hpp"
#include <loadkit/leak.hpp>
#include <loadkit/process.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#if defined(__linux__)
#include <fcntl.h>
#include <unistd.h>
#endif

namespace {

using clock_type = std::chrono::steady_clock;

struct timing {
    double median;
    double min;
};

// Microseconds per call of run(), over `runs` repetitions of `calls` calls each.
template <class Run> timing measure_us(int runs, int calls, Run&& run) {
    std::vector<double> results;
    for (int r = 0; r < runs; ++r) {
        const auto start = clock_type::now();
        for (int i = 0; i < calls; ++i) {
            run();
        }
        const std::chrono::duration<double, std::micro> elapsed = clock_type::now() - start;
        results.push_back(elapsed.count() / calls);
    }
    std::sort(results.begin(), results.end());
    return {results[results.size() / 2], results.front()};
}

void row(const char* what, timing t, const char* reference) {
    std::printf("%-50s %10.3f %10.3f   %s\n", what, t.median, t.min, reference);
}

std::uint64_t sink = 0; // keeps readings observable

std::vector<loadkit::leak_sample> soak_series(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 2e6);
    std::vector<loadkit::leak_sample> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double x = static_cast<double>(i);
        out.push_back({x, 200e6 + 50e6 * (1 - std::exp(-x / (0.1 * static_cast<double>(n)))) +
                              6e6 * x / static_cast<double>(n) + noise(rng)});
    }
    return out;
}

} // namespace

int main() {
    std::printf(
        "loadkit process probe / leak checker bench (seed 42; heap source: %s; load average %.2f)\n\n",
        loadkit::process_probe::heap_source(), bench::load_average());
    std::printf("%-50s %10s %10s   %s\n", "metric (us per call)", "median", "min",
                "reference (research notes 2.4)");

    loadkit::process_probe probe;
    row("process_probe::sample() (every field)",
        measure_us(7, 2000, [&] { sink += probe.sample().rss_bytes.value_or(0); }),
        "statm 0.37 + mallinfo2 0.06 + getrusage 0.24 + ...");
    row("process_probe::rss_bytes() (statm pread)",
        measure_us(7, 20000, [&] { sink += probe.rss_bytes().value_or(0); }), "0.37 (pread on a held fd)");
    row("process_probe::heap_in_use_bytes()",
        measure_us(7, 20000, [&] { sink += loadkit::process_probe::heap_in_use_bytes().value_or(0); }),
        "0.06 (mallinfo2, one arena)");
    row("process_probe::threads() (stat pread)",
        measure_us(7, 20000, [&] { sink += probe.threads().value_or(0); }), "-");
    row("process_probe::open_fds() (readdir /proc/self/fd)",
        measure_us(7, 2000, [&] { sink += probe.open_fds().value_or(0); }), "-");
#if defined(__linux__)
    row("baseline: open + read + close /proc/self/statm",
        measure_us(7, 20000,
                   [&] {
                       char buf[128];
                       const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
                       if (fd >= 0) {
                           sink += static_cast<std::uint64_t>(::read(fd, buf, sizeof buf));
                           ::close(fd);
                       }
                   }),
        "1.58");
#endif

    std::printf("\n%-50s %10s %10s   %s\n", "check_leak (ms per call)", "median", "min", "verdict");
    for (const std::size_t n : {std::size_t{1000}, std::size_t{10'000}, std::size_t{100'000}}) {
        const auto series = soak_series(n, 42);
        loadkit::leak_report report;
        const timing t = measure_us(7, 1, [&] { report = loadkit::check_leak(series); });
        char label[64];
        std::snprintf(label, sizeof label, "n = %zu samples (warm-up + leak)", n);
        std::printf("%-50s %10.3f %10.3f   %s, %zu floor windows\n", label, t.median / 1000, t.min / 1000,
                    loadkit::to_string(report.verdict), report.rss ? report.rss->windows : std::size_t{0});
    }
    {
        const auto series = soak_series(100'000, 43);
        loadkit::leak_report report;
        const timing t = measure_us(7, 1, [&] { report = loadkit::check_leak(series, series); });
        std::printf("%-50s %10.3f %10.3f   %s\n", "n = 100000, RSS and heap series", t.median / 1000,
                    t.min / 1000, loadkit::to_string(report.verdict));
    }

    std::printf("\nsizeof(process_sample) = %zu B; a sampler holds at most max_samples of them "
                "(default 4096: %zu KiB)\n",
                sizeof(loadkit::process_sample), sizeof(loadkit::process_sample) * 4096 / 1024);
    return sink == 42 ? 1 : 0; // never true in practice; uses sink
}
