// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::token_bucket — a rate limiter for any code: at most `rate` tokens per second on average,
// and up to `burst` at once after a quiet spell. Lock-free, shared by any number of threads and
// event loops.
//
//   loadkit::token_bucket limit{{.rate = 200, .burst = 10}};
//   if (limit.try_acquire()) { ... }          // never waits
//   co_await limit.acquire();                  // coroutine: sleeps on its executor, FIFO
//   limit.acquire_blocking();                  // plain thread: std::this_thread::sleep_until
//
// The algorithm is GCRA, the Generic Cell Rate Algorithm (ITU-T I.371, "virtual scheduling"): the
// whole state is one atomic theoretical arrival time TAT (int64 nanoseconds on the steady clock).
// Taking n tokens at `now` moves TAT to max(TAT, now) + n * interval and is allowed from
// TAT - burst * interval on; a full bucket is TAT <= now. No refill timer, no lock: one compare-and-
// swap per acquisition, and every grant is placed on absolute time rather than by adding up elapsed
// intervals, so the rate does not drift.
//
// acquire() reserves its slot at once (advancing TAT) and then sleeps until the slot's time, so
// waiters are served in the order they arrived and each wakes exactly once at its own time: no
// thundering herd of retries. A wait cancelled through the task's stop token gives its reservation
// back when nobody reserved after it (otherwise later waiters already count on its place and it is
// kept) and throws operation_cancelled.
//
// A limiter, not a pacer: time nobody asks for tokens is lost beyond `burst`, and so is the time a
// waiter oversleeps (an event loop's timer wakes ~50 us late on Linux), so one coroutine taking
// tokens at 100 k/s with burst 1 gets far fewer. Give burst a few milliseconds' worth of tokens
// (rate * 5 ms) to absorb wake-up delays, or drive an open-model load with loadkit::pacer, which
// never loses time (bench/rate_limiters.cpp prints both).
//
// Resolution: the interval 1e9 / rate is rounded up to whole nanoseconds, so the bucket never admits
// more than `rate`; the admitted rate is lower by less than 1 ns per interval (exact at 1/s, 1000/s or
// 1 M/s; 0.2 % low at 3 M/s). Every member taking `now` is the same operation on a time of your
// choosing: tests drive the bucket with manual times, exactly and instantly.
#ifndef LOADKIT_TOKEN_BUCKET_HPP
#define LOADKIT_TOKEN_BUCKET_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/detail/text/rate_text.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/sleep.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <coroutine>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace loadkit {
inline namespace v0_1 {

struct token_bucket_options {
    double rate = 0;  // tokens per second, > 0
    double burst = 1; // bucket size in tokens, >= 1: how many may pass at once after a quiet spell
};

class token_bucket {
public:
    // Throws std::invalid_argument naming the field: rate must be finite and > 0, burst finite and
    // >= 1, and burst / rate at most ~146 years.
    explicit token_bucket(token_bucket_options options) : options_(options) {
        if (!std::isfinite(options.rate) || options.rate <= 0.0) {
            detail::throw_rate_option("token_bucket_options", "rate", detail::rate_number(options.rate),
                                      "a finite rate > 0 per second");
        }
        if (!std::isfinite(options.burst) || options.burst < 1.0) {
            detail::throw_rate_option("token_bucket_options", "burst", detail::rate_number(options.burst),
                                      "a finite bucket size >= 1 token");
        }
        const double exact = 1e9 / options.rate;
        const double nearest = std::round(exact);
        // Round up, except when the quotient is an integer up to floating-point noise.
        const double interval = std::max(1.0, std::abs(exact - nearest) <= 1e-6 ? nearest : std::ceil(exact));
        const double window = std::round(options.burst * interval);
        if (!(window <= 4.6e18)) {
            detail::throw_rate_option("token_bucket_options", "burst / rate",
                                      detail::rate_number(options.burst / options.rate) + " s",
                                      "at most 4.6e9 s");
        }
        interval_ns_ = interval;
        window_ns_ = static_cast<std::int64_t>(window);
    }
    token_bucket(const token_bucket&) = delete;
    token_bucket& operator=(const token_bucket&) = delete;

    const token_bucket_options& options() const noexcept { return options_; }
    // The time one token takes to come back: 1 / rate, rounded up to whole nanoseconds.
    std::chrono::nanoseconds interval() const noexcept {
        return std::chrono::nanoseconds{static_cast<std::int64_t>(interval_ns_)};
    }

    // Takes n tokens if they are there now; never waits. n may be fractional; n > burst throws
    // std::invalid_argument (it could never succeed).
    bool try_acquire(double n = 1) { return try_acquire(n, clock::now()); }
    bool try_acquire(double n, clock::time_point now) {
        const std::int64_t cost = cost_of(n, "try_acquire");
        const std::int64_t at = ns(now);
        std::int64_t tat = tat_.load(std::memory_order_relaxed);
        for (;;) {
            const std::int64_t next = std::max(tat, at) + cost;
            if (next - window_ns_ > at) {
                return false;
            }
            if (tat_.compare_exchange_weak(tat, next, std::memory_order_acq_rel, std::memory_order_relaxed)) {
                return true;
            }
        }
    }

    // Reserves n tokens unconditionally and returns when the caller may proceed (`now` itself when
    // they are there now). The primitive under acquire() and acquire_blocking().
    clock::time_point reserve(double n = 1) { return reserve(n, clock::now()); }
    clock::time_point reserve(double n, clock::time_point now) {
        return reserve_slot(cost_of(n, "reserve"), now).ready;
    }

    // Tokens available at `now` (0 while reservations are queued ahead), at most burst.
    double available(clock::time_point now) const noexcept {
        const std::int64_t at = ns(now);
        const std::int64_t backlog = std::max(tat_.load(std::memory_order_relaxed), at) - at;
        return std::clamp(static_cast<double>(window_ns_ - backlog) / interval_ns_, 0.0, options_.burst);
    }

    // Blocks the calling thread until n tokens are granted (for plain threads, not coroutines).
    void acquire_blocking(double n = 1) {
        const clock::time_point ready = reserve_slot(cost_of(n, "acquire_blocking"), clock::now()).ready;
        std::this_thread::sleep_until(ready);
    }

    class acquire_awaiter;
    // `co_await bucket.acquire(n)`: see the header comment. Needs a loadkit executor when it waits.
    [[nodiscard]] acquire_awaiter acquire(double n = 1);

private:
    struct slot {
        clock::time_point ready;
        std::int64_t tat; // TAT right after this reservation
        std::int64_t cost;
    };

    static std::int64_t ns(clock::time_point t) noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    }

    std::int64_t cost_of(double n, const char* operation) const {
        if (!(n >= 0.0) || n > options_.burst) {
            throw std::invalid_argument(
                std::string("loadkit::token_bucket::") + operation + ": n = " + detail::rate_number(n) +
                " (expected 0 <= n <= burst = " + detail::rate_number(options_.burst) +
                "; more could never be granted)");
        }
        return std::min(window_ns_, static_cast<std::int64_t>(std::round(n * interval_ns_)));
    }

    slot reserve_slot(std::int64_t cost, clock::time_point now) noexcept {
        const std::int64_t at = ns(now);
        std::int64_t tat = tat_.load(std::memory_order_relaxed);
        std::int64_t next = 0;
        do {
            next = std::max(tat, at) + cost;
        } while (
            !tat_.compare_exchange_weak(tat, next, std::memory_order_acq_rel, std::memory_order_relaxed));
        const std::int64_t allowed = next - window_ns_;
        return {allowed > at ? now + std::chrono::duration_cast<clock::duration>(
                                         std::chrono::nanoseconds{allowed - at})
                             : now,
                next, cost};
    }

    // Undoes a reservation if it is still the last one; a later reservation keeps it in place.
    void give_back(const slot& s) noexcept {
        std::int64_t expected = s.tat;
        tat_.compare_exchange_strong(expected, s.tat - s.cost, std::memory_order_acq_rel,
                                     std::memory_order_relaxed);
    }

    token_bucket_options options_;
    double interval_ns_ = 1.0;
    std::int64_t window_ns_ = 1;
    // Far in the past: the bucket starts full.
    std::atomic<std::int64_t> tat_{std::numeric_limits<std::int64_t>::min() / 2};
};

class token_bucket::acquire_awaiter {
public:
    acquire_awaiter(token_bucket& bucket, std::int64_t cost) noexcept : bucket_(&bucket), cost_(cost) {}
    acquire_awaiter(const acquire_awaiter&) = delete;
    acquire_awaiter& operator=(const acquire_awaiter&) = delete;

    bool await_ready() {
        const executor* ex = current_executor();
        const clock::time_point now = ex != nullptr ? ex->now() : clock::now();
        slot_ = bucket_->reserve_slot(cost_, now);
        if (slot_.ready <= now) {
            return true;
        }
        sleep_.emplace(slot_.ready, clock::duration::zero(), false);
        return false;
    }

    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> waiter) {
        try {
            return sleep_->await_suspend(waiter);
        } catch (...) { // no executor on this thread
            bucket_->give_back(slot_);
            throw;
        }
    }

    void await_resume() {
        if (sleep_) {
            try {
                sleep_->await_resume();
            } catch (const operation_cancelled&) {
                bucket_->give_back(slot_);
                throw;
            }
        }
    }

private:
    token_bucket* bucket_;
    std::int64_t cost_;
    slot slot_{};
    std::optional<detail::sleep_awaiter> sleep_;
};

inline token_bucket::acquire_awaiter token_bucket::acquire(double n) {
    return acquire_awaiter{*this, cost_of(n, "acquire")};
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_TOKEN_BUCKET_HPP
