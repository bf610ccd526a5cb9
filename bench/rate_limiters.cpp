// Figures for loadkit's rate limiters: token_bucket::try_acquire on 1 and 2 threads, pacer::next(),
// and how closely one event loop keeps an open-model schedule of no-op operations at 10 k, 100 k
// and 1 M per second (achieved rate, and lag = actual start - intended start: p50, p99, max).
// Build from the repository root (only this bench, no tests or examples):
// clang-format off
//   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOADKIT_BUILD_TESTS=OFF -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=ON
//   cmake --build build/bench --target bench_rate_limiters
// clang-format on
// Run:   build/bench/bench/bench_rate_limiters
// Wall-clock figures on a shared machine are noisy (the load average is printed): compare rows of
// one run. Never asserts.
#include "bench_support.hpp"
#include <loadkit/event_loop.hpp>
#include <loadkit/pacer.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/token_bucket.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {
using std::chrono::duration;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

template <class F> double ns_per_op(std::size_t ops, F&& body) {
    const auto start = steady::now();
    body();
    return duration<double, std::nano>(steady::now() - start).count() / static_cast<double>(ops);
}

std::atomic<std::int64_t> sink{0}; // keeps results observable so the loops are not optimized away

// `threads` threads each call try_acquire `ops` times on one shared bucket; ns per call per thread.
template <class Acquire> double contended(std::size_t threads, std::size_t ops, Acquire acquire) {
    std::atomic<std::size_t> ready{0};
    std::atomic<bool> go{false};
    std::vector<double> per_thread(threads);
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            ready.fetch_add(1);
            while (!go.load()) {
            }
            std::int64_t granted = 0;
            per_thread[t] = ns_per_op(ops, [&] {
                for (std::size_t i = 0; i < ops; ++i) {
                    granted += acquire(i) ? 1 : 0;
                }
            });
            sink.fetch_add(granted);
        });
    }
    while (ready.load() < threads) {
    }
    go.store(true);
    for (std::thread& th : pool) {
        th.join();
    }
    double sum = 0;
    for (double v : per_thread) {
        sum += v;
    }
    return sum / static_cast<double>(threads);
}

void try_acquire_rows() {
    constexpr std::size_t ops = 5'000'000;
    std::printf("| %-62s | %8s | %8s |\n", "token_bucket::try_acquire (ns per call, per thread)", "1 thread",
                "2 threads");
    std::printf("|%s|%s|%s|\n", std::string(64, '-').c_str(), std::string(10, '-').c_str(),
                std::string(10, '-').c_str());
    for (std::size_t variant = 0; variant < 4; ++variant) {
        double figures[2] = {0, 0};
        for (std::size_t threads = 1; threads <= 2; ++threads) {
            // granted: a rate no thread can reach; denied: the only token is gone.
            loadkit::token_bucket bucket{{.rate = variant % 2 == 0 ? 1e9 : 1.0}};
            const loadkit::clock::time_point fixed = loadkit::clock::now();
            if (variant % 2 == 1) {
                (void)bucket.try_acquire(1, fixed);
            }
            if (variant < 2) {
                figures[threads - 1] =
                    contended(threads, ops, [&](std::size_t) { return bucket.try_acquire(); });
            } else {
                // Time passed in, as the run engine does with a timestamp it already has.
                figures[threads - 1] = contended(threads, ops, [&](std::size_t i) {
                    return bucket.try_acquire(1,
                                              fixed + std::chrono::nanoseconds(static_cast<std::int64_t>(i)));
                });
            }
        }
        static const char* names[4] = {
            "granted, reads steady_clock (rate 1e9/s)",
            "denied, reads steady_clock (rate 1/s, empty)",
            "granted, caller passes now (rate 1e9/s)",
            "denied, caller passes now (rate 1/s, empty)",
        };
        std::printf("| %-62s | %8.1f | %8.1f |\n", names[variant], figures[0], figures[1]);
    }
}

void pacer_rows() {
    constexpr std::size_t ops = 10'000'000;
    const loadkit::clock::time_point start = loadkit::clock::now();
    std::printf("\n| %-62s | %8s |\n", "pacer::next() (ns per call; no clock read)", "ns/op");
    std::printf("|%s|%s|\n", std::string(64, '-').c_str(), std::string(10, '-').c_str());
    {
        std::int64_t last = 0;
        const double ns = ns_per_op(ops, [&] {
            for (std::size_t i = 0; i < ops; ++i) {
                last += steady::now().time_since_epoch().count();
            }
        });
        sink.fetch_add(last);
        std::printf("| %-62s | %8.1f |\n", "(reference: one steady_clock::now())", ns);
    }
    {
        loadkit::pacer p{start, loadkit::rate_schedule::constant(1e6, 1h)};
        std::int64_t last = 0;
        const double ns = ns_per_op(ops, [&] {
            for (std::size_t i = 0; i < ops; ++i) {
                last += p.next()->time_since_epoch().count();
            }
        });
        sink.fetch_add(last);
        std::printf("| %-62s | %8.1f |\n", "constant rate (1 stage)", ns);
    }
    {
        // 10 stages: alternating ramps and holds, arrivals spread over all of them.
        std::vector<loadkit::rate_stage> stages;
        for (int i = 0; i < 10; ++i) {
            stages.push_back({.target = (i % 2 == 0 ? 1e5 : 5e4) * (i + 1), .duration = 5s});
        }
        loadkit::pacer p{start, loadkit::rate_schedule{1e5, stages}, 1, 4};
        const std::size_t n = std::min<std::size_t>(ops, p.count());
        std::int64_t last = 0;
        const double ns = ns_per_op(n, [&] {
            for (std::size_t i = 0; i < n; ++i) {
                last += p.next()->time_since_epoch().count();
            }
        });
        sink.fetch_add(last);
        std::printf("| %-62s | %8.1f |\n", "10 ramp/hold stages, shard 1 of 4", ns);
    }
}

struct pacing_figures {
    std::size_t operations = 0;
    double seconds = 0;
    std::vector<std::int64_t> lag_ns; // actual start - intended start, one per operation
};

loadkit::task<void> pace(loadkit::pacer& pacer, pacing_figures& out) {
    while (std::optional<loadkit::clock::time_point> intended = co_await pacer.wait_next()) {
        // The "operation" is a no-op: what is measured is when it starts.
        out.lag_ns.push_back((loadkit::clock::now() - *intended).count());
    }
}

// Same load through the token bucket: every acquire() grants one token on the bucket's schedule.
loadkit::task<void> bucket_consume(loadkit::token_bucket& bucket, std::size_t count, pacing_figures& out,
                                   loadkit::clock::time_point first) {
    for (std::size_t i = 0; i < count; ++i) {
        co_await bucket.acquire();
        const auto intended = first + bucket.interval() * static_cast<std::int64_t>(i);
        out.lag_ns.push_back((loadkit::clock::now() - intended).count());
    }
}

std::int64_t percentile(std::vector<std::int64_t>& v, double p) {
    const std::size_t i =
        std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
}

void print_pacing(const char* what, double rate, pacing_figures& f) {
    const double achieved = static_cast<double>(f.lag_ns.size()) / f.seconds;
    const std::int64_t max = *std::max_element(f.lag_ns.begin(), f.lag_ns.end());
    const std::int64_t p99 = percentile(f.lag_ns, 99.0);
    const std::int64_t p50 = percentile(f.lag_ns, 50.0);
    std::printf("| %-13s | %9.0f | %10.0f | %7.3f %% | %9.1f | %9.1f | %9.1f |\n", what, rate, achieved,
                100.0 * (achieved - rate) / rate, static_cast<double>(p50) / 1e3,
                static_cast<double>(p99) / 1e3, static_cast<double>(max) / 1e3);
}

void pacing_rows() {
    std::printf("\none event_loop, no-op operations for 1 s; lag = actual start - intended start (us)\n");
    std::printf("| %-13s | %9s | %10s | %9s | %9s | %9s | %9s |\n", "limiter", "target/s", "achieved/s",
                "error", "lag p50", "lag p99", "lag max");
    std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(15, '-').c_str(), std::string(11, '-').c_str(),
                std::string(12, '-').c_str(), std::string(11, '-').c_str(), std::string(11, '-').c_str(),
                std::string(11, '-').c_str(), std::string(11, '-').c_str());
    for (double rate : {1e4, 1e5, 1e6}) {
        {
            pacing_figures f;
            f.lag_ns.reserve(static_cast<std::size_t>(rate) + 1);
            loadkit::event_loop loop;
            const loadkit::clock::time_point start = loadkit::clock::now() + 1ms;
            loadkit::pacer pacer{start, loadkit::rate_schedule::constant(rate, 1s)};
            loadkit::sync_wait(loop, pace(pacer, f));
            // Achieved rate: operations over the time from the start to the last one's actual start,
            // extended by one interval (n arrivals span n - 1 intervals).
            f.seconds = duration<double>(loadkit::clock::now() - start).count() + 1.0 / rate;
            print_pacing("pacer", rate, f);
        }
        // burst 1: a waiter that wakes late loses the time it overslept; burst = 5 ms of tokens
        // absorbs the event loop's timer wake-up latency.
        for (const double burst : {1.0, std::max(1.0, rate * 0.005)}) {
            pacing_figures f;
            const auto count = static_cast<std::size_t>(rate);
            f.lag_ns.reserve(count);
            loadkit::event_loop loop;
            loadkit::token_bucket bucket{{.rate = rate, .burst = burst}};
            while (bucket.try_acquire()) { // start empty: grant i is due one interval after grant i - 1
            }
            const loadkit::clock::time_point start = bucket.reserve() + bucket.interval();
            loadkit::sync_wait(loop, bucket_consume(bucket, count, f, start));
            f.seconds = duration<double>(loadkit::clock::now() - start).count() + 1.0 / rate;
            char name[32];
            std::snprintf(name, sizeof name, "bucket b=%.0f", burst);
            print_pacing(name, rate, f);
        }
    }
}
} // namespace

int main() {
    std::printf("loadkit %d.%d.%d rate limiter bench (load average %.2f, %u hardware threads)\n\n",
                LOADKIT_VERSION_MAJOR, LOADKIT_VERSION_MINOR, LOADKIT_VERSION_PATCH, bench::load_average(),
                std::thread::hardware_concurrency());
    try_acquire_rows();
    pacer_rows();
    pacing_rows();
    std::printf("\n(checksum %lld)\n", static_cast<long long>(sink.load()));
}
