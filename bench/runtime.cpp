// Prints the cost of loadkit's coroutine runtime on this machine: task create+await, frame size
// and allocations, pool spawns, timers, and runner throughput on 1 and 2 threads.
// Build from the repository root (only this bench, no tests or examples):
// clang-format off
//   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOADKIT_BUILD_TESTS=OFF -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=ON
//   cmake --build build/bench --target bench_runtime bench_runtime_no_recycling
// clang-format on
// Run:   build/bench/bench/bench_runtime; build/bench/bench/bench_runtime_no_recycling (the same, frames
//        from ::operator new). Figures are wall-clock and noisy on shared machines: compare rows of one
//        run, not across runs.
#include <loadkit/loadkit.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "counting_allocator.hpp" // how many heap allocations each operation costs

namespace {
using std::chrono::duration;
using std::chrono::steady_clock;

struct measurement {
    double ns_per_op;
    double allocations_per_op;
};

template <class F> measurement measure(std::size_t ops, F&& body) {
    const std::size_t before = bench::allocations.load();
    const auto start = steady_clock::now();
    body();
    const auto elapsed = steady_clock::now() - start;
    const std::size_t after = bench::allocations.load();
    return {duration<double, std::nano>(elapsed).count() / static_cast<double>(ops),
            static_cast<double>(after - before) / static_cast<double>(ops)};
}

void row(const char* what, measurement m, const char* unit = "ns/op") {
    std::printf("| %-52s | %10.1f %-6s | %8.3f |\n", what, m.ns_per_op, unit, m.allocations_per_op);
}

loadkit::task<int> trivial(int v) { co_return v; }

loadkit::task<long> await_chain(std::size_t count) {
    long sum = 0;
    for (std::size_t i = 0; i < count; ++i) {
        sum += co_await trivial(1);
    }
    co_return sum;
}

loadkit::task<void> empty_task() { co_return; }
loadkit::task<void> yield_once() { co_await loadkit::schedule(); }

// The common case of a per-operation timeout: the work wins and the deadline timer loses the race.
loadkit::task<void> timeout_chain(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        (void)co_await loadkit::with_timeout(yield_once(), std::chrono::seconds(1));
    }
}

loadkit::task<void> spawn_many(std::size_t count, std::size_t limit) {
    loadkit::task_pool pool{{.max_in_flight = limit}};
    for (std::size_t i = 0; i < count; ++i) {
        co_await pool.spawn(empty_task());
    }
    co_await pool.join();
}

loadkit::task<void> sleep_chain(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        co_await loadkit::sleep_until(loadkit::clock::now());
    }
}

loadkit::task<void> local_spawner(std::size_t count) {
    loadkit::task_pool pool{{.max_in_flight = 256}};
    for (std::size_t i = 0; i < count; ++i) {
        co_await pool.spawn(yield_once());
    }
    co_await pool.join();
}

double runner_external(std::size_t threads, std::size_t count) {
    loadkit::runner r{{.threads = threads}};
    const auto start = steady_clock::now();
    for (std::size_t i = 0; i < count; ++i) {
        r.spawn(yield_once());
    }
    r.join();
    return static_cast<double>(count) / duration<double>(steady_clock::now() - start).count();
}

double runner_local(std::size_t threads, std::size_t count) {
    loadkit::runner r{{.threads = threads}};
    const auto start = steady_clock::now();
    for (std::size_t i = 0; i < threads; ++i) {
        r.spawn_on(i, local_spawner(count / threads));
    }
    r.join();
    return static_cast<double>(count) / duration<double>(steady_clock::now() - start).count();
}
// How late a loop thread wakes from sleep_for(200us): the median and p99 over 2,000 sleeps, on a
// runner thread with the given kernel timer slack.
struct lateness {
    double median_us;
    double p99_us;
};
lateness wake_lateness(std::chrono::nanoseconds slack) {
    loadkit::runner r{{.threads = 1, .timer_slack = slack}};
    std::vector<double> late;
    late.reserve(2000);
    r.spawn([](std::vector<double>& out) -> loadkit::task<void> {
        for (int i = 0; i < 2000; ++i) {
            const auto deadline = loadkit::clock::now() + std::chrono::microseconds{200};
            co_await loadkit::sleep_until(deadline);
            out.push_back(duration<double, std::micro>(loadkit::clock::now() - deadline).count());
        }
    }(late));
    r.join();
    std::sort(late.begin(), late.end());
    return {late[late.size() / 2], late[late.size() * 99 / 100]};
}
} // namespace

int main() {
#if defined(LOADKIT_NO_FRAME_RECYCLING)
    const char* frames = "::operator new (LOADKIT_NO_FRAME_RECYCLING)";
#else
    const char* frames = "per-thread recycling";
#endif
    std::printf("loadkit %d.%d.%d runtime bench — coroutine frames: %s\n\n", LOADKIT_VERSION_MAJOR,
                LOADKIT_VERSION_MINOR, LOADKIT_VERSION_PATCH, frames);

    {
        // Frame size of a minimal task: the size of the allocation its creation makes.
        bench::allocations = 0;
        auto probe = trivial(1);
        std::printf("minimal task<int> frame: %zu bytes requested from the frame allocator%s\n\n",
                    bench::last_allocation_size.load(),
#if defined(LOADKIT_NO_FRAME_RECYCLING)
                    ""
#else
                    " (rounded up to a 64-byte size class; first allocation of its class)"
#endif
        );
        (void)loadkit::sync_wait(std::move(probe));
    }

    std::printf("| %-52s | %17s | %8s |\n", "operation", "cost", "allocs/op");
    std::printf("|%s|%s|%s|\n", std::string(54, '-').c_str(), std::string(19, '-').c_str(),
                std::string(10, '-').c_str());

    constexpr std::size_t chain = 10'000'000;
    loadkit::sync_wait(await_chain(1000)); // warm the frame cache
    row("create + co_await + destroy a trivial task",
        measure(chain, [] { (void)loadkit::sync_wait(await_chain(chain)); }));

    constexpr std::size_t spawns = 2'000'000;
    row("task_pool spawn+run+finish (limit 64)",
        measure(spawns, [] { loadkit::sync_wait(spawn_many(spawns, 64)); }));
    row("task_pool spawn+run+finish (limit 100000)",
        measure(spawns, [] { loadkit::sync_wait(spawn_many(spawns, 100000)); }));

    constexpr std::size_t yields = 5'000'000;
    row("co_await schedule() (post + resume on one loop)", measure(yields, [] {
            loadkit::sync_wait([](std::size_t n) -> loadkit::task<void> {
                for (std::size_t i = 0; i < n; ++i) {
                    co_await loadkit::schedule();
                }
            }(yields));
        }));

    constexpr std::size_t sleeps = 2'000'000;
    row("sleep_until(now): arm + fire + resume",
        measure(sleeps, [] { loadkit::sync_wait(sleep_chain(sleeps)); }));

    constexpr std::size_t timeouts = 1'000'000;
    row("with_timeout(task that yields once, 1 s): work wins",
        measure(timeouts, [] { loadkit::sync_wait(timeout_chain(timeouts)); }));

    {
        constexpr std::size_t count = 1'000'000;
        std::vector<loadkit::timer_node> nodes(count);
        std::mt19937_64 rng(7);
        const auto base = loadkit::clock::now();
        for (auto& node : nodes) {
            node.deadline = base + std::chrono::nanoseconds(rng() % 1'000'000'000);
        }
        loadkit::detail::timer_heap heap;
        row("timer heap insert (1 M pending)", measure(count, [&] {
                for (auto& node : nodes) {
                    heap.push(node);
                }
            }));
        row("timer heap pop earliest (1 M pending)", measure(count, [&] {
                while (!heap.empty()) {
                    (void)heap.pop();
                }
            }));
        for (auto& node : nodes) {
            heap.push(node);
        }
        row("timer heap cancel (1 M pending, random order)", measure(count, [&] {
                for (std::size_t i = 0; i < count; ++i) {
                    heap.erase(nodes[(i * 7919) % count]);
                }
            }));
    }

    std::printf(
        "\ntimer wake-up lateness on a runner thread (2,000 x sleep_for(200us)), by kernel timer slack:\n");
    for (int round = 0; round < 2; ++round) { // interleaved: the machine's load hits both alike
        for (const auto slack : {std::chrono::nanoseconds{50'000}, std::chrono::nanoseconds{1'000}}) {
            const lateness l = wake_lateness(slack);
            std::printf("  slack %5.0f us: median %6.1f us late, p99 %6.1f us\n",
                        static_cast<double>(slack.count()) / 1e3, l.median_us, l.p99_us);
        }
    }

    std::printf("\nrunner throughput (tasks that yield once; N = 2,000,000):\n");
    for (std::size_t threads : {std::size_t{1}, std::size_t{2}}) {
        const double external = runner_external(threads, 2'000'000);
        const double local = runner_local(threads, 2'000'000);
        std::printf(
            "  %zu thread%s: spawned from outside %6.2f M tasks/s | spawned on the loops %6.2f M tasks/s\n",
            threads, threads == 1 ? " " : "s", external / 1e6, local / 1e6);
    }
    return 0;
}
