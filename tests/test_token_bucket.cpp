#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/timeout.hpp>
#include <loadkit/token_bucket.hpp>
#include <loadkit/when_all.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using clock_type = loadkit::clock;

// Sanitizers slow this code 2-15x and make a loaded machine's scheduling less predictable: the
// real-time rate test keeps its 2 % bound only without them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOADKIT_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define LOADKIT_TEST_SANITIZED 1
#endif
#endif
#ifndef LOADKIT_TEST_SANITIZED
#define LOADKIT_TEST_SANITIZED 0
#endif

namespace {
const clock_type::time_point t0 = clock_type::time_point{} + 1000h; // manual times: exact and instant
}

TEST_CASE("a full bucket grants burst at once, then one token per interval", "[token_bucket]") {
    loadkit::token_bucket bucket{{.rate = 10, .burst = 3}};
    CHECK(bucket.interval() == 100ms);
    CHECK(bucket.available(t0) == 3.0);
    CHECK(bucket.try_acquire(1, t0));
    CHECK(bucket.try_acquire(1, t0));
    CHECK(bucket.try_acquire(1, t0));
    CHECK_FALSE(bucket.try_acquire(1, t0));
    CHECK(bucket.available(t0) == 0.0);
    CHECK_FALSE(bucket.try_acquire(1, t0 + 99ms));
    CHECK(bucket.available(t0 + 50ms) == Approx(0.5));
    int granted = 0;
    for (auto t = t0 + 100ms; t < t0 + 1100ms; t += 1ms) { // a steady caller polling every 1 ms
        granted += bucket.try_acquire(1, t) ? 1 : 0;
    }
    CHECK(granted == 10);
    // After a quiet spell the bucket holds burst again, never more.
    CHECK(bucket.available(t0 + 1h) == 3.0);
}

TEST_CASE("reserve returns when each caller may proceed, in order, from the absolute schedule",
          "[token_bucket]") {
    loadkit::token_bucket bucket{{.rate = 1000, .burst = 2}};
    CHECK(bucket.reserve(1, t0) == t0);
    CHECK(bucket.reserve(1, t0) == t0);
    CHECK(bucket.reserve(1, t0) == t0 + 1ms);
    CHECK(bucket.reserve(2, t0) == t0 + 3ms);
    CHECK(bucket.reserve(1, t0 + 10ms) == t0 + 10ms); // idle since: full again
    CHECK_FALSE(bucket.try_acquire(2, t0 + 10ms));
    CHECK(bucket.try_acquire(1, t0 + 10ms));
}

TEST_CASE("fractional rates and fractional token counts", "[token_bucket]") {
    loadkit::token_bucket slow{{.rate = 2.5}};
    CHECK(slow.interval() == 400ms);
    CHECK(slow.try_acquire(1, t0));
    CHECK_FALSE(slow.try_acquire(1, t0 + 399ms));
    CHECK(slow.try_acquire(1, t0 + 400ms));

    loadkit::token_bucket third{{.rate = 1.0 / 3.0}};
    CHECK(third.interval() == 3s);

    loadkit::token_bucket halves{{.rate = 10, .burst = 2}};
    for (int i = 0; i < 4; ++i) {
        CHECK(halves.try_acquire(0.5, t0));
    }
    CHECK_FALSE(halves.try_acquire(0.5, t0));
    CHECK(halves.try_acquire(0.5, t0 + 50ms));
    CHECK(halves.try_acquire(1.5, t0 + 1s));
    CHECK(halves.available(t0 + 1s) == Approx(0.5));
    CHECK(halves.try_acquire(0, t0 + 1s)); // nothing asked, nothing taken

    // 3/s is 333,333,333.3 ns: rounded up to whole nanoseconds, so never above the rate.
    loadkit::token_bucket three{{.rate = 3}};
    CHECK(three.interval() == 333'333'334ns);
}

TEST_CASE("no drift over a long horizon: the millionth reservation at 1000/s is exactly 1000 s later",
          "[token_bucket]") {
    loadkit::token_bucket bucket{{.rate = 1000}};
    clock_type::time_point last{};
    for (int i = 0; i < 1'000'000; ++i) {
        last = bucket.reserve(1, t0);
    }
    CHECK(last == t0 + 999'999ms);
    // A caller that keeps up, polling every 250 us for an hour, gets exactly rate * time.
    loadkit::token_bucket steady{{.rate = 1000}};
    std::int64_t granted = 0;
    for (auto t = t0; t < t0 + 1h; t += 250us) {
        granted += steady.try_acquire(1, t) ? 1 : 0;
    }
    CHECK(granted == 3'600'000);
}

TEST_CASE("try_acquire from 2 threads never over-grants: granted <= burst + rate * window",
          "[token_bucket]") {
    // Both threads walk the same simulated 2 s window in 10 us steps, racing on the one atomic TAT.
    loadkit::token_bucket bucket{{.rate = 1000, .burst = 5}};
    constexpr int steps = 200'000;
    std::int64_t granted[2] = {0, 0};
    auto worker = [&](int id) {
        for (int i = 0; i < steps; ++i) {
            granted[id] += bucket.try_acquire(1, t0 + std::chrono::microseconds(10 * i)) ? 1 : 0;
        }
    };
    std::thread a(worker, 0);
    std::thread b(worker, 1);
    a.join();
    b.join();
    const std::int64_t total = granted[0] + granted[1];
    CHECK(total <= 5 + 1000 * 2);
    CHECK(total >= 1000 * 2); // and nothing is lost while someone keeps polling
}

TEST_CASE("acquire sleeps on the event loop until its slot, never early, FIFO", "[token_bucket]") {
    loadkit::token_bucket bucket{{.rate = 500}}; // 2 ms apart
    auto waiter = [](loadkit::token_bucket& b,
                     std::vector<clock_type::time_point>& granted) -> loadkit::task<void> {
        for (int i = 0; i < 10; ++i) {
            co_await b.acquire();
            granted.push_back(clock_type::now());
        }
    };
    std::vector<clock_type::time_point> granted;
    const clock_type::time_point begin = clock_type::now();
    loadkit::sync_wait(waiter(bucket, granted));
    REQUIRE(granted.size() == 10);
    for (std::size_t i = 1; i < granted.size(); ++i) {
        CHECK(granted[i] >= begin + 2ms * i); // a lower bound cannot be flaky
    }
}

TEST_CASE("the issue's rate test: 2,000/s for 3 s of real time lands within 2 % (loose under sanitizers)",
          "[token_bucket][slow]") {
    // One event loop takes tokens as fast as the bucket grants them for 3 s of real time. The
    // bucket's schedule is absolute (GCRA), so a late wake-up does not shift later grants; burst 200
    // absorbs up to 100 ms of scheduling delay at a time before any token is lost. The initial burst
    // is taken before the clock starts, so the count measures the sustained rate only.
    loadkit::token_bucket bucket{{.rate = 2000, .burst = 200}};
    while (bucket.try_acquire()) {
    }
    auto consume = [](loadkit::token_bucket& b, clock_type::duration span) -> loadkit::task<std::int64_t> {
        const clock_type::time_point begin = clock_type::now();
        std::int64_t count = 0;
        for (;;) {
            co_await b.acquire();
            if (clock_type::now() - begin >= span) {
                co_return count;
            }
            ++count;
        }
    };
    const double count = static_cast<double>(loadkit::sync_wait(consume(bucket, 3s)));
    const double tolerance = LOADKIT_TEST_SANITIZED ? 0.5 : 0.02;
    INFO("granted " << count << " in 3 s (target 6000, tolerance " << tolerance * 100 << " %)");
    CHECK(std::abs(count - 6000.0) <= 6000.0 * tolerance);
}

TEST_CASE("a cancelled acquire gives its reservation back when nobody reserved after it",
          "[token_bucket][cancellation]") {
    loadkit::token_bucket bucket{{.rate = 10}}; // one token per 100 ms
    const clock_type::time_point a = clock_type::now();
    REQUIRE(bucket.try_acquire(1, a));
    auto wait_one = [](loadkit::token_bucket& b) -> loadkit::task<void> { co_await b.acquire(); };
    const loadkit::timeout_result<void> result =
        loadkit::sync_wait(loadkit::with_timeout(wait_one(bucket), 10ms));
    CHECK(result.timed_out());
    CHECK_FALSE(bucket.try_acquire(1, a + 99ms));
    CHECK(bucket.try_acquire(1, a + 100ms)); // the cancelled waiter's slot is free again
}

TEST_CASE("a cancelled acquire keeps its reservation when a later waiter counts on it",
          "[token_bucket][cancellation]") {
    loadkit::token_bucket bucket{{.rate = 10}};
    const clock_type::time_point a = clock_type::now();
    REQUIRE(bucket.try_acquire(1, a));
    auto wait_one = [](loadkit::token_bucket& b) -> loadkit::task<void> { co_await b.acquire(); };
    auto later = [](loadkit::token_bucket& b) -> loadkit::task<clock_type::time_point> {
        co_await b.acquire();
        co_return clock_type::now();
    };
    auto first = loadkit::with_timeout(wait_one(bucket), 10ms); // reserves a + 100 ms, cancelled
    auto second = later(bucket);                                // reserves a + 200 ms
    auto [cancelled, granted_at] = loadkit::sync_wait(loadkit::when_all(std::move(first), std::move(second)));
    CHECK(cancelled.timed_out());
    CHECK(granted_at >= a + 200ms); // the later waiter keeps its place: no one jumps the queue
    CHECK_FALSE(bucket.try_acquire(1, a + 299ms));
    CHECK(bucket.try_acquire(1, a + 300ms));
}

TEST_CASE("acquire_blocking paces plain threads: 2 threads x 10 tokens at 1000/s take >= 19 ms",
          "[token_bucket]") {
    loadkit::token_bucket bucket{{.rate = 1000}};
    const clock_type::time_point begin = clock_type::now();
    auto worker = [&] {
        for (int i = 0; i < 10; ++i) {
            bucket.acquire_blocking();
        }
    };
    std::thread a(worker);
    std::thread b(worker);
    a.join();
    b.join();
    CHECK(clock_type::now() - begin >= 19ms);
}

TEST_CASE("invalid options and token counts throw std::invalid_argument naming the field", "[token_bucket]") {
    using loadkit::token_bucket;
    CHECK(invalid_argument_message([] { token_bucket{{.rate = -1}}; }) ==
          "loadkit::token_bucket_options: rate = -1 (expected a finite rate > 0 per second)");
    CHECK(contains(invalid_argument_message([] { token_bucket{{.rate = 0}}; }), "rate = 0"));
    CHECK(contains(invalid_argument_message([] { token_bucket{{.rate = std::nan("")}}; }), "rate = nan"));
    CHECK(contains(
        invalid_argument_message([] { token_bucket{{.rate = std::numeric_limits<double>::infinity()}}; }),
        "rate = inf"));
    CHECK(invalid_argument_message([] { token_bucket{{.rate = 10, .burst = 0.5}}; }) ==
          "loadkit::token_bucket_options: burst = 0.5 (expected a finite bucket size >= 1 token)");
    CHECK(contains(invalid_argument_message([] { token_bucket{{.rate = 1e-12, .burst = 1e9}}; }),
                   "burst / rate"));

    token_bucket bucket{{.rate = 10, .burst = 2}};
    CHECK(invalid_argument_message([&] { bucket.try_acquire(3); }) ==
          "loadkit::token_bucket::try_acquire: n = 3 (expected 0 <= n <= burst = 2; more could never be "
          "granted)");
    CHECK(contains(invalid_argument_message([&] { bucket.try_acquire(-1, t0); }), "n = -1"));
    CHECK(contains(invalid_argument_message([&] { (void)bucket.acquire(2.5); }),
                   "token_bucket::acquire: n = 2.5"));
    CHECK(contains(invalid_argument_message([&] { bucket.reserve(5, t0); }), "token_bucket::reserve: n = 5"));
    CHECK(contains(invalid_argument_message([&] { bucket.acquire_blocking(std::nan("")); }), "n = nan"));
}
