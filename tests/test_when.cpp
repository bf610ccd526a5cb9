#include "catch.hpp"

#include <loadkit/cancellation.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/when_all.hpp>
#include <loadkit/when_any.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

using namespace std::chrono_literals;

namespace {
loadkit::task<int> after(std::chrono::milliseconds delay, int v) {
    co_await loadkit::sleep_for(delay);
    co_return v;
}
loadkit::task<void> fail_after(std::chrono::milliseconds delay) {
    co_await loadkit::sleep_for(delay);
    throw std::runtime_error("child failed");
}
struct cancel_probe {
    int finished = 0;
    int cancelled = 0;
};
loadkit::task<int> observed_sleep(cancel_probe& probe, std::chrono::milliseconds delay, int v) {
    try {
        co_await loadkit::sleep_for(delay);
    } catch (const loadkit::operation_cancelled&) {
        ++probe.cancelled;
        throw;
    }
    ++probe.finished;
    co_return v;
}
} // namespace

TEST_CASE("when_all runs tasks concurrently and returns every value in argument order", "[when_all]") {
    const auto start = loadkit::clock::now();
    auto [a, b, c] = loadkit::sync_wait(
        loadkit::when_all(after(100ms, 1), after(100ms, 2), []() -> loadkit::task<void> { co_return; }()));
    CHECK(a == 1);
    CHECK(b == 2);
    CHECK(std::is_same_v<decltype(c), std::monostate>);
    // Sequential would take 200 ms; concurrent takes ~100 ms. Generous bound for noisy machines.
    CHECK(loadkit::clock::now() - start < 190ms);
}

TEST_CASE("when_all over a vector keeps input order and handles an empty vector", "[when_all]") {
    std::vector<loadkit::task<int>> tasks;
    for (int i = 0; i < 10; ++i) {
        tasks.push_back(after(std::chrono::milliseconds(10 - i), i));
    }
    auto values = loadkit::sync_wait(loadkit::when_all(std::move(tasks)));
    REQUIRE(values.size() == 10);
    for (int i = 0; i < 10; ++i) {
        CHECK(values[static_cast<std::size_t>(i)] == i);
    }
    CHECK(loadkit::sync_wait(loadkit::when_all(std::vector<loadkit::task<int>>{})).empty());
    std::vector<loadkit::task<void>> voids;
    voids.push_back([]() -> loadkit::task<void> { co_return; }());
    loadkit::sync_wait(loadkit::when_all(std::move(voids)));
}

TEST_CASE("when_all waits for every child, then rethrows the first failure", "[when_all]") {
    cancel_probe probe;
    CHECK_THROWS_AS(loadkit::sync_wait(loadkit::when_all(fail_after(1ms), observed_sleep(probe, 30ms, 1))),
                    std::runtime_error);
    CHECK(probe.finished == 1); // the sibling was not abandoned mid-flight
}

TEST_CASE("when_any returns the first to finish and cancels the losers", "[when_any]") {
    cancel_probe probe;
    const auto start = loadkit::clock::now();
    auto winner = loadkit::sync_wait(
        loadkit::when_any(observed_sleep(probe, 10s, 1), after(5ms, 2), observed_sleep(probe, 10s, 3)));
    CHECK(winner.index() == 1);
    CHECK(std::get<1>(winner) == 2);
    CHECK(probe.cancelled == 2);
    CHECK(probe.finished == 0);
    CHECK(loadkit::clock::now() - start < 5s); // the 10 s sleeps did not run out
}

TEST_CASE("when_any over a vector reports the winner's index and value", "[when_any]") {
    std::vector<loadkit::task<int>> tasks;
    tasks.push_back(after(2s, 10));
    tasks.push_back(after(1ms, 20));
    tasks.push_back(after(3s, 30));
    auto result = loadkit::sync_wait(loadkit::when_any(std::move(tasks)));
    CHECK(result.index == 1);
    CHECK(result.value == 20);
    CHECK_THROWS_AS(loadkit::sync_wait(loadkit::when_any(std::vector<loadkit::task<int>>{})),
                    std::invalid_argument);
}

TEST_CASE("when_any rethrows when the first to finish failed", "[when_any]") {
    CHECK_THROWS_AS(loadkit::sync_wait(loadkit::when_any(fail_after(1ms), after(5s, 1))), std::runtime_error);
}

TEST_CASE("a child that finishes synchronously wins and the others never start", "[when_any]") {
    cancel_probe probe;
    auto immediate = []() -> loadkit::task<int> { co_return 7; };
    auto result = loadkit::sync_wait(loadkit::when_any(immediate(), observed_sleep(probe, 5s, 1)));
    CHECK(result.index() == 0);
    CHECK(probe.cancelled == 0);
    CHECK(probe.finished == 0);
}
