#include "catch.hpp"

#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

using namespace std::chrono_literals;

namespace {
loadkit::task<int> value(int v) { co_return v; }
loadkit::task<int> add(int a, int b) {
    const int x = co_await value(a);
    const int y = co_await value(b);
    co_return x + y;
}
loadkit::task<std::unique_ptr<std::string>> move_only() { co_return std::make_unique<std::string>("moved"); }
loadkit::task<void> throws_logic() {
    co_await loadkit::schedule();
    throw std::logic_error("deep failure");
}
loadkit::task<int> rethrows_through_chain() {
    co_await throws_logic();
    co_return 1;
}
loadkit::task<long> sum_of_ones(long count) {
    long total = 0;
    for (long i = 0; i < count; ++i) {
        total += co_await value(1);
    }
    co_return total;
}
loadkit::task<int> recurse(int depth) {
    if (depth == 0) {
        co_return 0;
    }
    co_return 1 + co_await recurse(depth - 1);
}
int global_value = 3;
loadkit::task<int&> reference() { co_return global_value; }
} // namespace

TEST_CASE("a task's value reaches its awaiter through a chain", "[task]") {
    CHECK(loadkit::sync_wait(add(2, 40)) == 42);
    CHECK(*loadkit::sync_wait(move_only()) == "moved");
    CHECK(loadkit::sync_wait(recurse(1000)) == 1000);
}

TEST_CASE("task<T&> hands back a reference to the same object", "[task]") {
    int& ref = loadkit::sync_wait(reference());
    CHECK(&ref == &global_value);
}

TEST_CASE("an exception thrown deep in a chain propagates to the awaiter and to sync_wait", "[task]") {
    CHECK_THROWS_AS(loadkit::sync_wait(rethrows_through_chain()), std::logic_error);
    try {
        loadkit::sync_wait(rethrows_through_chain());
    } catch (const std::logic_error& e) {
        CHECK(std::string(e.what()) == "deep failure");
    }
}

TEST_CASE("one million sequential co_awaits of synchronously completing tasks use constant stack",
          "[task][deep]") {
    // Without the synchronous-completion path this overflows the stack at -O0 and under ASan.
    CHECK(loadkit::sync_wait(sum_of_ones(1'000'000)) == 1'000'000);
}

TEST_CASE("a task is lazy: nothing runs until it is awaited, and an unawaited task is freed", "[task]") {
    int runs = 0;
    auto body = [](int& counter) -> loadkit::task<void> {
        ++counter;
        co_return;
    };
    {
        auto never_awaited = body(runs);
        CHECK(never_awaited.valid());
        CHECK_FALSE(never_awaited.done());
    }
    CHECK(runs == 0);
    auto awaited = body(runs);
    loadkit::sync_wait(awaited);
    CHECK(runs == 1);
    CHECK(awaited.done());
}

TEST_CASE("tasks are move-only and a moved-from task is empty", "[task]") {
    static_assert(!std::is_copy_constructible_v<loadkit::task<int>>);
    static_assert(std::is_nothrow_move_constructible_v<loadkit::task<int>>);
    auto first = value(7);
    auto second = std::move(first);
    CHECK_FALSE(first.valid()); // NOLINT(bugprone-use-after-move): checking the moved-from state
    CHECK(loadkit::sync_wait(std::move(second)) == 7);
    CHECK_THROWS_AS(loadkit::sync_wait(std::move(first)), std::logic_error);
}

TEST_CASE("an lvalue-awaited task keeps its result inside the task", "[task]") {
    auto task = move_only();
    auto& result = loadkit::sync_wait(task);
    CHECK(*result == "moved");
}

TEST_CASE("sync_wait waits for background timers and accepts plain awaitables", "[task][sync_wait]") {
    const auto start = loadkit::clock::now();
    loadkit::sync_wait(loadkit::sleep_for(20ms));
    CHECK(loadkit::clock::now() - start >= 20ms);
}

TEST_CASE("sleeping outside any executor is a clear error", "[task][sync_wait]") {
    auto lonely = []() -> loadkit::task<void> { co_await loadkit::sleep_for(1ms); };
    // Drive the task by hand, with no executor on this thread.
    struct driver {
        struct promise_type {
            driver get_return_object() noexcept { return {}; }
            std::suspend_never initial_suspend() const noexcept { return {}; }
            std::suspend_never final_suspend() const noexcept { return {}; }
            void return_void() const noexcept {}
            void unhandled_exception() const noexcept {}
        };
    };
    std::string message;
    auto drive = [](loadkit::task<void> t, std::string& out) -> driver {
        try {
            co_await std::move(t);
        } catch (const std::logic_error& e) {
            out = e.what();
        }
    };
    drive(lonely(), message);
    CHECK(message.find("no executor") != std::string::npos);
}
