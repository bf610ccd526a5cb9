// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::pacer — the open-model clock of a load test: it hands each operation its intended start
// time from a rate_schedule and an absolute start, so the offered rate never depends on how fast the
// system under test answers.
//
//   loadkit::pacer pacer{loadkit::clock::now(), loadkit::rate_schedule::constant(1000, 10s)};
//   while (std::optional<loadkit::clock::time_point> intended = co_await pacer.wait_next()) {
//       co_await pool.spawn(operation(*intended)); // latency = end - *intended, not end - actual start
//   }
//
// The model is GCRA's theoretical arrival time (ITU-T I.371): arrival k's time is computed from the
// absolute start (rate_schedule::intended_offset), never from when the previous one actually ran.
//
// Behind schedule (wrk2's policy): intended times never shift. A caller behind the schedule gets
// times already in the past; wait_next() then returns at once, the operation starts late and its
// latency is charged from the intended time, so a stall in the system under test shows up in the
// latency percentiles instead of silently lowering the rate (coordinated omission). Nothing is
// skipped: the run engine counts an arrival as dropped only when its max_in_flight is reached.
// lag(now) says how far behind the caller is.
//
// Sharding: shard j of n takes arrivals j, j + n, j + 2n, ... so n event loops, each with its own
// pacer over the same start and schedule, together issue exactly the schedule's arrivals, each once.
// An execution segment (segment.hpp) picks a process's arrivals from the whole schedule first: the
// sharding then takes every shards-th of the segment's, so processes and loops compose, and each
// arrival keeps the intended time and index (arrival()) it has in the one-process schedule.
//
// A pacer is a plain value for one consumer (one event loop): no locks, no atomics.
#ifndef LOADKIT_PACER_HPP
#define LOADKIT_PACER_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/config.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/segment.hpp>
#include <loadkit/sleep.hpp>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <optional>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

class pacer {
public:
    // Throws std::invalid_argument when shards is 0 or shard >= shards.
    pacer(clock::time_point start, rate_schedule schedule, std::uint64_t shard = 0, std::uint64_t shards = 1,
          execution_segment segment = {});

    // The intended time of this shard's next arrival, and advances; nullopt once the schedule is done.
    std::optional<clock::time_point> next() noexcept {
        if (issued_ >= count_) {
            return std::nullopt;
        }
        const std::uint64_t k = arrival(issued_);
        if (!whole_) {
            cursor_rank_ = shard_ + issued_ * shards_; // where the next scan starts
            cursor_ = k;
        }
        ++issued_;
        last_ = k;
        return at(k);
    }

    // The intended time next() would return, without advancing.
    std::optional<clock::time_point> peek() const noexcept { return intended(issued_); }

    // The intended time of this shard's k-th arrival.
    std::optional<clock::time_point> intended(std::uint64_t k) const noexcept {
        if (k >= count_) {
            return std::nullopt;
        }
        return at(arrival(k));
    }

    // The schedule's index of this shard's k-th arrival (k < count()): shard + k * shards for the
    // whole test; within a segment, the (shard + k * shards)-th of the arrivals it owns.
    std::uint64_t arrival(std::uint64_t k) const noexcept {
        const std::uint64_t rank = shard_ + k * shards_;
        if (whole_) {
            return rank;
        }
        if (rank >= cursor_rank_ && rank - cursor_rank_ <= 4 * shards_) {
            // Next to the last one issued: a short scan (about shards / width points).
            std::uint64_t index = cursor_;
            for (std::uint64_t r = cursor_rank_; r < rank;) {
                ++index;
                if (segment_.owns(index)) {
                    ++r;
                }
            }
            return index;
        }
        return segment_.nth_owned(rank);
    }
    // The schedule's index of the arrival next() returned last (arrival(issued() - 1)).
    std::uint64_t last_arrival() const noexcept { return last_; }

    // How far behind the schedule a caller is at `now`: now minus the intended time of the next
    // arrival not yet issued, or zero when that arrival is not due yet or the schedule is done.
    clock::duration lag(clock::time_point now) const noexcept {
        const std::optional<clock::time_point> due = peek();
        return due && now > *due ? now - *due : clock::duration::zero();
    }

    std::uint64_t issued() const noexcept { return issued_; }
    // The number of arrivals this shard issues over the whole schedule.
    std::uint64_t count() const noexcept { return count_; }
    clock::time_point start() const noexcept { return start_; }
    const rate_schedule& schedule() const noexcept { return schedule_; }
    std::uint64_t shard() const noexcept { return shard_; }
    std::uint64_t shards() const noexcept { return shards_; }
    const execution_segment& segment() const noexcept { return segment_; }

    // `co_await pacer.wait_next()`: takes the next arrival, sleeps until its intended time on the
    // current executor (not at all when it is already due) and returns it; nullopt when the schedule
    // is done. Cancellable through the task's stop token (operation_cancelled); a cancelled wait puts
    // its arrival back unless another one was taken after it, so the next wait gets the same time.
    class wait_next_awaiter {
    public:
        explicit wait_next_awaiter(pacer& owner) noexcept : pacer_(&owner) {}
        wait_next_awaiter(const wait_next_awaiter&) = delete;
        wait_next_awaiter& operator=(const wait_next_awaiter&) = delete;

        bool await_ready() {
            k_ = pacer_->issued_;
            intended_ = pacer_->next();
            if (!intended_) {
                return true;
            }
            const executor* ex = current_executor();
            if (*intended_ <= (ex != nullptr ? ex->now() : clock::now())) {
                return true; // late or exactly on time: start at once
            }
            sleep_.emplace(*intended_, clock::duration::zero(), false);
            return false;
        }

        template <class Promise> bool await_suspend(std::coroutine_handle<Promise> waiter) {
            try {
                return sleep_->await_suspend(waiter);
            } catch (...) { // no executor on this thread
                put_back();
                throw;
            }
        }

        std::optional<clock::time_point> await_resume() {
            if (sleep_) {
                try {
                    sleep_->await_resume();
                } catch (const operation_cancelled&) {
                    put_back();
                    throw;
                }
            }
            return intended_;
        }

    private:
        void put_back() noexcept {
            if (pacer_->issued_ == k_ + 1) {
                pacer_->issued_ = k_;
            }
        }

        pacer* pacer_;
        std::uint64_t k_ = 0;
        std::optional<clock::time_point> intended_;
        std::optional<detail::sleep_awaiter> sleep_;
    };

    [[nodiscard]] wait_next_awaiter wait_next() noexcept { return wait_next_awaiter{*this}; }

private:
    clock::time_point at(std::uint64_t k) const noexcept {
        return start_ + std::chrono::duration_cast<clock::duration>(*schedule_.intended_offset(k));
    }

    clock::time_point start_;
    rate_schedule schedule_;
    std::uint64_t shard_;
    std::uint64_t shards_;
    execution_segment segment_;
    bool whole_ = true;
    std::uint64_t count_ = 0;
    std::uint64_t issued_ = 0;
    std::uint64_t last_ = 0;
    std::uint64_t cursor_rank_ = 0; // segment: the rank and index of an owned arrival to scan from
    std::uint64_t cursor_ = 0;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/pacer.ipp>
#endif

#endif // LOADKIT_PACER_HPP
