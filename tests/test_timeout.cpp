#include "catch.hpp"

#include <loadkit/cancellation.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/timeout.hpp>
#include <loadkit/when_all.hpp>

#include <chrono>
#include <stdexcept>
#include <stop_token>
#include <string>

using namespace std::chrono_literals;

namespace {
loadkit::task<int> slow_value(std::chrono::milliseconds delay, int v) {
    co_await loadkit::sleep_for(delay);
    co_return v;
}
// The timer sits three tasks deep: cancellation must reach it without passing tokens by hand.
loadkit::task<int> nested(std::chrono::milliseconds delay) { co_return co_await slow_value(delay, 5) + 1; }
} // namespace

TEST_CASE("with_timeout returns the value when the work is fast enough", "[timeout]") {
    auto result = loadkit::sync_wait(loadkit::with_timeout(slow_value(1ms, 42), 5s));
    REQUIRE_FALSE(result.timed_out());
    CHECK(result.value() == 42);
    CHECK(*result == 42);
}

TEST_CASE("with_timeout cancels a nested sleep and reports a timeout, not an exception", "[timeout]") {
    const auto start = loadkit::clock::now();
    auto result = loadkit::sync_wait(loadkit::with_timeout(nested(10s), 30ms));
    CHECK(result.timed_out());
    CHECK_FALSE(static_cast<bool>(result));
    CHECK_THROWS_AS(result.value(), loadkit::timeout_error);
    const auto elapsed = loadkit::clock::now() - start;
    CHECK(elapsed >= 30ms);
    CHECK(elapsed < 3s); // the 10 s timer was withdrawn, not waited out
}

TEST_CASE("with_timeout over task<void> and a failing task", "[timeout]") {
    auto quick = []() -> loadkit::task<void> { co_return; };
    CHECK_FALSE(loadkit::sync_wait(loadkit::with_timeout(quick(), 1s)).timed_out());
    auto failing = []() -> loadkit::task<void> {
        co_await loadkit::sleep_for(1ms);
        throw std::runtime_error("bad");
    };
    CHECK_THROWS_AS(loadkit::sync_wait(loadkit::with_timeout(failing(), 1s)), std::runtime_error);
    CHECK_THROWS_AS(loadkit::sync_wait(loadkit::with_timeout(quick(), -1ms)), std::invalid_argument);
}

TEST_CASE("work that catches cancellation and returns late still counts as timed out", "[timeout]") {
    auto stubborn = []() -> loadkit::task<int> {
        try {
            co_await loadkit::sleep_for(10s);
        } catch (const loadkit::operation_cancelled&) {
        }
        co_return 1;
    };
    CHECK(loadkit::sync_wait(loadkit::with_timeout(stubborn(), 10ms)).timed_out());
}

TEST_CASE("get_stop_token sees the stop that with_timeout requests", "[timeout][cancellation]") {
    auto poller = []() -> loadkit::task<int> {
        std::stop_token token = co_await loadkit::get_stop_token();
        int spins = 0;
        const auto give_up = loadkit::clock::now() + 30s; // only if cancellation were broken
        while (!token.stop_requested() && loadkit::clock::now() < give_up) {
            co_await loadkit::schedule();
            ++spins;
        }
        co_return spins;
    };
    // The poller never sleeps, so the timer fires while it yields; it then sees the stop.
    auto result = loadkit::sync_wait(loadkit::with_timeout(poller(), 20ms));
    CHECK(result.timed_out());
}

TEST_CASE("a zero time limit times out work that has to wait", "[timeout]") {
    auto outer = []() -> loadkit::task<bool> {
        auto inner = []() -> loadkit::task<void> { co_await loadkit::sleep_for(10s); };
        auto r = co_await loadkit::with_timeout(inner(), 0ms);
        co_return r.timed_out();
    };
    CHECK(loadkit::sync_wait(outer()));
}

TEST_CASE("timeouts nest: the inner limit fires first, the outer is not reported", "[timeout]") {
    auto work = []() -> loadkit::task<bool> {
        auto inner = co_await loadkit::with_timeout(slow_value(10s, 1), 10ms);
        co_return inner.timed_out();
    };
    auto outer = loadkit::sync_wait(loadkit::with_timeout(work(), 5s));
    REQUIRE_FALSE(outer.timed_out());
    CHECK(*outer);
}

TEST_CASE("a cancellation of the caller propagates as operation_cancelled, not as a timeout",
          "[timeout][cancellation]") {
    // The outer limit stops `caller`; what its own with_timeout reports is recorded in `seen`.
    std::string seen;
    auto caller = [&seen](loadkit::task<int> work) -> loadkit::task<void> {
        try {
            auto inner = co_await loadkit::with_timeout(std::move(work), 10s);
            seen = inner.timed_out() ? "timed out" : "value";
        } catch (const loadkit::operation_cancelled&) {
            seen = "cancelled";
        }
    };

    SECTION("the work sleeps") {
        CHECK(loadkit::sync_wait(loadkit::with_timeout(caller(slow_value(10s, 1)), 20ms)).timed_out());
        CHECK(seen == "cancelled");
    }
    SECTION("the work holds on after the stop, so the stopped timer finishes first") {
        auto stubborn = []() -> loadkit::task<int> {
            try {
                co_await loadkit::sleep_for(10s);
            } catch (const loadkit::operation_cancelled&) {
            }
            for (int i = 0; i < 10; ++i) {
                co_await loadkit::schedule();
            }
            co_return 1;
        };
        CHECK(loadkit::sync_wait(loadkit::with_timeout(caller(stubborn()), 20ms)).timed_out());
        CHECK(seen == "cancelled");
    }
    SECTION("the caller was stopped before with_timeout began") {
        auto late = [&caller]() -> loadkit::task<void> {
            try {
                co_await loadkit::sleep_for(10s);
            } catch (const loadkit::operation_cancelled&) {
            }
            auto yielding = []() -> loadkit::task<int> {
                co_await loadkit::schedule();
                co_return 1;
            };
            co_await caller(yielding());
        };
        CHECK(loadkit::sync_wait(loadkit::with_timeout(late(), 20ms)).timed_out());
        CHECK(seen == "cancelled");
    }
}

TEST_CASE("with_timeout returns the value of work that yields to the loop", "[timeout]") {
    // The deadline timer is armed here (the work does not finish at once) and must lose quietly.
    auto yielding = [](int v) -> loadkit::task<int> {
        co_await loadkit::schedule();
        co_return v;
    };
    auto many = [&yielding]() -> loadkit::task<int> {
        int sum = 0;
        for (int i = 0; i < 10'000; ++i) {
            auto result = co_await loadkit::with_timeout(yielding(1), 5s);
            sum += result.value();
        }
        co_return sum;
    };
    CHECK(loadkit::sync_wait(many()) == 10'000);
}
