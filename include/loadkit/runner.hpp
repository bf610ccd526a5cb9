// SPDX-License-Identifier: MIT
#ifndef LOADKIT_RUNNER_HPP
#define LOADKIT_RUNNER_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/config.hpp>
#include <loadkit/detail/runtime/detached_task.hpp>
#include <loadkit/event_loop.hpp>
#include <loadkit/spawn_report.hpp>
#include <loadkit/task.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// N event loops on N threads, one shard per core. A task is spawned onto one loop (the least
// loaded, or one you choose) and stays there unless it hops (`co_await r.loop(i).schedule()`).
// There is no shared run queue: each loop has its own, so adding threads adds throughput instead
// of contention on one lock.
class runner {
public:
    struct options {
        std::size_t threads = 0;  // 0: one per hardware thread
        bool pin_threads = false; // pin loop i to CPU i (Linux)
        std::size_t kept_errors = 16;
        // How late the kernel may wake a loop sleeping until its next timer (Linux timer slack, set
        // on the loop threads this runner owns; 0: leave their default). Wake-ups due within it are
        // coalesced. 50 us (the kernel's default) keeps the CPU per timer low at high rates; 1 us
        // cuts the loop's own lateness about fivefold at 2-4x the CPU per arrival from 100k/s on
        // (bench/engine.cpp, bench/runtime.cpp).
        std::chrono::nanoseconds timer_slack = std::chrono::microseconds{50};
    };

    runner();
    // Throws std::invalid_argument when threads > 1024 or timer_slack is outside 0 .. 1s.
    explicit runner(options opts);
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    // Cancels what is still running, waits for it to end, then stops the threads.
    ~runner();

    std::size_t size() const noexcept { return shards_.size(); }

    // Throws std::out_of_range when index >= size().
    event_loop& loop(std::size_t index);

    // Tasks spawned and not yet finished on loop `index`.
    std::size_t load(std::size_t index) const noexcept {
        return shards_[index]->load.load(std::memory_order_relaxed);
    }

    std::size_t least_loaded() const noexcept {
        const std::size_t count = shards_.size();
        const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed) % count;
        std::size_t best = start;
        std::size_t best_load = load(start);
        for (std::size_t step = 1; step < count && best_load > 0; ++step) {
            const std::size_t candidate = (start + step) % count;
            const std::size_t candidate_load = load(candidate);
            if (candidate_load < best_load) {
                best = candidate;
                best_load = candidate_load;
            }
        }
        return best;
    }

    template <class T> void spawn(task<T> work) { spawn_on(least_loaded(), std::move(work)); }

    template <class T> void spawn_on(std::size_t index, task<T> work) {
        shard& target = *shards_.at(index);
        detail::detached_task body =
            detail::run_detached(std::move(work), [this, where = &target](const std::exception_ptr& error,
                                                                          bool cancelled) noexcept {
                finish(*where, error, cancelled);
            });
        body.handle.promise().stop_token_ = &stop_token_;
        target.load.fetch_add(1, std::memory_order_relaxed);
        tally_.started(active_.fetch_add(1, std::memory_order_relaxed) + 1);
        target.loop.post(body.handle);
    }

    // Blocks the calling thread until every spawned task has ended; returns what became of them.
    spawn_report join();

    void request_stop() noexcept { stop_source_.request_stop(); }
    std::stop_token get_stop_token() const noexcept { return stop_token_; }
    spawn_report report() const;

private:
    // Padded so the per-loop load counters of neighbouring shards do not share a cache line.
    struct alignas(64) shard {
        event_loop loop;
        std::atomic<std::size_t> load{0};
        std::thread thread;
    };

    static void set_timer_slack(std::chrono::nanoseconds slack) noexcept;
    static void pin(std::thread& thread, std::size_t index);
    void wait_idle();

    void finish(shard& where, const std::exception_ptr& error, bool cancelled) noexcept {
        tally_.ended(error, cancelled);
        where.load.fetch_sub(1, std::memory_order_relaxed);
        std::size_t active = active_.load(std::memory_order_relaxed);
        while (active > 1) {
            if (active_.compare_exchange_weak(active, active - 1, std::memory_order_acq_rel)) {
                return;
            }
        }
        std::lock_guard lock(mutex_); // notify under the lock: the joiner may destroy us right after
        if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            idle_.notify_all();
        }
    }

    std::vector<std::unique_ptr<shard>> shards_;
    mutable std::atomic<std::size_t> next_{0};
    detail::spawn_tally tally_;
    std::stop_source stop_source_;
    std::stop_token stop_token_ = stop_source_.get_token();
    std::atomic<std::size_t> active_{0};
    std::mutex mutex_;
    std::condition_variable idle_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/runner.ipp>
#endif

#endif // LOADKIT_RUNNER_HPP
