#include "catch.hpp"

#include <loadkit/cancellation.hpp>
#include <loadkit/runner.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/task_pool.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

using namespace std::chrono_literals;

TEST_CASE("the runner spreads tasks over its loops and counts every one", "[runner]") {
    loadkit::runner r{{.threads = 2}};
    REQUIRE(r.size() == 2);
    std::atomic<long> sum{0};
    std::mutex seen_mutex;
    std::set<std::thread::id> threads_seen;
    for (long i = 1; i <= 20'000; ++i) {
        r.spawn([](std::atomic<long>& total, long v, std::mutex& m,
                   std::set<std::thread::id>& seen) -> loadkit::task<void> {
            if (v % 100 == 0) {
                co_await loadkit::sleep_for(100us);
            }
            {
                std::lock_guard lock(m);
                seen.insert(std::this_thread::get_id());
            }
            total.fetch_add(v, std::memory_order_relaxed);
        }(sum, i, seen_mutex, threads_seen));
    }
    auto report = r.join();
    CHECK(sum.load() == 20'000L * 20'001L / 2);
    CHECK(report.spawned == 20'000);
    CHECK(report.succeeded == 20'000);
    CHECK(threads_seen.size() == 2);
}

TEST_CASE("spawn_on pins a task to a chosen loop and hops between loops work", "[runner]") {
    loadkit::runner r{{.threads = 2}};
    std::atomic<int> checks{0};
    r.spawn_on(1, [](loadkit::runner& self, std::atomic<int>& ok) -> loadkit::task<void> {
        if (loadkit::current_executor() == &self.loop(1)) {
            ok.fetch_add(1);
        }
        co_await self.loop(0).schedule();
        if (loadkit::current_executor() == &self.loop(0)) {
            ok.fetch_add(1);
        }
    }(r, checks));
    r.join();
    CHECK(checks.load() == 2);
    CHECK_THROWS_AS(r.loop(2), std::out_of_range);
}

TEST_CASE("exceptions in runner tasks are reported and the runner keeps going", "[runner]") {
    loadkit::runner r{{.threads = 2}};
    for (int i = 0; i < 100; ++i) {
        r.spawn([](int n) -> loadkit::task<void> {
            co_await loadkit::schedule();
            if (n % 10 == 0) {
                throw std::runtime_error("runner failure");
            }
        }(i));
    }
    auto report = r.join();
    CHECK(report.failed == 10);
    CHECK(report.succeeded == 90);
    CHECK(loadkit::spawn_report::describe(report.errors.at(0)) == "runner failure");
}

TEST_CASE("the runner's destructor cancels long sleepers instead of hanging", "[runner][cancellation]") {
    const auto start = loadkit::clock::now();
    {
        loadkit::runner r{{.threads = 2}};
        for (int i = 0; i < 10; ++i) {
            r.spawn([]() -> loadkit::task<void> { co_await loadkit::sleep_for(1h); }());
        }
        std::this_thread::sleep_for(5ms);
    }
    CHECK(loadkit::clock::now() - start < 10s);
}

TEST_CASE("a task pool inside each runner loop: concurrency limits hold per loop", "[runner][task_pool]") {
    loadkit::runner r{{.threads = 2}};
    std::atomic<int> peak_violations{0};
    for (std::size_t shard = 0; shard < r.size(); ++shard) {
        r.spawn_on(shard, [](std::atomic<int>& violations) -> loadkit::task<void> {
            loadkit::task_pool pool{{.max_in_flight = 8}};
            int now = 0;
            for (int i = 0; i < 5000; ++i) {
                co_await pool.spawn([](int& current, std::atomic<int>& bad) -> loadkit::task<void> {
                    if (++current > 8) {
                        bad.fetch_add(1);
                    }
                    co_await loadkit::schedule();
                    --current;
                }(now, violations));
            }
            auto report = co_await pool.join();
            if (report.succeeded != 5000) {
                violations.fetch_add(1);
            }
        }(peak_violations));
    }
    auto report = r.join();
    CHECK(report.succeeded == r.size());
    CHECK(peak_violations.load() == 0);
}

TEST_CASE("join from one of the runner's own threads is refused", "[runner]") {
    loadkit::runner r{{.threads = 1}};
    std::atomic<bool> refused{false};
    r.spawn([](loadkit::runner& self, std::atomic<bool>& flag) -> loadkit::task<void> {
        try {
            (void)self.join();
        } catch (const std::logic_error&) {
            flag = true;
        }
        co_return;
    }(r, refused));
    r.join();
    CHECK(refused.load());
}

TEST_CASE("the runner's loop threads wake with the timer slack it was given", "[runner]") {
    CHECK_THROWS_WITH((loadkit::runner{{.threads = 1, .timer_slack = -1ns}}),
                      loadkit_test::contains_text("timer_slack = -1ns"));
#if defined(__linux__)
    const auto slack_of_loop = [](std::chrono::nanoseconds slack) {
        loadkit::runner r{{.threads = 1, .timer_slack = slack}};
        std::atomic<long> seen{-1};
        r.spawn([](std::atomic<long>& out) -> loadkit::task<void> {
            out = static_cast<long>(prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL));
            co_return;
        }(seen));
        r.join();
        return seen.load();
    };
    CHECK(slack_of_loop(3us) == 3000);
    CHECK(slack_of_loop(loadkit::runner::options{}.timer_slack) == 50'000);
#endif
}
