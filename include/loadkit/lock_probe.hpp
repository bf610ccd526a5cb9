// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::probed_mutex — a drop-in mutex that measures itself: how long each lock() waited, how
// long each holder held it, how many acquisitions had to wait, how many timed waits gave up.
//
//   loadkit::probed_mutex<> accounts{{.name = "accounts"}};     // wraps a std::mutex
//   { std::scoped_lock lock(accounts, ledger); ... }              // Lockable: lock_guard, unique_lock,
//   std::lock loadkit::lock_stats s = accounts.stats(); std::puts(s.describe().c_str());
//   // accounts: 8,000 acquisitions, 37% contended, wait p50 1.2us p99 80us max 1.1ms, hold p50 ...
//   CHECK(s.wait.value_at_percentile(99) < 5ms);
//
//   loadkit::probed_mutex<std::timed_mutex> row;
//   if (!row.try_lock_for(500ms)) { ... }                       // counted in stats().timeouts
//
// Cost: an uncontended lock()/unlock() pair adds two clock reads (acquired, released), two relaxed
// counter updates and one histogram write: lock() tries try_lock() first and reads the clock only
// once on success; a lock that has to wait also reads it before waiting. The clock is the CPU's
// time-stamp counter where the kernel trusts it, else steady_clock (detail/harness/lock_probe_clock.hpp).
// bench/lock_probe.cpp on a busy 2-core VM: std::mutex 6 ns per pair, probed 53 ns (min of runs;
// the TSC read costs 14 ns there, steady_clock 50 ns). Waits and holds go to sharded_histograms (one
// shard per thread, no lock or locked instruction on the recording path, nothing allocated after a
// thread's first lock), so stats() works at any time from any thread, even while a holder is
// stuck: the use case of a deadlock hunt.
//
// Not for recursive mutexes (the hold of the outer lock would be measured from the inner one).
#ifndef LOADKIT_LOCK_PROBE_HPP
#define LOADKIT_LOCK_PROBE_HPP

#include <loadkit/detail/harness/lock_probe_clock.hpp>
#include <loadkit/detail/harness/lock_probe_stats.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex> // std::shared_mutex is probed_shared_mutex's default
#include <string>

namespace loadkit {
inline namespace v0_1 {

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
    [[nodiscard]] std::string describe() const;
};

namespace detail {
template <class M>
concept timed_lockable = requires(M& m, std::chrono::nanoseconds d, std::chrono::steady_clock::time_point t) {
    { m.try_lock_for(d) } -> std::convertible_to<bool>;
    { m.try_lock_until(t) } -> std::convertible_to<bool>;
};
template <class M>
concept shared_timed_lockable = requires(M& m, std::chrono::nanoseconds d) {
    { m.try_lock_shared_for(d) } -> std::convertible_to<bool>;
};
} // namespace detail

// Mutex: anything Lockable (std::mutex, std::timed_mutex, a spinlock); try_lock_for/until exist
// when Mutex has them. Not copyable or movable, as std::mutex.
template <class Mutex = std::mutex> class probed_mutex {
public:
    using mutex_type = Mutex;
    using clock = detail::lock_probe_clock; // TSC or steady_clock, see detail/harness/lock_probe_clock.hpp

    probed_mutex() : probed_mutex(lock_probe_options{}) {}
    explicit probed_mutex(const lock_probe_options& opts) : probe_(opts) {}
    probed_mutex(const probed_mutex&) = delete;
    probed_mutex& operator=(const probed_mutex&) = delete;
    ~probed_mutex() = default;

    void lock() {
        if (mutex_.try_lock()) {
            hold_start_ = clock::now();
            probe_.acquired_owned();
            return;
        }
        const clock::ticks start = clock::now();
        mutex_.lock();
        hold_start_ = clock::now();
        probe_.acquired_owned(clock::between(start, hold_start_));
    }

    [[nodiscard]] bool try_lock() {
        if (!mutex_.try_lock()) {
            probe_.try_failed();
            return false;
        }
        hold_start_ = clock::now();
        probe_.acquired_owned();
        return true;
    }

    void unlock() {
        const std::chrono::nanoseconds held = clock::between(hold_start_, clock::now());
        mutex_.unlock();
        probe_.released(held); // after the unlock: the record never lengthens the critical section
    }

    template <class Rep, class Period>
    requires detail::timed_lockable<Mutex>
    [[nodiscard]] bool try_lock_for(const std::chrono::duration<Rep, Period>& limit) {
        if (mutex_.try_lock()) {
            hold_start_ = clock::now();
            probe_.acquired_owned();
            return true;
        }
        const clock::ticks start = clock::now();
        return waited(start, mutex_.try_lock_for(limit));
    }

    template <class Clock, class Duration>
    requires detail::timed_lockable<Mutex>
    [[nodiscard]] bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
        if (mutex_.try_lock()) {
            hold_start_ = clock::now();
            probe_.acquired_owned();
            return true;
        }
        const clock::ticks start = clock::now();
        return waited(start, mutex_.try_lock_until(deadline));
    }

    // Any time, from any thread (see lock_stats for what "exact" means while the lock is in use).
    [[nodiscard]] lock_stats stats() const { return probe_.stats(); }
    // Forgets everything measured; only while no thread uses the mutex.
    void reset() noexcept { probe_.reset(); }
    // The wrapped mutex, e.g. for a condition_variable_any that must not be measured.
    [[nodiscard]] Mutex& underlying() noexcept { return mutex_; }

private:
    bool waited(clock::ticks start, bool acquired) {
        const clock::ticks now = clock::now();
        if (!acquired) {
            probe_.timed_out();
            return false;
        }
        hold_start_ = now;
        probe_.acquired_owned(clock::between(start, now));
        return true;
    }

    Mutex mutex_;
    clock::ticks hold_start_ = 0; // guarded by mutex_
    detail::lock_probe_core probe_;
};

namespace detail {
// Per thread: when each shared lock this thread holds was acquired. Several threads hold a shared
// lock at once, so the start of a shared hold cannot live in the mutex. A thread holding more than
// shared_hold_slots probed shared locks at once leaves the extra holds untimed.
struct shared_hold_entry {
    const void* lock = nullptr;
    lock_probe_clock::ticks since = 0;
};
inline constexpr std::size_t shared_hold_slots = 8;
inline thread_local shared_hold_entry shared_holds[shared_hold_slots]{};
inline thread_local std::size_t shared_hold_count = 0;

inline void push_shared_hold(const void* lock, lock_probe_clock::ticks since) noexcept {
    if (shared_hold_count < shared_hold_slots) {
        shared_holds[shared_hold_count++] = {lock, since};
    }
}
inline std::optional<lock_probe_clock::ticks> pop_shared_hold(const void* lock) noexcept {
    for (std::size_t i = shared_hold_count; i-- > 0;) {
        if (shared_holds[i].lock == lock) {
            const auto since = shared_holds[i].since;
            shared_holds[i] = shared_holds[--shared_hold_count];
            return since;
        }
    }
    return std::nullopt;
}
} // namespace detail

// Both sides of a probed_shared_mutex.
struct shared_lock_stats {
    lock_stats exclusive;
    lock_stats shared;

    // "catalog: exclusive 10 acquisitions, ...; shared 500 acquisitions, ..."
    [[nodiscard]] std::string describe() const;
};

// A readers-writer lock measured on both sides (SharedMutex: std::shared_mutex or
// std::shared_timed_mutex). Exclusive locks as probed_mutex; shared locks are counted with
// fetch_add (readers hold it together) and their holds are timed per thread.
template <class SharedMutex = std::shared_mutex> class probed_shared_mutex {
public:
    using mutex_type = SharedMutex;
    using clock = detail::lock_probe_clock; // TSC or steady_clock, see detail/harness/lock_probe_clock.hpp

    probed_shared_mutex() : probed_shared_mutex(lock_probe_options{}) {}
    explicit probed_shared_mutex(const lock_probe_options& opts) : exclusive_(opts), shared_(opts) {}
    probed_shared_mutex(const probed_shared_mutex&) = delete;
    probed_shared_mutex& operator=(const probed_shared_mutex&) = delete;
    ~probed_shared_mutex() = default;

    void lock() {
        if (mutex_.try_lock()) {
            hold_start_ = clock::now();
            exclusive_.acquired_owned();
            return;
        }
        const clock::ticks start = clock::now();
        mutex_.lock();
        hold_start_ = clock::now();
        exclusive_.acquired_owned(clock::between(start, hold_start_));
    }
    [[nodiscard]] bool try_lock() {
        if (!mutex_.try_lock()) {
            exclusive_.try_failed();
            return false;
        }
        hold_start_ = clock::now();
        exclusive_.acquired_owned();
        return true;
    }
    void unlock() {
        const std::chrono::nanoseconds held = clock::between(hold_start_, clock::now());
        mutex_.unlock();
        exclusive_.released(held);
    }

    void lock_shared() {
        if (mutex_.try_lock_shared()) {
            shared_acquired(clock::now());
            return;
        }
        const clock::ticks start = clock::now();
        mutex_.lock_shared();
        const clock::ticks now = clock::now();
        shared_acquired(now, clock::between(start, now));
    }
    [[nodiscard]] bool try_lock_shared() {
        if (!mutex_.try_lock_shared()) {
            shared_.try_failed();
            return false;
        }
        shared_acquired(clock::now());
        return true;
    }
    template <class Rep, class Period>
    requires detail::shared_timed_lockable<SharedMutex>
    [[nodiscard]] bool try_lock_shared_for(const std::chrono::duration<Rep, Period>& limit) {
        if (mutex_.try_lock_shared()) {
            shared_acquired(clock::now());
            return true;
        }
        const clock::ticks start = clock::now();
        const bool acquired = mutex_.try_lock_shared_for(limit);
        const clock::ticks now = clock::now();
        if (!acquired) {
            shared_.timed_out();
            return false;
        }
        shared_acquired(now, clock::between(start, now));
        return true;
    }
    void unlock_shared() {
        const clock::ticks now = clock::now();
        const auto since = detail::pop_shared_hold(this);
        mutex_.unlock_shared();
        if (since) {
            shared_.released(clock::between(*since, now));
        }
    }

    template <class Rep, class Period>
    requires detail::timed_lockable<SharedMutex>
    [[nodiscard]] bool try_lock_for(const std::chrono::duration<Rep, Period>& limit) {
        if (mutex_.try_lock()) {
            hold_start_ = clock::now();
            exclusive_.acquired_owned();
            return true;
        }
        const clock::ticks start = clock::now();
        const bool acquired = mutex_.try_lock_for(limit);
        const clock::ticks now = clock::now();
        if (!acquired) {
            exclusive_.timed_out();
            return false;
        }
        hold_start_ = now;
        exclusive_.acquired_owned(clock::between(start, now));
        return true;
    }

    [[nodiscard]] shared_lock_stats stats() const { return {exclusive_.stats(), shared_.stats()}; }
    void reset() noexcept {
        exclusive_.reset();
        shared_.reset();
    }
    [[nodiscard]] SharedMutex& underlying() noexcept { return mutex_; }

private:
    void shared_acquired(clock::ticks now) noexcept {
        shared_.acquired_shared();
        detail::push_shared_hold(this, now);
    }
    void shared_acquired(clock::ticks now, std::chrono::nanoseconds waited) noexcept {
        shared_.acquired_shared(waited);
        detail::push_shared_hold(this, now);
    }

    SharedMutex mutex_;
    clock::ticks hold_start_ = 0; // guarded by the exclusive lock
    detail::lock_probe_core exclusive_;
    detail::lock_probe_core shared_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/lock_probe.ipp>
#endif

#endif // LOADKIT_LOCK_PROBE_HPP
