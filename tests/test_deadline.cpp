#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/deadline.hpp>
#include <loadkit/lock_probe.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {
// A flag co-owned by a stuck thread and the test, so the test can let the thread go afterwards.
struct release_flag {
    std::atomic<bool> go{false};
    std::atomic<bool> exited{false};
    void wait() const {
        while (!go.load()) {
            std::this_thread::sleep_for(1ms);
        }
    }
};
void wait_exited(const release_flag& f) {
    for (int i = 0; i < 5000 && !f.exited.load(); ++i) {
        std::this_thread::sleep_for(1ms);
    }
}
} // namespace

TEST_CASE("task_tracker: running() lists entered work by name until its guard goes", "[deadline]") {
    loadkit::task_tracker tracker;
    CHECK(tracker.running().empty());
    auto a = tracker.enter("transfer A->B");
    {
        auto b = tracker.enter("transfer B->A");
        const auto now = tracker.running();
        REQUIRE(now.size() == 2);
        CHECK(now[0].name == "transfer A->B");
        CHECK(now[1].name == "transfer B->A");
        CHECK(now[0].elapsed >= now[1].elapsed);
    }
    CHECK(tracker.running_count() == 1);
    a.leave();
    a.leave(); // idempotent
    CHECK(tracker.running_count() == 0);
    const auto r = tracker.wait_idle(10ms);
    CHECK(r.completed);
    CHECK(r.still_running.empty());
    CHECK(contains(r.describe(), "all tasks finished after"));
}

TEST_CASE("task_tracker: wait_idle names a hung task instead of hanging", "[deadline]") {
    loadkit::task_tracker tracker;
    auto flag = std::make_shared<release_flag>();
    // Entered here, before the thread starts, so wait_idle cannot run before the task registered.
    std::thread worker([guard = tracker.enter("settle batch 7"), flag]() mutable {
        flag->wait();
        guard.leave();
    });
    std::thread quick([&tracker] { auto guard = tracker.enter("quick job"); });
    quick.join();
    const auto start = std::chrono::steady_clock::now();
    const auto r = tracker.wait_idle(50ms);
    const auto took = std::chrono::steady_clock::now() - start;
    flag->go = true;
    worker.join();
    CHECK_FALSE(r.completed);
    REQUIRE(r.still_running.size() == 1);
    CHECK(r.still_running[0].name == "settle batch 7");
    CHECK(r.still_running[0].elapsed >= 50ms);
    CHECK(took < 5s);
    CHECK(contains(r.describe(), "1 task still running after 50ms: 'settle batch 7' ("));
}

TEST_CASE("task_tracker: wait_idle returns as soon as the last task leaves", "[deadline]") {
    loadkit::task_tracker tracker;
    auto guard = tracker.enter("short");
    std::thread leaver([g = std::move(guard)]() mutable {
        std::this_thread::sleep_for(10ms);
        g.leave();
    });
    const auto r = tracker.wait_idle(10s);
    leaver.join();
    CHECK(r.completed);
    CHECK(r.waited < 5s);
}

TEST_CASE("task_tracker: expect_idle_within throws deadline_exceeded carrying the names", "[deadline]") {
    loadkit::task_tracker tracker;
    auto guard = tracker.enter("reindex");
    try {
        tracker.expect_idle_within(5ms);
        FAIL("expected deadline_exceeded");
    } catch (const loadkit::deadline_exceeded& e) {
        CHECK(contains(e.what(), "1 task still running after 5.0ms: 'reindex'"));
        CHECK(e.result().still_running.at(0).name == "reindex");
    }
    guard.leave();
    CHECK(tracker.expect_idle_within(5ms).completed);
}

// A dangling guard would be a use after free: the sanitizer builds turn it into a failure; the
// checks here prove that the guard still acts on the state it co-owns, and only on that one.
TEST_CASE("task_tracker: a guard outliving its tracker stays valid", "[deadline]") {
    loadkit::task_tracker::guard survivor;
    {
        loadkit::task_tracker tracker;
        survivor = tracker.enter("orphan");
        REQUIRE(tracker.running_count() == 1);
        CHECK(tracker.running()[0].name == "orphan");
    }
    loadkit::task_tracker next;
    // Assigning leaves the dead tracker's task first (its state is still alive), then holds the new one.
    survivor = next.enter("adopted");
    REQUIRE(next.running_count() == 1);
    CHECK(next.running()[0].name == "adopted");
    survivor.leave();
    CHECK(next.running_count() == 0);
    survivor.leave(); // idempotent, and touches nothing once left
    CHECK(next.running_count() == 0);
    CHECK(next.wait_idle(0ms).completed);
}

TEST_CASE("run_with_deadline: opposite lock orders through std::scoped_lock finish within the limit",
          "[deadline]") {
    loadkit::probed_mutex<> a;
    loadkit::probed_mutex<> b;
    int balance_a = 100;
    int balance_b = 100;
    auto transfer = [](loadkit::probed_mutex<>& from_lock, int& from, loadkit::probed_mutex<>& to_lock,
                       int& to) {
        for (int i = 0; i < 200; ++i) {
            std::scoped_lock lock(from_lock, to_lock); // deadlock-free acquisition of both
            --from;
            ++to;
        }
    };
    const auto r =
        loadkit::run_with_deadline(5s, {{"transfer A->B", [&] { transfer(a, balance_a, b, balance_b); }},
                                        {"transfer B->A", [&] { transfer(b, balance_b, a, balance_a); }}});
    CHECK(r.completed);
    CHECK(r.failed.empty());
    CHECK(balance_a == 100);
    CHECK(balance_b == 100);
    CHECK(r.waited < 5s);
}

TEST_CASE("run_with_deadline: a task that never returns is named with its elapsed time", "[deadline]") {
    auto flag = std::make_shared<release_flag>();
    const auto r = loadkit::run_with_deadline(50ms, {{"fast", [] {}},
                                                     {"stuck worker",
                                                      [flag] {
                                                          flag->wait();
                                                          flag->exited = true;
                                                      }},
                                                     {"failing", [] { throw std::runtime_error("boom"); }}});
    CHECK_FALSE(r.completed);
    REQUIRE(r.still_running.size() == 1);
    CHECK(r.still_running[0].name == "stuck worker");
    CHECK(r.still_running[0].elapsed >= 50ms);
    REQUIRE(r.failed.size() == 1);
    CHECK(r.failed[0].name == "failing");
    CHECK(r.failed[0].message == "boom");
    CHECK(contains(r.describe(), "1 task still running after 50ms: 'stuck worker' ("));
    CHECK(contains(r.describe(), "; 1 task failed: 'failing': boom"));
    flag->go = true;
    wait_exited(*flag);
    CHECK(flag->exited.load());
}

TEST_CASE("expect_within: throws deadline_exceeded for a stuck task and rethrows a task's failure",
          "[deadline]") {
    auto flag = std::make_shared<release_flag>();
    try {
        (void)loadkit::expect_within(20ms, {{"hung", [flag] { flag->wait(); }}});
        FAIL("expected deadline_exceeded");
    } catch (const loadkit::deadline_exceeded& e) {
        CHECK(contains(e.what(), "'hung'"));
    }
    flag->go = true;
    CHECK_THROWS_AS(loadkit::expect_within(1s, {{"bad", [] { throw std::logic_error("no"); }}}),
                    std::logic_error);
    CHECK(loadkit::expect_within(1s, {{"fine", [] {}}}).completed);
    CHECK(loadkit::expect_within(1s, {}).completed);
}

TEST_CASE("run_with_deadline: invalid arguments name the field", "[deadline]") {
    CHECK(invalid_argument_message([] {
              (void)loadkit::run_with_deadline(0ms, {{"x", [] {}}});
          }) == "loadkit::run_with_deadline: limit = 0ns (expected > 0)");
    CHECK(invalid_argument_message([] {
              (void)loadkit::run_with_deadline(1s, {{"x", nullptr}});
          }) == "loadkit::run_with_deadline: tasks[0].fn ('x') is empty (expected a callable)");
}

namespace {
loadkit::task<int> sleepy(std::chrono::milliseconds d, int v) {
    co_await loadkit::sleep_for(d);
    co_return v;
}
loadkit::task<void> sleepy_void(std::chrono::milliseconds d) { co_await loadkit::sleep_for(d); }
} // namespace

TEST_CASE("with_deadline: a coroutine that finishes in time gives its value", "[deadline]") {
    CHECK(loadkit::sync_wait(loadkit::with_deadline(sleepy(1ms, 7), 5s, "quick")) == 7);
    CHECK_NOTHROW(loadkit::sync_wait(loadkit::with_deadline(sleepy_void(1ms), 5s, "quick void")));
}

TEST_CASE("with_deadline: cancels a sleeping coroutine at the limit and throws naming it", "[deadline]") {
    const auto start = std::chrono::steady_clock::now();
    try {
        (void)loadkit::sync_wait(loadkit::with_deadline(sleepy(10s, 1), 30ms, "fetch /health"));
        FAIL("expected deadline_exceeded");
    } catch (const loadkit::deadline_exceeded& e) {
        CHECK(contains(e.what(), "1 task still running after 30ms: 'fetch /health'"));
        CHECK_FALSE(e.result().completed);
    }
    CHECK(std::chrono::steady_clock::now() - start < 5s); // the 10 s sleep was cancelled
}

TEST_CASE("tracked: a coroutine is listed by name while it runs", "[deadline]") {
    loadkit::task_tracker tracker;
    auto probe = [](loadkit::task_tracker& t) -> loadkit::task<std::size_t> {
        co_await loadkit::sleep_for(1ms);
        co_return t.running_count();
    };
    auto work = loadkit::tracked(tracker, "job 17", probe(tracker));
    CHECK(tracker.running_count() == 0); // tasks are lazy: not entered before they run
    CHECK(loadkit::sync_wait(std::move(work)) == 1);
    CHECK(tracker.running_count() == 0);
}
