#include "catch.hpp"

#include <loadkit/blocking_pool.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/task_pool.hpp>
#include <loadkit/timeout.hpp>
#include <loadkit/when_all.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("a blocking callable runs on a worker thread and its value comes back", "[blocking]") {
    loadkit::blocking_pool workers{{.threads = 2}};
    const auto caller = std::this_thread::get_id();
    auto [value, worker_thread, resumed_on] = loadkit::sync_wait(
        [](loadkit::blocking_pool& pool) -> loadkit::task<std::tuple<int, std::thread::id, std::thread::id>> {
            std::thread::id where;
            int v = co_await pool.run([&where] {
                where = std::this_thread::get_id();
                std::this_thread::sleep_for(5ms); // a real blocking call
                return 41 + 1;
            });
            co_return std::tuple{v, where, std::this_thread::get_id()};
        }(workers));
    CHECK(value == 42);
    CHECK(worker_thread != caller);
    CHECK(resumed_on == caller); // the coroutine resumes on its own loop, not on the worker
}

TEST_CASE("exceptions from blocking callables propagate to the awaiter", "[blocking]") {
    loadkit::blocking_pool workers{{.threads = 1}};
    auto failing = [](loadkit::blocking_pool& pool) -> loadkit::task<void> {
        co_await pool.run([] { throw std::runtime_error("driver error"); });
    };
    CHECK_THROWS_WITH(loadkit::sync_wait(failing(workers)), "driver error");
}

TEST_CASE("blocking calls overlap across workers while the loop stays free", "[blocking]") {
    loadkit::blocking_pool workers{{.threads = 4}};
    std::atomic<int> concurrent{0};
    std::atomic<int> peak{0};
    auto call = [](loadkit::blocking_pool& pool, std::atomic<int>& now,
                   std::atomic<int>& most) -> loadkit::task<void> {
        co_await pool.run([&now, &most] {
            const int current = ++now;
            int seen = most.load();
            while (current > seen && !most.compare_exchange_weak(seen, current)) {
            }
            std::this_thread::sleep_for(20ms);
            --now;
        });
    };
    std::vector<loadkit::task<void>> calls;
    for (int i = 0; i < 8; ++i) {
        calls.push_back(call(workers, concurrent, peak));
    }
    loadkit::sync_wait(loadkit::when_all(std::move(calls)));
    CHECK(peak.load() >= 2); // they overlapped (4 workers; the exact figure depends on scheduling)
    CHECK(peak.load() <= 4);
}

TEST_CASE("a timed-out blocking call releases its caller at once; the call finishes on its worker",
          "[blocking][timeout]") {
    auto finished = std::make_shared<std::atomic<bool>>(false);
    {
        loadkit::blocking_pool workers{{.threads = 1}};
        const auto start = loadkit::clock::now();
        auto result = loadkit::sync_wait(loadkit::with_timeout(
            [](loadkit::blocking_pool& pool, std::shared_ptr<std::atomic<bool>> flag) -> loadkit::task<int> {
                // Named, not a temporary: GCC 12 destroys a lambda with non-trivial captures twice
                // when it is a temporary inside a co_await expression (see README, compiler notes).
                auto slow_call = [flag] {
                    std::this_thread::sleep_for(300ms);
                    flag->store(true);
                    return 1;
                };
                co_return co_await pool.run(std::move(slow_call));
            }(workers, finished),
            20ms));
        CHECK(result.timed_out());
        CHECK(loadkit::clock::now() - start < 250ms);
        CHECK_FALSE(finished->load());
    } // the pool's destructor waits for the abandoned call
    CHECK(finished->load());
}

TEST_CASE("blocking calls from a task pool: 200 operations on 8 workers", "[blocking][task_pool]") {
    loadkit::blocking_pool workers{{.threads = 8}};
    std::atomic<int> calls{0};
    auto report = loadkit::sync_wait([](loadkit::blocking_pool& pool,
                                        std::atomic<int>& count) -> loadkit::task<loadkit::spawn_report> {
        loadkit::task_pool tasks{{.max_in_flight = 16}};
        for (int i = 0; i < 200; ++i) {
            co_await tasks.spawn([](loadkit::blocking_pool& p, std::atomic<int>& c) -> loadkit::task<void> {
                co_await p.run([&c] {
                    std::this_thread::sleep_for(100us);
                    c.fetch_add(1);
                });
            }(pool, count));
        }
        co_return co_await tasks.join();
    }(workers, calls));
    CHECK(calls.load() == 200);
    CHECK(report.succeeded == 200);
}

TEST_CASE("run(f, args...) copies its arguments so no closure temporary is needed", "[blocking]") {
    loadkit::blocking_pool workers{{.threads = 1}};
    auto joined = loadkit::sync_wait([](loadkit::blocking_pool& pool) -> loadkit::task<std::string> {
        const std::string prefix = "user-";
        co_return co_await pool.run([](const std::string& p, int id) { return p + std::to_string(id); },
                                    prefix, 7);
    }(workers));
    CHECK(joined == "user-7");
}

TEST_CASE("blocking_pool options are validated", "[blocking]") {
    CHECK_THROWS_WITH(loadkit::blocking_pool({.threads = 0}), loadkit_test::contains_text("options.threads"));
}

TEST_CASE("a pool started small grows to the calls that overlap, and no further than threads", "[blocking]") {
    loadkit::blocking_pool workers{{.threads = 6, .start_threads = 1}};
    CHECK(workers.threads() == 1);
    std::atomic<int> waiting{0};
    std::atomic<bool> open{false};
    auto call = [](loadkit::blocking_pool& pool, std::atomic<int>& in,
                   std::atomic<bool>& go) -> loadkit::task<void> {
        co_await pool.run([&in, &go] {
            ++in;
            while (!go.load()) {
                std::this_thread::sleep_for(1ms);
            }
        });
    };
    std::vector<loadkit::task<void>> calls;
    for (int i = 0; i < 10; ++i) {
        calls.push_back(call(workers, waiting, open));
    }
    std::thread opener([&] {
        while (waiting.load() < 6) { // six calls at once: every thread the pool may have is busy
            std::this_thread::sleep_for(1ms);
        }
        open = true;
    });
    loadkit::sync_wait(loadkit::when_all(std::move(calls)));
    opener.join();
    CHECK(workers.threads() == 6);
    CHECK(waiting.load() == 10);
}

TEST_CASE("one call at a time needs one thread", "[blocking]") {
    loadkit::blocking_pool workers{{.threads = 1000, .start_threads = 1}};
    loadkit::sync_wait([](loadkit::blocking_pool& pool) -> loadkit::task<void> {
        for (int i = 0; i < 50; ++i) {
            co_await pool.run([] { std::this_thread::sleep_for(100us); });
        }
    }(workers));
    CHECK(workers.threads() == 1);
}

TEST_CASE("start_threads above threads is refused", "[blocking]") {
    CHECK_THROWS_WITH(loadkit::blocking_pool({.threads = 2, .start_threads = 3}),
                      loadkit_test::contains_text("options.start_threads = 3"));
}
