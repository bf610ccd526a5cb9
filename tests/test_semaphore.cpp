#include "catch.hpp"

#include <loadkit/semaphore.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/timeout.hpp>
#include <loadkit/when_all.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("100 tasks against a pool of 20 connections never hold more than 20 at once", "[semaphore]") {
    loadkit::async_semaphore connections{20};
    int open = 0;
    int peak = 0;
    auto user = [](loadkit::async_semaphore& sem, int& now, int& most) -> loadkit::task<void> {
        co_await sem.acquire();
        most = std::max(most, ++now);
        co_await loadkit::sleep_for(1ms);
        --now;
        sem.release();
    };
    std::vector<loadkit::task<void>> users;
    for (int i = 0; i < 100; ++i) {
        users.push_back(user(connections, open, peak));
    }
    loadkit::sync_wait(loadkit::when_all(std::move(users)));
    CHECK(peak == 20);
    CHECK(open == 0);
    CHECK(connections.available() == 20);
    CHECK(connections.waiting() == 0);
}

TEST_CASE("try_acquire takes a free permit and never waits", "[semaphore]") {
    loadkit::async_semaphore sem{1};
    CHECK(sem.try_acquire());
    CHECK_FALSE(sem.try_acquire());
    sem.release();
    CHECK(sem.available() == 1);
    CHECK_THROWS_WITH(loadkit::async_semaphore{-1},
                      loadkit_test::contains_text("permits must be >= 0 (got -1)"));
}

TEST_CASE("a cancelled wait leaves the queue and does not consume a permit", "[semaphore][cancellation]") {
    loadkit::async_semaphore sem{0};
    auto waiter = [](loadkit::async_semaphore& s) -> loadkit::task<void> { co_await s.acquire(); };
    auto result = loadkit::sync_wait(loadkit::with_timeout(waiter(sem), 20ms));
    CHECK(result.timed_out());
    CHECK(sem.waiting() == 0);
    sem.release();
    CHECK(sem.available() == 1);
}
