// Figures for loadkit::recorder: ns per record through a thread's writer (closed and open model,
// errors, two threads), next to a bare loadkit::histogram; the cost of tick(), snapshot() and of
// merging results; memory per tag and after a simulated 24 h soak. Prints a table; never asserts
// on time. Fixed seed 42; median (and min) of repeated short runs; build with -O2 -DNDEBUG.
#include "bench_support.hpp"
#include <loadkit/histogram.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/result.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <vector>

// Counting global allocator: proves the record path allocates nothing. malloc/free sit behind
// opaque calls so GCC's -Wmismatched-new-delete does not mistake the replacement for a mismatch.
namespace {
std::atomic<std::uint64_t> allocations{0};
[[gnu::noinline]] void* raw_allocate(std::size_t size) noexcept { return std::malloc(size == 0 ? 1 : size); }
[[gnu::noinline]] void raw_free(void* p) noexcept { std::free(p); }
} // namespace
void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = raw_allocate(size)) {
        return p;
    }
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { raw_free(p); }
void operator delete(void* p, std::size_t) noexcept { raw_free(p); }

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

template <class T> void escape(T* p) { asm volatile("" : : "g"(p) : "memory"); }

struct timing {
    double median;
    double min;
};

// seconds(run) / per over `runs` repetitions.
template <class Run> timing measure(int runs, Run&& run, double per) {
    std::vector<double> results;
    for (int r = 0; r < runs; ++r) {
        const auto start = clock_type::now();
        run();
        const std::chrono::duration<double> elapsed = clock_type::now() - start;
        results.push_back(elapsed.count() / per);
    }
    std::sort(results.begin(), results.end());
    return {results[results.size() / 2], results.front()};
}

void row(const char* what, timing t, const char* unit) {
    std::printf("%-52s %12.3f %12.3f   %s\n", what, t.median, t.min, unit);
}
void row(const char* what, double value, const char* unit) {
    std::printf("%-52s %12.3f %12s   %s\n", what, value, "", unit);
}

std::vector<std::chrono::nanoseconds> lognormal(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> latency(std::log(1e6), 0.8); // median 1 ms
    std::vector<std::chrono::nanoseconds> out(n);
    for (auto& v : out) {
        v = std::chrono::nanoseconds{static_cast<std::int64_t>(latency(rng))};
    }
    return out;
}

} // namespace

int main() {
    constexpr std::size_t n = 1'000'000;
    constexpr std::size_t chunk = 100'000;
    constexpr int runs = 101;
    const auto values = lognormal(n, 42);
    const loadkit::recorder::time_point t0{};
    const double per_record = static_cast<double>(chunk) * 1e-9;
    std::printf(
        "loadkit::recorder bench: 3 significant digits, 1 ns .. 1 h; seed 42; load average %.2f on %u CPUs\n",
        bench::load_average(), std::thread::hardware_concurrency());
    std::printf("%-52s %12s %12s   %s\n", "metric", "median", "min", "unit");

    // ---- record ---------------------------------------------------------------------------------
    std::size_t offset = 0;
    std::uint64_t record_allocations = 0;
    auto pass = [&](auto&& record_one) {
        const auto* first = values.data() + (offset++ * chunk) % n;
        const std::uint64_t before = allocations.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < chunk; ++i) {
            record_one(i, first[i]);
        }
        record_allocations += allocations.load(std::memory_order_relaxed) - before;
    };

    loadkit::histogram bare;
    row("histogram::record (baseline)",
        measure(
            runs,
            [&] {
                pass([&](std::size_t, auto v) { bare.record(v); });
                escape(&bare);
            },
            per_record),
        "ns/op");

    loadkit::recorder closed{t0};
    const auto tag = closed.tag("op");
    auto& writer = closed.local();
    writer.record(tag, loadkit::outcome::ok(), 1ms); // the tag's first record allocates its slot
    writer.record(tag, loadkit::outcome::error("http", "503"), 1ms);
    row("writer.record(tag, ok, latency), closed",
        measure(
            runs, [&] { pass([&](std::size_t, auto v) { writer.record(tag, loadkit::outcome::ok(), v); }); },
            per_record),
        "ns/op");
    row("rec.local().record(tag, ok, latency), closed",
        measure(
            runs,
            [&] {
                pass([&](std::size_t, auto v) { closed.local().record(tag, loadkit::outcome::ok(), v); });
            },
            per_record),
        "ns/op");
    row("writer.record(tag, ok, start, end), closed",
        measure(
            runs,
            [&] {
                pass([&](std::size_t i, auto v) {
                    const auto start = t0 + std::chrono::nanoseconds{static_cast<std::int64_t>(i)};
                    writer.record(tag, loadkit::outcome::ok(), start, start + v);
                });
            },
            per_record),
        "ns/op");
    row("writer.record(tag, error(\"http\", \"503\"), latency)",
        measure(
            runs,
            [&] {
                pass([&](std::size_t, auto v) {
                    writer.record(tag, loadkit::outcome::error("http", "503"), v);
                });
            },
            per_record),
        "ns/op");

    loadkit::recorder open{t0, {.model = loadkit::latency_model::open}};
    const auto open_tag = open.tag("op");
    auto& open_writer = open.local();
    open_writer.record(open_tag, loadkit::outcome::ok(), 1ms, 1ms);
    row("writer.record(tag, ok, intended, start, end), open",
        measure(
            runs,
            [&] {
                pass([&](std::size_t i, auto v) {
                    const auto intended = t0 + std::chrono::nanoseconds{static_cast<std::int64_t>(i)};
                    open_writer.record(open_tag, loadkit::outcome::ok(), intended, intended + v / 4,
                                       intended + v);
                });
            },
            per_record),
        "ns/op");

    // Two threads at once, a writer each: wall time per record of one thread.
    const timing two = measure(
        11,
        [&] {
            auto work = [&] {
                auto& w = closed.local();
                for (const auto v : values) {
                    w.record(tag, loadkit::outcome::ok(), v);
                }
            };
            std::thread other(work);
            work();
            other.join();
        },
        static_cast<double>(n) * 1e-9);
    row("writer.record, closed, 2 threads at once", two, "ns/op");
    row("allocations inside the single-thread timed record loops", static_cast<double>(record_allocations),
        "count");

    // ---- snapshot side --------------------------------------------------------------------------
    const std::size_t slot_bytes = closed.memory_bytes();
    row("recorder memory: 1 tag, 2 writers (closed)", static_cast<double>(slot_bytes) / 1024.0, "KiB");
    std::chrono::nanoseconds now = 0ns;
    row("tick(): close one interval, 1 tag, 2 writers",
        measure(
            runs,
            [&] {
                now += 1s;
                closed.tick(t0 + now);
            },
            1e-6),
        "us");
    row("snapshot(): live result, 1 tag, 2 writers",
        measure(
            21,
            [&] {
                now += 1s;
                auto r = closed.snapshot(t0 + now);
                escape(&r);
            },
            1e-6),
        "us");

    loadkit::recorder many{t0};
    std::vector<loadkit::tag_id> tags;
    for (int i = 0; i < 8; ++i) {
        tags.push_back(many.tag("tag " + std::to_string(i)));
    }
    for (std::size_t i = 0; i < n; ++i) {
        many.local().record(tags[i % 8], loadkit::outcome::ok(), values[i]);
    }
    std::chrono::nanoseconds many_now = 0ns;
    row("tick(): 8 tags, 1 writer",
        measure(
            runs,
            [&] {
                many_now += 1s;
                many.tick(t0 + many_now);
            },
            1e-6),
        "us");
    const loadkit::run_result part = many.finish(t0 + many_now + 1s);
    row("finish(): 8 tags, 1 writer",
        measure(
            21,
            [&] {
                auto r = many.finish(t0 + many_now + 1s);
                escape(&r);
            },
            1e-3),
        "ms");
    row("run_result += run_result (8 tags)",
        measure(
            21,
            [&] {
                loadkit::run_result sum = part;
                sum += part;
                escape(&sum);
            },
            1e-3),
        "ms");

    // ---- a 24 h soak: 86,400 one-second intervals, 100 records each ------------------------------
    loadkit::recorder soak{t0};
    const auto soak_tag = soak.tag("op");
    const auto soak_start = clock_type::now();
    std::size_t memory_1h = 0;
    for (int s = 1; s <= 86'400; ++s) {
        for (int i = 0; i < 100; ++i) {
            soak.local().record(
                soak_tag, loadkit::outcome::ok(),
                values[(static_cast<std::size_t>(s) * 100 + static_cast<std::size_t>(i)) % n]);
        }
        soak.tick(t0 + std::chrono::seconds{s});
        if (s == 3600) {
            memory_1h = soak.memory_bytes();
        }
    }
    const double soak_seconds = std::chrono::duration<double>(clock_type::now() - soak_start).count();
    const auto soak_result = soak.finish(t0 + 86'400s);
    row("24 h soak at 1 s intervals: intervals kept",
        static_cast<double>(soak_result.overall.intervals.intervals.size()), "count");
    row("24 h soak: interval width at the end",
        std::chrono::duration<double>(soak_result.overall.intervals.width).count(), "s");
    row("24 h soak: recorder memory after 1 h", static_cast<double>(memory_1h) / 1024.0, "KiB");
    row("24 h soak: recorder memory after 24 h", static_cast<double>(soak.memory_bytes()) / 1024.0, "KiB");
    row("24 h soak: simulated in (8.64 M records + ticks)", soak_seconds, "s");
    return 0;
}
