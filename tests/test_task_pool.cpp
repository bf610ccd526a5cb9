#include "catch.hpp"

#include <loadkit/cancellation.hpp>
#include <loadkit/event_loop.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/task_pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {
struct gauge {
    int now = 0;
    int peak = 0;
    long done = 0;
};
loadkit::task<void> tracked(gauge& g, long i) {
    g.peak = std::max(g.peak, ++g.now);
    if (i % 3 == 0) {
        co_await loadkit::schedule(); // some finish at once, others after a hop
    }
    if (i % 7 == 0) {
        co_await loadkit::sleep_for(std::chrono::microseconds(i % 50));
    }
    --g.now;
    ++g.done;
}
} // namespace

TEST_CASE("100k spawned tasks with a limit of 64 never exceed 64 in flight", "[task_pool]") {
    gauge g;
    auto report = loadkit::sync_wait([](gauge& state) -> loadkit::task<loadkit::spawn_report> {
        loadkit::task_pool pool{{.max_in_flight = 64}};
        for (long i = 0; i < 100'000; ++i) {
            co_await pool.spawn(tracked(state, i));
            CHECK(pool.in_flight() <= 64);
        }
        co_return co_await pool.join();
    }(g));
    CHECK(g.peak <= 64); // tasks that end before they are resumed free their slot early
    CHECK(g.now == 0);
    CHECK(g.done == 100'000);
    CHECK(report.spawned == 100'000);
    CHECK(report.succeeded == 100'000);
    CHECK(report.peak_in_flight == 64);
    CHECK(report.ok());
}

TEST_CASE("a full pool of sleeping tasks runs exactly max_in_flight at once", "[task_pool]") {
    int now = 0;
    int peak = 0;
    loadkit::sync_wait([](int& current, int& most) -> loadkit::task<void> {
        loadkit::task_pool pool{{.max_in_flight = 16}};
        for (int i = 0; i < 500; ++i) {
            co_await pool.spawn([](int& c, int& m) -> loadkit::task<void> {
                m = std::max(m, ++c);
                co_await loadkit::sleep_for(200us);
                --c;
            }(current, most));
        }
        co_await pool.join();
    }(now, peak));
    CHECK(peak == 16);
    CHECK(now == 0);
}

TEST_CASE("exceptions of spawned tasks are captured and reported, never lost", "[task_pool]") {
    auto report = loadkit::sync_wait([]() -> loadkit::task<loadkit::spawn_report> {
        loadkit::task_pool pool{{.max_in_flight = 4, .kept_errors = 3}};
        for (int i = 0; i < 10; ++i) {
            co_await pool.spawn([](int n) -> loadkit::task<void> {
                co_await loadkit::schedule();
                if (n % 2 == 1) {
                    throw std::runtime_error("spawned failure " + std::to_string(n));
                }
            }(i));
        }
        co_return co_await pool.join();
    }());
    CHECK(report.spawned == 10);
    CHECK(report.succeeded == 5);
    CHECK(report.failed == 5);
    CHECK_FALSE(report.ok());
    REQUIRE(report.errors.size() == 3); // kept_errors bounds what is stored; the count is exact
    CHECK(loadkit::spawn_report::describe(report.errors.front()) == "spawned failure 1");
    CHECK_THROWS_AS(report.rethrow_first_error(), std::runtime_error);
}

TEST_CASE("request_stop cancels spawned tasks through their stop token", "[task_pool][cancellation]") {
    auto report = loadkit::sync_wait([]() -> loadkit::task<loadkit::spawn_report> {
        loadkit::task_pool pool{{.max_in_flight = 8}};
        for (int i = 0; i < 8; ++i) {
            co_await pool.spawn([]() -> loadkit::task<void> { co_await loadkit::sleep_for(1h); }());
        }
        co_await loadkit::sleep_for(5ms);
        pool.request_stop();
        co_return co_await pool.join();
    }());
    CHECK(report.cancelled == 8);
    CHECK(report.failed == 0);
}

TEST_CASE("try_spawn refuses when the pool is full and join on an idle pool returns at once", "[task_pool]") {
    loadkit::sync_wait([]() -> loadkit::task<void> {
        loadkit::task_pool pool{{.max_in_flight = 1}};
        auto empty = co_await pool.join();
        CHECK(empty.spawned == 0);
        CHECK(pool.try_spawn([]() -> loadkit::task<void> { co_await loadkit::sleep_for(5ms); }()));
        CHECK_FALSE(pool.try_spawn([]() -> loadkit::task<void> { co_return; }()));
        auto done = co_await pool.join();
        CHECK(done.spawned == 1);
    }());
}

TEST_CASE("invalid pool options throw and name the field", "[task_pool]") {
    CHECK_THROWS_WITH(loadkit::task_pool({.max_in_flight = 0}), loadkit_test::contains_text("max_in_flight"));
}

TEST_CASE("a pool can run its tasks on another loop's thread and be joined from here", "[task_pool]") {
    loadkit::event_loop other;
    std::thread other_thread([&other] { other.run_until_stopped(); });
    std::atomic<int> on_other{0};
    auto report = loadkit::sync_wait([](loadkit::event_loop& target,
                                        std::atomic<int>& counter) -> loadkit::task<loadkit::spawn_report> {
        loadkit::task_pool pool{{.max_in_flight = 4, .target = &target}};
        for (int i = 0; i < 1000; ++i) {
            co_await pool.spawn([](loadkit::event_loop& where, std::atomic<int>& c) -> loadkit::task<void> {
                if (loadkit::current_executor() == &where) {
                    c.fetch_add(1);
                }
                co_await loadkit::schedule();
            }(target, counter));
        }
        co_return co_await pool.join();
    }(other, on_other));
    other.stop();
    other_thread.join();
    CHECK(on_other.load() == 1000);
    CHECK(report.succeeded == 1000);
    CHECK(report.peak_in_flight <= 4);
}
