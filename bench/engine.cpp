// Prints the run engine's own cost on this machine: overhead per no-op operation for closed and
// open profiles on 1 and 2 threads; for open profiles at 10 k, 100 k and 1 M/s in-process (with the
// default timer slack and with 1 us), how late operations start against their schedule and the rate
// of actual starts inside the planned window (the schedule issues exactly rate x duration arrivals,
// so a count over the run's length would match the target by construction); memory per virtual user.
// Build from the repository root (only this bench, no tests or examples):
// clang-format off
//   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOADKIT_BUILD_TESTS=OFF -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=ON
//   cmake --build build/bench --target bench_engine
// clang-format on
// Run:   build/bench/bench/bench_engine
// Wall-clock figures are noisy on shared machines: compare rows of one run, not across runs.
#include <loadkit/engine.hpp>
#include <loadkit/process.hpp>
#include <loadkit/sharded_histogram.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "bench_support.hpp"

using namespace std::chrono_literals;

namespace {

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

loadkit::run_options plain(std::size_t threads) {
    loadkit::run_options o;
    o.threads = threads;
    o.sample_resources = false;
    o.hang_limit = 0ns;
    o.stall_limit = 0ns;
    return o;
}

void closed_overhead(std::size_t threads, std::uint64_t iterations) {
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = loadkit::run(
        loadkit::per_vu_iterations{.vus = 64 * threads, .iterations = iterations / (64 * threads)},
        {"noop", loadkit::nonblocking([] {})}, plain(threads));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const auto n = static_cast<double>(r.result.overall.count());
    std::printf("closed  per_vu_iterations %llu no-ops, %zu thread(s): %6.1f ns/op wall, %6.1f ns/op CPU, "
                "%.2f M ops/s\n",
                static_cast<unsigned long long>(r.result.overall.count()), threads, wall * 1e9 / n,
                cpu * 1e9 / n, n / wall / 1e6);
}

void closed_coroutine_overhead(std::size_t threads, std::uint64_t iterations) {
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = loadkit::run(
        loadkit::per_vu_iterations{.vus = 64 * threads, .iterations = iterations / (64 * threads)},
        {"noop", [](loadkit::op_context&) -> loadkit::task<void> { co_return; }}, plain(threads));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const auto n = static_cast<double>(r.result.overall.count());
    std::printf(
        "closed  coroutine no-op task,             %zu thread(s): %6.1f ns/op wall, %6.1f ns/op CPU\n",
        threads, wall * 1e9 / n, cpu * 1e9 / n);
}

// A count per thread with no shared cache line and no lock prefix: each thread owns one cell and
// is its only writer (a relaxed load and store, as sharded_histogram's shards), summed after the run.
class per_thread_count {
public:
    void add() noexcept {
        std::atomic<std::uint64_t>& n = cell();
        n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t total() const noexcept {
        std::uint64_t sum = 0;
        for (const auto& c : cells_) {
            sum += c.n.load(std::memory_order_relaxed);
        }
        return sum;
    }

private:
    struct alignas(64) padded {
        std::atomic<std::uint64_t> n{0};
    };
    std::atomic<std::uint64_t>& cell() noexcept {
        // A thread's cell for this counter; runner threads live for one run, as the counter does.
        thread_local const per_thread_count* owner = nullptr;
        thread_local std::size_t index = 0;
        if (owner != this) {
            owner = this;
            index = used_.fetch_add(1, std::memory_order_relaxed) % cells_.size();
        }
        return cells_[index].n;
    }
    std::atomic<std::size_t> used_{0};
    std::array<padded, 16> cells_{}; // runs here use at most 2 runner threads
};

void open_rate(std::size_t threads, double rate, std::chrono::nanoseconds duration,
               std::chrono::nanoseconds slack = loadkit::run_options{}.timer_slack) {
    loadkit::run_options o = plain(threads);
    o.timer_slack = slack;
    // Per operation: how late it started (actual start - intended start, both from the engine), and
    // whether it started inside the planned window (arrival k is due at k / rate).
    loadkit::sharded_histogram lateness;
    per_thread_count in_window;
    const double period_ns = 1e9 / rate;
    const auto window_ns = static_cast<double>(duration.count());
    const loadkit::operation noop{"noop", loadkit::nonblocking([&](loadkit::op_context& ctx) {
                                      const auto late = ctx.start() - ctx.intended_start();
                                      lateness.local().record(late);
                                      if (static_cast<double>(ctx.iteration()) * period_ns +
                                              static_cast<double>(late.count()) <
                                          window_ns) {
                                          in_window.add();
                                      }
                                  })};
    const double cpu0 = cpu_seconds();
    const auto r = loadkit::run(
        loadkit::constant_rate{.rate = rate, .duration = duration, .max_in_flight = 1024}, noop, o);
    const double cpu = cpu_seconds() - cpu0;
    const auto& all = r.result.overall;
    const std::uint64_t scheduled = all.count() + all.dropped; // every arrival costs, started or not
    const loadkit::histogram late = lateness.snapshot();
    const auto us = [](std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e3; };
    const double started_rate = static_cast<double>(in_window.total()) / (window_ns / 1e9);
    std::printf("open    constant_rate %9.0f/s, %zu thread(s), slack %2.0f us: started in window %10.0f/s "
                "(%6.2f %%), start late p50 %.1f us p99 %.1f us max %.1f us, dropped %llu of %llu, "
                "%6.1f ns CPU per scheduled arrival, response p99 %.1f us\n",
                rate, threads, static_cast<double>(slack.count()) / 1e3, started_rate,
                100.0 * started_rate / rate, us(late.value_at_percentile(50)),
                us(late.value_at_percentile(99)), us(late.max()),
                static_cast<unsigned long long>(all.dropped), static_cast<unsigned long long>(scheduled),
                cpu * 1e9 / static_cast<double>(scheduled == 0 ? 1 : scheduled),
                us(all.latency.value_at_percentile(99)));
}

void memory_per_user(std::uint64_t users) {
    loadkit::process_probe probe;
    const auto before = probe.rss_bytes().value_or(0);
    std::atomic<std::uint64_t> peak{0};
    loadkit::run_options o = plain(1);
    o.on_progress = [&](const loadkit::run_progress&) {
        const auto now = probe.rss_bytes().value_or(0);
        if (now > peak.load()) {
            peak = now;
        }
    };
    o.progress_interval = 50ms;
    const auto r = loadkit::run(
        loadkit::constant_vus{.vus = users, .duration = 1s},
        {"idle", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(200ms); }}, o);
    const double per_user =
        (static_cast<double>(peak.load()) - static_cast<double>(before)) / static_cast<double>(users);
    std::printf("memory  %llu virtual users sleeping in an operation: %.0f bytes per user (RSS peak - "
                "before; %llu ops)\n",
                static_cast<unsigned long long>(users), per_user,
                static_cast<unsigned long long>(r.result.overall.count()));
}

} // namespace

int main() {
    std::printf("loadkit run engine (load average %.2f)\n", bench::load_average());
    for (const std::size_t threads : {std::size_t{1}, std::size_t{2}}) {
        closed_overhead(threads, 4'000'000);
        closed_coroutine_overhead(threads, 4'000'000);
    }
    for (const std::size_t threads : {std::size_t{1}, std::size_t{2}}) {
        for (double rate : {10'000.0, 100'000.0, 1'000'000.0}) {
            open_rate(threads, rate, 2s);
            open_rate(threads, rate, 2s, 1us); // precise wake-ups: less lateness, more CPU
        }
    }
    // Far above what one loop can start: arrivals back to back, never sleeping — the per-arrival cost
    // (CPU over every scheduled arrival: dropped ones cost too).
    for (const std::size_t threads : {std::size_t{1}, std::size_t{2}}) {
        open_rate(threads, 50'000'000.0, 1s);
    }
    memory_per_user(100'000);
    return 0;
}
