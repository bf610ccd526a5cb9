// SPDX-License-Identifier: MIT
#ifndef LOADKIT_RUNNER_HPP
#define LOADKIT_RUNNER_HPP

#include <loadkit/cancellation.hpp>
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
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#endif

namespace loadkit {
inline namespace v0 {

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

    runner() : runner(options{}) {}
    explicit runner(options opts) : tally_(opts.kept_errors) {
        std::size_t count = opts.threads;
        if (count == 0) {
            count = std::thread::hardware_concurrency();
            count = count == 0 ? 1 : count;
        }
        if (count > 1024) {
            throw std::invalid_argument("loadkit::runner: options.threads must be at most 1024 (got " +
                                        std::to_string(count) + ")");
        }
        if (opts.timer_slack < std::chrono::nanoseconds::zero() ||
            opts.timer_slack > std::chrono::seconds{1}) {
            throw std::invalid_argument("loadkit::runner: options.timer_slack = " +
                                        std::to_string(opts.timer_slack.count()) + "ns (expected 0 .. 1s)");
        }
        shards_.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            shards_.push_back(std::make_unique<shard>());
        }
        for (std::size_t i = 0; i < count; ++i) {
            shard* s = shards_[i].get();
            s->thread = std::thread([s, slack = opts.timer_slack] {
                set_timer_slack(slack);
                s->loop.run_until_stopped();
            });
            if (opts.pin_threads) {
                pin(s->thread, i);
            }
        }
    }
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    // Cancels what is still running, waits for it to end, then stops the threads.
    ~runner() {
        request_stop();
        wait_idle();
        for (auto& s : shards_) {
            s->loop.stop();
        }
        for (auto& s : shards_) {
            s->thread.join();
        }
    }

    std::size_t size() const noexcept { return shards_.size(); }

    event_loop& loop(std::size_t index) {
        if (index >= shards_.size()) {
            throw std::out_of_range("loadkit::runner::loop: index " + std::to_string(index) + " >= size " +
                                    std::to_string(shards_.size()));
        }
        return shards_[index]->loop;
    }

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
    spawn_report join() {
        for (auto& s : shards_) {
            if (current_executor() == &s->loop) {
                throw std::logic_error("loadkit::runner::join: called from one of the runner's own threads; "
                                       "it would wait for itself");
            }
        }
        wait_idle();
        return tally_.report();
    }

    void request_stop() noexcept { stop_source_.request_stop(); }
    std::stop_token get_stop_token() const noexcept { return stop_token_; }
    spawn_report report() const { return tally_.report(); }

private:
    // Padded so the per-loop load counters of neighbouring shards do not share a cache line.
    struct alignas(64) shard {
        event_loop loop;
        std::atomic<std::size_t> load{0};
        std::thread thread;
    };

    static void set_timer_slack([[maybe_unused]] std::chrono::nanoseconds slack) noexcept {
#if defined(__linux__)
        if (slack.count() > 0) {
            (void)prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(slack.count()), 0UL, 0UL, 0UL);
        }
#endif
    }

    static void pin([[maybe_unused]] std::thread& thread, [[maybe_unused]] std::size_t index) {
#if defined(__linux__)
        const unsigned cpus = std::thread::hardware_concurrency();
        if (cpus == 0) {
            return;
        }
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(index % cpus, &set);
        (void)pthread_setaffinity_np(thread.native_handle(), sizeof(set), &set);
#endif
    }

    void wait_idle() {
        std::unique_lock lock(mutex_);
        idle_.wait(lock, [this] { return active_.load(std::memory_order_acquire) == 0; });
    }

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

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_RUNNER_HPP
