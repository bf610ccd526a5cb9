#include "catch.hpp"

#include <loadkit/detail/runtime/timer_heap.hpp>
#include <loadkit/event_loop.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/when_all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("the timer heap orders one million timers by deadline, FIFO among equals (seed 42)",
          "[event_loop]") {
    constexpr std::size_t count = 1'000'000;
    auto nodes = std::make_unique<loadkit::timer_node[]>(count);
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> spread(0, 1000); // many equal deadlines on purpose
    loadkit::detail::timer_heap heap;
    const auto base = loadkit::clock::now();
    for (std::size_t i = 0; i < count; ++i) {
        nodes[i].deadline = base + std::chrono::microseconds(spread(rng));
        heap.push(nodes[i]);
    }
    // Cancel every tenth one, as a stop token would.
    for (std::size_t i = 0; i < count; i += 10) {
        heap.erase(nodes[i]);
    }
    CHECK(heap.size() == count - count / 10);
    const loadkit::timer_node* previous = nullptr;
    std::size_t popped = 0;
    bool ordered = true;
    while (!heap.empty()) {
        const loadkit::timer_node* node = heap.pop();
        if (previous != nullptr) {
            ordered =
                ordered && (previous->deadline < node->deadline ||
                            (previous->deadline == node->deadline && previous->sequence < node->sequence));
        }
        previous = node;
        ++popped;
    }
    CHECK(ordered);
    CHECK(popped == count - count / 10);
}

TEST_CASE("timers fire in deadline order, not in arming order", "[event_loop]") {
    std::vector<int> fired;
    auto sleeper = [](std::vector<int>& out, int id, std::chrono::milliseconds delay) -> loadkit::task<void> {
        co_await loadkit::sleep_for(delay);
        out.push_back(id);
    };
    loadkit::sync_wait(loadkit::when_all(sleeper(fired, 3, 150ms), sleeper(fired, 1, 10ms),
                                         sleeper(fired, 2, 80ms), sleeper(fired, 0, 0ms)));
    CHECK(fired == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("a sleep lasts at least its duration (loose upper bound for noisy CI)", "[event_loop]") {
    const auto start = loadkit::clock::now();
    loadkit::sync_wait([]() -> loadkit::task<void> { co_await loadkit::sleep_for(60ms); }());
    const auto elapsed = loadkit::clock::now() - start;
    CHECK(elapsed >= 60ms);
    CHECK(elapsed < 2s);
}

TEST_CASE("100k sleeping coroutines wake in deadline order on one loop", "[event_loop]") {
    constexpr int count = 100'000;
    std::vector<int> order;
    order.reserve(count);
    // One common base, so the deadlines are exactly the reverse of the start order.
    const auto base = loadkit::clock::now() + 10ms;
    auto sleeper = [](std::vector<int>& out, int id,
                      loadkit::clock::time_point start) -> loadkit::task<void> {
        co_await loadkit::sleep_until(start + std::chrono::microseconds((count - id) * 2));
        out.push_back(id);
    };
    std::vector<loadkit::task<void>> sleepers;
    sleepers.reserve(count);
    for (int i = 0; i < count; ++i) {
        sleepers.push_back(sleeper(order, i, base));
    }
    loadkit::sync_wait(loadkit::when_all(std::move(sleepers)));
    REQUIRE(order.size() == static_cast<std::size_t>(count));
    CHECK(std::is_sorted(order.rbegin(), order.rend()));
}

TEST_CASE("schedule() yields: two tasks interleave on one loop", "[event_loop]") {
    std::vector<char> trace;
    auto worker = [](std::vector<char>& out, char name) -> loadkit::task<void> {
        for (int i = 0; i < 3; ++i) {
            out.push_back(name);
            co_await loadkit::schedule();
        }
    };
    loadkit::sync_wait(loadkit::when_all(worker(trace, 'a'), worker(trace, 'b')));
    CHECK(trace == std::vector<char>{'a', 'b', 'a', 'b', 'a', 'b'});
}

TEST_CASE("post from other threads resumes coroutines on the loop's thread", "[event_loop]") {
    loadkit::event_loop loop;
    std::atomic<int> resumed{0};
    std::thread::id loop_thread;
    constexpr int per_thread = 2000;
    auto hop = [](loadkit::event_loop& target, std::atomic<int>& counter,
                  std::thread::id& where) -> loadkit::task<void> {
        co_await target.schedule();
        where = std::this_thread::get_id();
        counter.fetch_add(1);
    };
    std::vector<loadkit::task<void>> tasks;
    for (int i = 0; i < 2 * per_thread; ++i) {
        tasks.push_back(hop(loop, resumed, loop_thread));
    }
    // Start the tasks from two foreign threads: each task's first step runs there and then posts.
    std::thread runner([&loop] { loop.run_until_stopped(); });
    auto start_half = [&tasks](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            tasks[i].handle().resume();
        }
    };
    std::thread a(start_half, std::size_t{0}, std::size_t{per_thread});
    std::thread b(start_half, std::size_t{per_thread}, std::size_t{2 * per_thread});
    a.join();
    b.join();
    while (resumed.load() < 2 * per_thread) {
        std::this_thread::sleep_for(1ms);
    }
    loop.stop();
    const auto runner_id = runner.get_id();
    runner.join();
    CHECK(resumed.load() == 2 * per_thread);
    CHECK(loop_thread == runner_id);
}

TEST_CASE("run() returns when idle and stop() ends run_until_stopped from another thread", "[event_loop]") {
    loadkit::event_loop loop;
    loop.run(); // nothing to do: returns at once
    std::thread stopper([&loop] {
        std::this_thread::sleep_for(20ms);
        loop.stop();
    });
    loop.run_until_stopped();
    stopper.join();
    SUCCEED("run_until_stopped returned after stop()");
}
