#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/contend.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <memory>
#include <mutex>
#include <semaphore>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct account {
    std::mutex mutex;
    int balance = 100;

    bool spend(int amount) {
        std::lock_guard lock(mutex);
        if (balance < amount) {
            return false;
        }
        balance -= amount;
        return true;
    }
};

class quota_exceeded : public std::runtime_error {
public:
    quota_exceeded() : std::runtime_error("quota exceeded") {}
};

struct inventory {
    std::mutex mutex;
    int reserved = 0;
    int limit = 50;

    void reserve() {
        std::lock_guard lock(mutex);
        if (reserved >= limit) {
            throw quota_exceeded{};
        }
        ++reserved;
    }
};

} // namespace

TEST_CASE("contend: 100 concurrent increments of a mutex-protected counter end at exactly 100", "[contend]") {
    std::mutex mutex;
    int counter = 0;
    auto r = loadkit::contend(100, [&] {
        std::lock_guard lock(mutex);
        ++counter;
    });
    CHECK(r.ok());
    CHECK(r.succeeded() == 100);
    CHECK(r.size() == 100);
    CHECK(counter == 100);
}

TEST_CASE("contend: an unprotected read-modify-write loses updates when the reads are forced to overlap",
          "[contend]") {
    // Atomic load and store, but not one atomic read-modify-write: the race is a lost update, not
    // undefined behaviour. The latch makes every thread read before any thread writes, so the
    // outcome is certain: every thread writes 0 + 1.
    std::atomic<int> counter{0};
    std::latch all_read(100);
    auto r = loadkit::contend(100, [&] {
        const int seen = counter.load(std::memory_order_relaxed);
        all_read.arrive_and_wait();
        counter.store(seen + 1, std::memory_order_relaxed);
    });
    CHECK(r.ok());
    CHECK(counter.load() < 100);
    CHECK(counter.load() == 1);
}

TEST_CASE("contend: of two concurrent spends of 60 from 100 exactly one succeeds, in each of 200 rounds",
          "[contend]") {
    account acct;
    auto r = loadkit::contend({.threads = 2,
                               .rounds = 200,
                               .timeout = 30s,
                               .before_round = [&](std::size_t) { acct.balance = 100; }},
                              [&] { return acct.spend(60); });
    REQUIRE(r.ok());
    CHECK(r.rounds() == 200);
    CHECK(r.size() == 400);
    CHECK(r.count(true) == 200);
    CHECK(r.count(false) == 200);
    for (std::size_t round = 0; round < r.rounds(); ++round) {
        REQUIRE(r.round(round).count(true) == 1);
    }
    CHECK(acct.balance == 40);
}

TEST_CASE("contend: 60 concurrent reservations against a limit of 50 give 50 successes and 10 quota errors",
          "[contend]") {
    inventory stock;
    auto r = loadkit::contend(60, [&] { stock.reserve(); });
    CHECK(r.succeeded() == 50);
    CHECK(r.failed() == 10);
    const auto by_message = r.failures_by_message();
    REQUIRE(by_message.size() == 1);
    CHECK(by_message.at("quota exceeded") == 10);
    CHECK(stock.reserved == 50);
    CHECK_FALSE(r.ok());
    CHECK(contains(r.describe(), "60 threads x 1 round: 50 returned, 10 threw ('quota exceeded' x10)"));
}

TEST_CASE("contend: 10 concurrent creates of one key let exactly one through (unique constraint)",
          "[contend]") {
    std::mutex mutex;
    std::set<std::string> keys;
    auto r = loadkit::contend(10, [&](std::size_t i) {
        std::lock_guard lock(mutex);
        if (!keys.insert("user@example.com").second) {
            throw std::runtime_error("duplicate key");
        }
        return i;
    });
    CHECK(r.succeeded() == 1);
    CHECK(r.failures_by_message().at("duplicate key") == 9);
    CHECK(r.values().size() == 1);
}

TEST_CASE("contend: of 5 optimistic updates that all read version 0 exactly one commits", "[contend]") {
    // Compare-and-swap on the version: the classic optimistic-locking check. The latch forces all
    // five reads before any write, so four must see a stale version.
    std::atomic<int> version{0};
    std::latch all_read(5);
    auto r = loadkit::contend(5, [&] {
        int expected = version.load();
        all_read.arrive_and_wait();
        if (!version.compare_exchange_strong(expected, expected + 1)) {
            throw std::runtime_error("stale version");
        }
    });
    CHECK(r.succeeded() == 1);
    CHECK(r.failures_by_message().at("stale version") == 4);
    CHECK(version.load() == 1);
}

TEST_CASE("contend: 100 tasks over a pool of 20 connections never open more than 20", "[contend]") {
    std::counting_semaphore<20> pool(20);
    std::atomic<int> open{0};
    std::atomic<int> peak{0};
    auto r = loadkit::contend(100, [&] {
        pool.acquire();
        const int now = open.fetch_add(1) + 1;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(1ms);
        open.fetch_sub(1);
        pool.release();
    });
    CHECK(r.ok());
    CHECK(peak.load() <= 20);
    CHECK(peak.load() >= 1);
}

TEST_CASE("contend: each call gets its own thread index, once per round", "[contend]") {
    std::mutex mutex;
    std::vector<std::size_t> seen;
    std::vector<std::size_t> rounds_started;
    auto r = loadkit::contend({.threads = 8,
                               .rounds = 3,
                               .before_round = [&](std::size_t round) { rounds_started.push_back(round); }},
                              [&](std::size_t i) {
                                  std::lock_guard lock(mutex);
                                  seen.push_back(i);
                                  return i * 10;
                              });
    REQUIRE(r.ok());
    CHECK(rounds_started == std::vector<std::size_t>{0, 1, 2});
    std::sort(seen.begin(), seen.end());
    std::vector<std::size_t> expected;
    for (std::size_t i = 0; i < 8; ++i) {
        expected.insert(expected.end(), 3, i);
    }
    CHECK(seen == expected);
    for (std::size_t k = 0; k < r.size(); ++k) {
        CHECK(r[k].thread == k % 8);
        CHECK(r[k].round == k / 8);
        CHECK(*r[k].value == r[k].thread * 10);
    }
    CHECK(r.count_if([](std::size_t v) { return v >= 40; }) == 12);
    CHECK(r.count_if([](const loadkit::contend_outcome<std::size_t>& o) { return o.round == 2; }) == 8);
}

TEST_CASE("contend: exceptions are captured per thread with message and type, and never escape",
          "[contend]") {
    auto r = loadkit::contend(4, [](std::size_t i) -> int {
        if (i == 1) {
            throw std::invalid_argument("bad input");
        }
        if (i == 2) {
            throw 42; // not a std::exception
        }
        return static_cast<int>(i);
    });
    CHECK(r.succeeded() == 2);
    CHECK(r.failed() == 2);
    CHECK(r[1].threw());
    CHECK(r[1].error_message == "bad input");
    CHECK(contains(r[1].error_type, "invalid_argument"));
    CHECK(r[2].threw());
    CHECK(contains(r[2].error_message, "non-standard exception"));
    CHECK(r.values() == std::vector<int>{0, 3});
    CHECK_THROWS_AS(r.rethrow_first(), std::invalid_argument);
    auto fine = loadkit::contend(2, [] {});
    CHECK_NOTHROW(fine.rethrow_first());
}

TEST_CASE("contend: a call that does not return makes contend return at the time limit naming its thread",
          "[contend]") {
    // The stuck call waits on state it co-owns (shared_ptr captured by value), so the test can let
    // it go afterwards without touching anything on this stack frame.
    auto unstick = std::make_shared<std::atomic<bool>>(false);
    auto exited = std::make_shared<std::atomic<bool>>(false);
    const auto start = std::chrono::steady_clock::now();
    auto r = loadkit::contend({.threads = 3, .timeout = 200ms}, [unstick, exited](std::size_t i) {
        if (i == 1) {
            while (!unstick->load()) {
                std::this_thread::sleep_for(1ms);
            }
            exited->store(true);
        }
    });
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.timed_out());
    CHECK(r.still_running() == std::vector<std::size_t>{1});
    CHECK(r.succeeded() == 2);
    CHECK(r[1].status == loadkit::contend_status::running);
    CHECK(r[1].elapsed >= 200ms);
    CHECK(took < 10s);
    CHECK(contains(r.describe(), "timed out after 200ms: thread 1 still running"));
    unstick->store(true);
    for (int i = 0; i < 5000 && !exited->load(); ++i) {
        std::this_thread::sleep_for(1ms);
    }
    CHECK(exited->load());
}

TEST_CASE("contend: a timeout in a later round stops the rounds and reports that round", "[contend]") {
    auto unstick = std::make_shared<std::atomic<bool>>(false);
    auto r = loadkit::contend({.threads = 2, .rounds = 5, .timeout = 300ms},
                              [unstick, calls = std::make_shared<std::atomic<int>>(0)](std::size_t i) {
                                  if (calls->fetch_add(1) >= 4 && i == 0) { // round 2 or later
                                      while (!unstick->load()) {
                                          std::this_thread::sleep_for(1ms);
                                      }
                                  }
                              });
    unstick->store(true);
    CHECK(r.timed_out());
    CHECK(r.rounds() == 3);
    CHECK(r.size() == 6);
    CHECK(r.still_running() == std::vector<std::size_t>{0});
    CHECK(r.round(2).timed_out());
    CHECK_FALSE(r.round(1).timed_out());
    CHECK(r.round(1).ok());
}

TEST_CASE("contend: the calls start close together and their wall time is recorded", "[contend]") {
    auto r = loadkit::contend(4, [] { std::this_thread::sleep_for(5ms); });
    REQUIRE(r.ok());
    for (const auto& o : r) {
        CHECK(o.elapsed >= 5ms);
        CHECK(o.start_delay >= 0ns);
    }
    CHECK(r.start_spread() < 1s); // order of magnitude only: machines are shared
    CHECK(r.max_elapsed() >= 5ms);
    CHECK(contains(r.describe(), "4 threads x 1 round: 4 returned, 0 threw; started within"));
}

TEST_CASE("contend: before_round exceptions propagate after the threads are stopped", "[contend]") {
    std::atomic<int> calls{0};
    CHECK_THROWS_AS(loadkit::contend({.threads = 3,
                                      .rounds = 4,
                                      .before_round =
                                          [](std::size_t round) {
                                              if (round == 2) {
                                                  throw std::logic_error("reset failed");
                                              }
                                          }},
                                     [&] { calls.fetch_add(1); }),
                    std::logic_error);
    CHECK(calls.load() == 6);
}

TEST_CASE("contend_options: invalid values are rejected naming the field", "[contend]") {
    auto noop = [] {};
    CHECK(invalid_argument_message([&] { (void)loadkit::contend(0, noop); }) ==
          "loadkit::contend_options: threads = 0 (expected 1 .. 10000)");
    CHECK(invalid_argument_message([&] { (void)loadkit::contend({.threads = 2, .rounds = 0}, noop); }) ==
          "loadkit::contend_options: rounds = 0 (expected >= 1)");
    CHECK(invalid_argument_message([&] { (void)loadkit::contend({.threads = 2, .timeout = 0s}, noop); }) ==
          "loadkit::contend_options: timeout = 0ns (expected > 0)");
    CHECK(invalid_argument_message([&] { (void)loadkit::contend({.threads = 20'000}, noop); }) ==
          "loadkit::contend_options: threads = 20000 (expected 1 .. 10000)");
}
