// Figures for loadkit::histogram and loadkit::sharded_histogram next to the exact baseline (keep
// every sample in a std::vector, sort to query), as k6's TrendSink does. Prints a table; never
// asserts on time. Fixed seed 42; median of 5 repetitions; build with -O2 -DNDEBUG.
#include "bench_support.hpp"
#include <loadkit/histogram.hpp>
#include <loadkit/sharded_histogram.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <thread>
#include <vector>

#include "counting_allocator.hpp" // proves the record path allocates nothing

namespace {

using clock_type = std::chrono::steady_clock;

// Keeps the optimizer from deleting work whose result is otherwise unused.
template <class T> void escape(T* p) { asm volatile("" : : "g"(p) : "memory"); }

// Short runs, many of them: on a shared 2-core machine the median shows typical cost under the
// neighbours' load and the minimum what the code costs when it has a core to itself.
struct timing {
    double median;
    double min;
};

// seconds(run) / per over `runs` repetitions; setup runs untimed before each.
template <class Setup, class Run> timing measure(int runs, Setup&& setup, Run&& run, double per) {
    std::vector<double> results;
    results.reserve(static_cast<std::size_t>(runs));
    for (int r = 0; r < runs; ++r) {
        setup();
        const auto start = clock_type::now();
        run();
        const std::chrono::duration<double> elapsed = clock_type::now() - start;
        results.push_back(elapsed.count() / per);
    }
    std::sort(results.begin(), results.end());
    return {results[results.size() / 2], results.front()};
}

std::vector<std::int64_t> lognormal(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> latency(std::log(1e6), 0.8); // median 1 ms, as the C reference
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<std::int64_t> out(n);
    for (auto& v : out) {
        double x = latency(rng);
        if (u(rng) < 0.01) {
            x *= 10.0 + 90.0 * u(rng); // 1 % tail, x10 .. x100
        }
        v = static_cast<std::int64_t>(x);
    }
    return out;
}

// What a shared histogram with atomic increments would cost (HdrHistogram_c's _atomic variant).
struct atomic_counts {
    loadkit::detail::histogram_layout layout =
        loadkit::detail::make_histogram_layout(3, 0.0, 3'600'000'000'000);
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts =
        std::make_unique<std::atomic<std::uint64_t>[]>(layout.counts_len);
    void record(std::int64_t v) noexcept {
        counts[layout.index_of(static_cast<std::uint64_t>(v))].fetch_add(1, std::memory_order_relaxed);
    }
};

void row(const char* what, timing loadkit_value, const char* baseline_name, timing baseline_value,
         const char* target) {
    std::printf("%-46s %10.3f %10.3f   %-24s %12.3f   %s\n", what, loadkit_value.median, loadkit_value.min,
                baseline_name, baseline_value.median, target);
}
void row(const char* what, timing loadkit_value, const char* target) {
    std::printf("%-46s %10.3f %10.3f   %-24s %12s   %s\n", what, loadkit_value.median, loadkit_value.min, "",
                "", target);
}
void row(const char* what, double value, const char* baseline_name, double baseline_value,
         const char* target) {
    std::printf("%-46s %10.3f %10s   %-24s %12.3f   %s\n", what, value, "", baseline_name, baseline_value,
                target);
}

} // namespace

int main() {
    constexpr std::size_t n = 1'000'000; // one pass over 10^6 pre-generated values per timed run
    const auto random_values = lognormal(n, 42);
    std::vector<std::int64_t> sequential_values(n);
    for (std::size_t i = 0; i < n; ++i) {
        sequential_values[i] = static_cast<std::int64_t>(1'000 + i); // walks the counters in order
    }
    std::printf("loadkit::histogram bench: 1 ns .. 1 h, 3 significant digits unless stated; seed 42; "
                "load average %.2f on %u CPUs\n",
                bench::load_average(), std::thread::hardware_concurrency());
    std::printf("%-46s %10s %10s   %-24s %12s   %s\n", "metric", "median", "min", "baseline", "median",
                "target");

    // ---- record -------------------------------------------------------------------------------
    // Runs of 10^5 records (~0.2 ms) rarely straddle a scheduler tick on a busy machine.
    constexpr std::size_t chunk = 100'000;
    constexpr int record_runs = 201;
    const double per = static_cast<double>(chunk) * 1e-9; // ns per record
    std::uint64_t record_allocations = 0;
    int run_index = 0;
    auto record_pass = [&](const std::vector<std::int64_t>& values, auto& sink) {
        const std::int64_t* first = values.data() + (static_cast<std::size_t>(run_index++) * chunk) % n;
        const std::uint64_t before = bench::allocations.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < chunk; ++i) {
            sink.record(first[i]);
        }
        escape(&sink);
        record_allocations += bench::allocations.load(std::memory_order_relaxed) - before;
    };
    loadkit::histogram plain;
    std::vector<std::int64_t> samples;
    auto vector_setup = [&] {
        samples.clear();
        samples.reserve(chunk);
    };
    auto vector_pass = [&](const std::vector<std::int64_t>& values) {
        const std::int64_t* first = values.data() + (static_cast<std::size_t>(run_index++) * chunk) % n;
        for (std::size_t i = 0; i < chunk; ++i) {
            samples.push_back(first[i]);
        }
        escape(samples.data());
    };
    auto nothing = [] {};
    const timing plain_random = measure(
        record_runs, nothing, [&] { record_pass(random_values, plain); }, per);
    const timing plain_sequential = measure(
        record_runs, nothing, [&] { record_pass(sequential_values, plain); }, per);
    const timing vector_random = measure(
        record_runs, vector_setup, [&] { vector_pass(random_values); }, per);
    const timing vector_sequential = measure(
        record_runs, vector_setup, [&] { vector_pass(sequential_values); }, per);
    row("record ns, random lognormal (histogram)", plain_random, "vector push_back", vector_random, "<= 2.6");
    row("record ns, sequential 1000+i (histogram)", plain_sequential, "vector push_back", vector_sequential,
        "");

    loadkit::sharded_histogram sharded;
    auto& shard = sharded.local();
    const timing shard_random = measure(
        record_runs, nothing, [&] { record_pass(random_values, shard); }, per);
    const timing shard_sequential = measure(
        record_runs, nothing, [&] { record_pass(sequential_values, shard); }, per);
    row("record ns, random (sharded shard, 1 thread)", shard_random, "<= 2.6");
    row("record ns, sequential (sharded shard, 1 thread)", shard_sequential, "");
    atomic_counts shared;
    const timing atomic_random = measure(
        record_runs, nothing, [&] { record_pass(random_values, shared); }, per);
    row("record ns, random (shared fetch_add counters)", atomic_random, "C atomic: 11.0");

    // Two threads, a shard each, 10^6 records each; wall time per record of one thread.
    const timing two_threads = measure(
        11, nothing,
        [&] {
            auto pass = [&] { // not record_pass: the other thread's first local() allocates its shard
                auto& mine = sharded.local();
                for (const auto v : random_values) {
                    mine.record(v);
                }
                escape(&mine);
            };
            std::thread other(pass);
            pass();
            other.join();
        },
        static_cast<double>(n) * 1e-9);
    row("record ns, random (sharded, 2 threads at once)", two_threads, "");
    std::printf("%-46s %10llu\n", "allocations inside all timed record loops",
                static_cast<unsigned long long>(record_allocations));

    // ---- queries ------------------------------------------------------------------------------
    loadkit::histogram full;
    for (const auto v : random_values) {
        full.record(v);
    }
    constexpr int queries = 2'000;
    std::int64_t query_sink = 0;
    auto query_timing = [&](double p) {
        return measure(
            31, [] {},
            [&] {
                for (int q = 0; q < queries; ++q) {
                    query_sink += full.value_at_percentile(p).count();
                }
            },
            queries * 1e-6);
    };
    timing slowest{0.0, 0.0};
    double slowest_p = 0.0;
    for (const double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
        const timing t = query_timing(p);
        if (t.median > slowest.median) {
            slowest = t;
            slowest_p = p;
        }
    }
    std::vector<std::int64_t> to_sort;
    const timing sort_us = measure(
        5, [&] { to_sort = random_values; },
        [&] {
            std::sort(to_sort.begin(), to_sort.end());
            escape(to_sort.data());
        },
        1e-6);
    char label[64];
    std::snprintf(label, sizeof label, "value_at_percentile us (slowest: p%g)", slowest_p);
    row(label, slowest, "sort 10^6 values, us", sort_us, "< 4");
    row("value_at_percentile us (p50)", query_timing(50.0), "< 4");
    loadkit::histogram snapshot_target;
    const timing snapshot_us = measure(
        31, [] {}, [&] { sharded.snapshot_into(snapshot_target); }, 1e-6);
    std::snprintf(label, sizeof label, "sharded snapshot_into us (%zu shards)", sharded.shard_count());
    row(label, snapshot_us, "");
    escape(&query_sink);

    // ---- merge ----------------------------------------------------------------------------------
    constexpr std::size_t parts = 1'000;
    constexpr std::size_t per_part = 10'000;
    std::vector<loadkit::histogram> histograms(parts);
    std::vector<std::vector<std::int64_t>> vectors(parts);
    for (std::size_t i = 0; i < parts; ++i) {
        const auto from = static_cast<std::ptrdiff_t>((i * per_part) % n);
        vectors[i].assign(random_values.begin() + from, random_values.begin() + from + per_part);
        for (const auto v : vectors[i]) {
            histograms[i].record(v);
        }
    }
    loadkit::histogram merged;
    const timing merge_ms = measure(
        11, [&] { merged.reset(); },
        [&] {
            for (const auto& h : histograms) {
                merged += h;
            }
            escape(&merged);
        },
        1e-3);
    const timing merge_hot_ms = measure(
        11, [&] { merged.reset(); },
        [&] {
            for (std::size_t i = 0; i < parts; ++i) {
                merged += histograms.front(); // one source, cache-resident: the arithmetic alone
            }
            escape(&merged);
        },
        1e-3);
    std::vector<std::int64_t> concatenated;
    const timing concat_ms = measure(
        3, [&] { concatenated = std::vector<std::int64_t>(); },
        [&] {
            for (const auto& v : vectors) {
                concatenated.insert(concatenated.end(), v.begin(), v.end());
            }
            std::sort(concatenated.begin(), concatenated.end());
            escape(concatenated.data());
        },
        1e-3);
    row("merge 1000 histograms (10^4 values each), ms", merge_ms, "concat + sort 10^7, ms", concat_ms,
        "< 20");
    row("merge the same histogram 1000 times, ms", merge_hot_ms, "");

    // ---- memory ---------------------------------------------------------------------------------
    const loadkit::histogram d2{{.significant_digits = 2}};
    const loadkit::histogram e1{{.max_relative_error = 0.01}};
    const loadkit::histogram d3{{.significant_digits = 3}};
    const loadkit::histogram e01{{.max_relative_error = 0.001}};
    const double baseline_kib = static_cast<double>(n * sizeof(std::int64_t)) / 1024.0;
    auto kib = [](const loadkit::histogram& h) { return static_cast<double>(h.memory_bytes()) / 1024.0; };
    row("KiB, significant_digits = 2 (bound 1/256)", kib(d2), "vector, 10^6 samples, KiB", baseline_kib,
        "<= 64");
    row("KiB, max_relative_error = 0.01 (bound 1/128)", kib(e1), "", 0.0, "<= 64");
    row("KiB, significant_digits = 3 (bound 1/2048)", kib(d3), "", 0.0, "<= 300");
    row("KiB, max_relative_error = 0.001 (bound 1/1024)", kib(e01), "", 0.0, "<= 300");

    // ---- accuracy -------------------------------------------------------------------------------
    std::vector<std::int64_t> sorted = random_values;
    std::sort(sorted.begin(), sorted.end());
    double worst = 0.0;
    for (int hundredths = 100; hundredths <= 9'999; hundredths += (hundredths < 9'900 ? 100 : 1)) {
        const std::size_t rank =
            std::max<std::size_t>(1, (static_cast<std::size_t>(hundredths) * n + 9'999) / 10'000);
        const auto exact = static_cast<double>(sorted[rank - 1]);
        const auto got = static_cast<double>(full.value_at_percentile(hundredths / 100.0).count());
        worst = std::max(worst, std::abs(got - exact) / exact);
    }
    row("worst rel. error %, p1..p99.99 (3 digits)", worst * 100.0, "exact sort", 0.0, "<= 0.0488 (1/2048)");
    return 0;
}
