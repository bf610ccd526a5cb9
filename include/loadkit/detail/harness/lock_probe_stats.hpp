// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// What a probed lock (lock_probe.hpp) records into: lock_probe_core, the counters and histograms
// of one lock mode. The recording calls stay here, inline, because every lock() and unlock() makes
// one; building lock_stats from them, resetting and calibrating the clock are in impl/lock_probe.ipp.
#ifndef LOADKIT_DETAIL_HARNESS_LOCK_PROBE_STATS_HPP
#define LOADKIT_DETAIL_HARNESS_LOCK_PROBE_STATS_HPP

#include <loadkit/sharded_histogram.hpp>
#include <loadkit/version.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace loadkit {
inline namespace v0_1 {

struct lock_probe_options; // lock_probe.hpp
struct lock_stats;         // lock_probe.hpp

namespace detail {

// Counters and histograms of one lock mode. Owned counters are changed only by the thread holding
// the lock exclusively, so a relaxed load + store suffices (no locked instruction on the hot path,
// yet stats() may read them at any time); the rest use fetch_add.
class lock_probe_core {
public:
    // Also calibrates the clock, so that the first lock() does not.
    explicit lock_probe_core(const lock_probe_options& opts);

    // Under the exclusive lock.
    void acquired_owned() noexcept { bump(acquisitions_); }
    void acquired_owned(std::chrono::nanoseconds waited) noexcept {
        bump(acquisitions_);
        bump(contended_);
        wait_.local().record(waited);
    }
    // With other holders possible (shared mode).
    void acquired_shared() noexcept { acquisitions_.fetch_add(1, std::memory_order_relaxed); }
    void acquired_shared(std::chrono::nanoseconds waited) noexcept {
        acquisitions_.fetch_add(1, std::memory_order_relaxed);
        contended_.fetch_add(1, std::memory_order_relaxed);
        wait_.local().record(waited);
    }
    void released(std::chrono::nanoseconds held) noexcept { hold_.local().record(held); }
    void timed_out() noexcept { timeouts_.fetch_add(1, std::memory_order_relaxed); }
    void try_failed() noexcept { failed_try_locks_.fetch_add(1, std::memory_order_relaxed); }

    [[nodiscard]] lock_stats stats() const;
    // Only while no thread uses the lock.
    void reset() noexcept;

private:
    static void bump(std::atomic<std::uint64_t>& c) noexcept {
        c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    std::string name_;
    std::atomic<std::uint64_t> acquisitions_{0};
    std::atomic<std::uint64_t> contended_{0};
    std::atomic<std::uint64_t> timeouts_{0};
    std::atomic<std::uint64_t> failed_try_locks_{0};
    sharded_histogram wait_; // contended waits only; see stats()
    sharded_histogram hold_;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_HARNESS_LOCK_PROBE_STATS_HPP
