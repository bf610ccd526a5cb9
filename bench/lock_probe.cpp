// Figures for loadkit::probed_mutex next to the bare mutex it wraps: ns per lock()/unlock() pair
// with one thread (uncontended: the probe's fixed cost) and with 2 threads hammering one lock
// (contended: the probe's cost next to the handover), the cost of the clock reads that dominate
// it (steady_clock and the probe's calibrated TSC clock), plus heap allocations on the locking path
// after warm-up (must be 0) and the memory of the histograms. Prints a table; never asserts on time.
// Median (and min) of repeated short runs; build with -O2 -DNDEBUG.
#include "bench_support.hpp"
#include <loadkit/lock_probe.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "counting_allocator.hpp" // proves the locking path allocates nothing

namespace {

using clock_type = std::chrono::steady_clock;

struct timing {
    double median;
    double min;
};

// ns per pair: seconds(run) / pairs over `runs` repetitions.
template <class Run> timing measure(int runs, Run&& run, double pairs) {
    std::vector<double> results;
    for (int r = 0; r < runs; ++r) {
        const auto start = clock_type::now();
        run();
        const std::chrono::duration<double, std::nano> elapsed = clock_type::now() - start;
        results.push_back(elapsed.count() / pairs);
    }
    std::sort(results.begin(), results.end());
    return {results[results.size() / 2], results.front()};
}

void row(const char* what, timing t, const char* unit) {
    std::printf("%-52s %12.1f %12.1f   %s\n", what, t.median, t.min, unit);
}

// `threads` threads each take and release the lock `pairs` times, with a short critical section
// (one shared increment), released together so they really contend.
template <class Mutex> void hammer(Mutex& m, int threads, std::size_t pairs, long& shared) {
    std::atomic<int> ready{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            ready.fetch_add(1);
            while (ready.load() < threads) {
            }
            for (std::size_t i = 0; i < pairs; ++i) {
                std::lock_guard lock(m);
                ++shared;
            }
        });
    }
    for (auto& t : pool) {
        t.join();
    }
}

} // namespace

int main() {
    constexpr std::size_t pairs = 200'000;
    constexpr int runs = 31;
    std::printf("loadkit::probed_mutex bench: %zu lock/unlock pairs per run, %d runs; load average %.2f on "
                "%u CPUs\n",
                pairs, runs, bench::load_average(), std::thread::hardware_concurrency());
    std::printf("%-52s %12s %12s   %s\n", "metric", "median", "min", "unit");

    // The clock reads that dominate the probe's cost (two per lock/unlock pair).
    constexpr std::size_t reads = 1'000'000;
    std::int64_t sink = 0;
    row("std::chrono::steady_clock::now()",
        measure(
            runs,
            [&] {
                for (std::size_t i = 0; i < reads; ++i) {
                    sink += std::chrono::steady_clock::now().time_since_epoch().count() & 1;
                }
            },
            static_cast<double>(reads)),
        "ns/read");
    const bool tsc = loadkit::detail::lock_probe_clock_calibration().tsc;
    row(tsc ? "probe clock now() (TSC, calibrated)" : "probe clock now() (steady_clock fallback)",
        measure(
            runs,
            [&] {
                for (std::size_t i = 0; i < reads; ++i) {
                    sink += loadkit::detail::lock_probe_clock::now() & 1;
                }
            },
            static_cast<double>(reads)),
        "ns/read");

    long shared = 0;
    std::mutex bare;
    loadkit::probed_mutex<> probed;
    const double per_pair = static_cast<double>(pairs);

    row("std::mutex, 1 thread (uncontended)",
        measure(
            runs, [&] { hammer(bare, 1, pairs, shared); }, per_pair),
        "ns/pair");
    row("probed_mutex<std::mutex>, 1 thread (uncontended)",
        measure(
            runs, [&] { hammer(probed, 1, pairs, shared); }, per_pair),
        "ns/pair");

    // Per pair of each thread: 2 threads x pairs pairs, divided by the pairs of one thread, is the
    // wall time a thread sees per pair; divide by 2 for the lock's throughput cost.
    row("std::mutex, 2 threads (contended)",
        measure(
            runs, [&] { hammer(bare, 2, pairs, shared); }, 2 * per_pair),
        "ns/pair");
    probed.reset();
    row("probed_mutex<std::mutex>, 2 threads (contended)",
        measure(
            runs, [&] { hammer(probed, 2, pairs, shared); }, 2 * per_pair),
        "ns/pair");
    const loadkit::lock_stats contended = probed.stats();
    std::printf("  %s\n", contended.describe().c_str());

    // Allocations on the locking path once this thread's shards exist.
    { std::lock_guard warm(probed); }
    const std::uint64_t before = bench::allocations.load();
    for (std::size_t i = 0; i < pairs; ++i) {
        std::lock_guard lock(probed);
        ++shared;
    }
    const std::uint64_t allocated = bench::allocations.load() - before;
    std::printf("%-52s %12llu %12s   %s\n", "heap allocations per 200k pairs after warm-up",
                static_cast<unsigned long long>(allocated), "", "allocs");
    const loadkit::lock_stats s = probed.stats();
    std::printf("%-52s %12zu %12s   %s\n", "histogram memory (wait + hold), per recording thread",
                s.wait.memory_bytes() + s.hold.memory_bytes(), "", "bytes");
    std::printf("%-52s %12zu %12s   %s\n", "sizeof(probed_mutex<std::mutex>)", sizeof(probed), "", "bytes");
    std::printf("(counter %ld, sink %lld)\n", shared, static_cast<long long>(sink));
    return 0;
}
