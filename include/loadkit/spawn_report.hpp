// SPDX-License-Identifier: MIT
#ifndef LOADKIT_SPAWN_REPORT_HPP
#define LOADKIT_SPAWN_REPORT_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/config.hpp>

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// What became of the fire-and-forget tasks of a task_pool or runner. Every failure is counted;
// the first few exceptions are kept whole so nothing a task threw goes unseen.
struct spawn_report {
    std::size_t spawned = 0;
    std::size_t succeeded = 0;
    std::size_t failed = 0;    // ended with an exception
    std::size_t cancelled = 0; // ended with operation_cancelled (the pool or runner was stopped)
    std::size_t peak_in_flight = 0;
    std::vector<std::exception_ptr> errors; // the first `kept_errors` failures, in order

    bool ok() const noexcept { return failed == 0; }

    // what() of an exception, or a placeholder for a non-std exception.
    static std::string describe(const std::exception_ptr& error);

    // Rethrows the first kept failure, if any: for tests that want spawned failures to fail them.
    void rethrow_first_error() const;
};

namespace detail {
// The bookkeeping behind spawn_report. Counters are atomics touched once per task; the mutex is
// only taken to keep a failure.
class spawn_tally {
public:
    explicit spawn_tally(std::size_t kept_errors) : kept_errors_(kept_errors) {}

    void started(std::size_t in_flight_now) noexcept {
        spawned_.fetch_add(1, std::memory_order_relaxed);
        std::size_t peak = peak_.load(std::memory_order_relaxed);
        while (in_flight_now > peak &&
               !peak_.compare_exchange_weak(peak, in_flight_now, std::memory_order_relaxed)) {
        }
    }

    void ended(const std::exception_ptr& error, bool cancelled) noexcept {
        if (cancelled) {
            cancelled_.fetch_add(1, std::memory_order_relaxed);
        } else if (error) {
            failed_.fetch_add(1, std::memory_order_relaxed);
            keep(error);
        } else {
            succeeded_.fetch_add(1, std::memory_order_relaxed);
        }
    }

    spawn_report report() const;

private:
    // Files a failure among the first kept_errors (the failure path: takes the lock).
    void keep(const std::exception_ptr& error) noexcept;

    std::size_t kept_errors_;
    std::atomic<std::size_t> spawned_{0};
    std::atomic<std::size_t> succeeded_{0};
    std::atomic<std::size_t> failed_{0};
    std::atomic<std::size_t> cancelled_{0};
    std::atomic<std::size_t> peak_{0};
    mutable std::mutex mutex_;
    std::vector<std::exception_ptr> errors_;
};
} // namespace detail

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/spawn_report.ipp>
#endif

#endif // LOADKIT_SPAWN_REPORT_HPP
