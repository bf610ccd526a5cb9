// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The measurements behind loadkit::probed_mutex (lock_probe.hpp): lock_stats, the value stats()
// returns, and lock_probe_core, the counters and histograms a probed lock records into.
#ifndef LOADKIT_DETAIL_HARNESS_LOCK_PROBE_STATS_HPP
#define LOADKIT_DETAIL_HARNESS_LOCK_PROBE_STATS_HPP

#include <loadkit/detail/harness/text.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/detail/harness/lock_probe_clock.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/sharded_histogram.hpp>
#include <loadkit/version.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0 {

struct lock_probe_options {
    // Shown first in describe() ("accounts: 1,000 acquisitions, ...").
    std::string name{};
    // Layout of the wait and hold histograms. Each recording thread gets its own pair of shards;
    // 2 significant digits (1/256 relative error) keep a shard near 36 KB instead of 256 KB at 3.
    histogram_options histogram{.significant_digits = 2};
};

// A probed lock's measurements. Exact while no thread uses the lock; taken while threads do, each
// figure is exact for some moment but the figures may be from slightly different moments.
struct lock_stats {
    std::string name;
    std::uint64_t acquisitions = 0;     // lock(), successful try_lock(), try_lock_for/until()
    std::uint64_t contended = 0;        // acquisitions whose first try_lock failed: they waited
    std::uint64_t timeouts = 0;         // try_lock_for/until() that gave up
    std::uint64_t failed_try_locks = 0; // try_lock() that returned false (std::lock backs off this way)
    histogram wait;           // one value per acquisition: from the call to the acquisition (0 uncontended)
    histogram contended_wait; // the waits of the contended acquisitions only (wait without the zeros)
    histogram hold;           // one value per release: from the acquisition to the unlock

    [[nodiscard]] double contended_fraction() const noexcept {
        return acquisitions == 0 ? 0.0 : static_cast<double>(contended) / static_cast<double>(acquisitions);
    }

    // "accounts: 1,000 acquisitions, 37% contended, wait p50 1.2us p99 80us max 1.1ms, hold p50
    // 210ns p99 1.0us max 20ms, 2 timeouts". The wait figures are those of the contended
    // acquisitions: over all of them, p50 and p99 are 0 whenever fewer than half or 1 % waited.
    [[nodiscard]] std::string describe() const {
        std::string out = name.empty() ? std::string{} : name + ": ";
        out += detail::human_count(acquisitions) + (acquisitions == 1 ? " acquisition, " : " acquisitions, ");
        char pct[32];
        const double p = contended_fraction() * 100.0;
        if (p > 0.0 && p < 0.1) {
            std::snprintf(pct, sizeof pct, "<0.1%%");
        } else {
            std::snprintf(pct, sizeof pct, p > 0.0 && p < 9.95 ? "%.1f%%" : "%.0f%%", p);
        }
        out += std::string(pct) + " contended";
        if (contended_wait.count() != 0) {
            out += ", wait " + figures(contended_wait);
        }
        if (hold.count() != 0) {
            out += ", hold " + figures(hold);
        }
        if (timeouts != 0) {
            out += ", " + detail::human_count(timeouts) + (timeouts == 1 ? " timeout" : " timeouts");
        }
        if (failed_try_locks != 0) {
            out += ", " + detail::human_count(failed_try_locks) + " failed try_lock";
        }
        return out;
    }

private:
    static std::string figures(const histogram& h) {
        return "p50 " + detail::contend_duration_text(h.value_at_percentile(50.0)) + " p99 " +
               detail::contend_duration_text(h.value_at_percentile(99.0)) + " max " +
               detail::contend_duration_text(h.max());
    }
};

namespace detail {

// Counters and histograms of one lock mode. Owned counters are changed only by the thread holding
// the lock exclusively, so a relaxed load + store suffices (no locked instruction on the hot path,
// yet stats() may read them at any time); the rest use fetch_add.
class lock_probe_core {
public:
    explicit lock_probe_core(const lock_probe_options& opts)
        : name_(opts.name), wait_(opts.histogram), hold_(opts.histogram) {
        (void)lock_probe_clock_calibration(); // calibrate now, not in the first lock()
    }

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

    [[nodiscard]] lock_stats stats() const {
        const std::uint64_t contended = contended_.load(std::memory_order_relaxed);
        std::uint64_t acquisitions = acquisitions_.load(std::memory_order_relaxed);
        acquisitions = acquisitions < contended ? contended : acquisitions;
        histogram contended_wait = wait_.snapshot();
        histogram wait = contended_wait;
        // Uncontended acquisitions waited 0: added here rather than recorded one by one, which
        // would cost the fast path a second histogram write.
        wait.record(0, acquisitions - contended);
        // Built in place: a default-constructed lock_stats would allocate histograms to throw away.
        return lock_stats{name_,
                          acquisitions,
                          contended,
                          timeouts_.load(std::memory_order_relaxed),
                          failed_try_locks_.load(std::memory_order_relaxed),
                          std::move(wait),
                          std::move(contended_wait),
                          hold_.snapshot()};
    }
    // Only while no thread uses the lock.
    void reset() noexcept {
        for (auto* c : {&acquisitions_, &contended_, &timeouts_, &failed_try_locks_}) {
            c->store(0, std::memory_order_relaxed);
        }
        wait_.reset();
        hold_.reset();
    }

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
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_HARNESS_LOCK_PROBE_STATS_HPP
