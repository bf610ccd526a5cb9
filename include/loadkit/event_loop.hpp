// SPDX-License-Identifier: MIT
#ifndef LOADKIT_EVENT_LOOP_HPP
#define LOADKIT_EVENT_LOOP_HPP

#include <loadkit/config.hpp>
#include <loadkit/detail/runtime/ring_queue.hpp>
#include <loadkit/detail/runtime/timer_heap.hpp>
#include <loadkit/executor.hpp>

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// loadkit's embedded executor: one thread, a FIFO run queue, a timer heap, and an inbox that other
// threads post into. Work posted from the loop's own thread never takes a lock; work from other
// threads takes one short lock and wakes the loop only if it sleeps.
class event_loop final : public executor {
public:
    event_loop() = default;
    ~event_loop() override = default;

    void post(std::coroutine_handle<> handle) override {
        if (current_executor() == this) {
            ready_.push(handle);
            return;
        }
        post_remote(handle);
    }

    void arm_timer(timer_node& timer) override { timers_.push(timer); }

    bool cancel_timer(timer_node& timer) noexcept override {
        int expected = timer_node::pending;
        if (!timer.state.compare_exchange_strong(expected, timer_node::cancelled,
                                                 std::memory_order_acq_rel)) {
            return false;
        }
        if (current_executor() == this) {
            timers_.erase(timer);
            ready_.push(timer.waiter);
            return true;
        }
        cancel_remote(timer);
        return true;
    }

    void work_started() noexcept override { work_.fetch_add(1, std::memory_order_relaxed); }
    void work_finished() noexcept override { work_.fetch_sub(1, std::memory_order_relaxed); }

    // Runs until nothing is left to do: no queued coroutine, no pending timer and no outstanding
    // external work (coroutines waiting for another thread hold the loop open). Returns early on
    // stop().
    void run();

    // Runs until stop() is called, sleeping when there is nothing to do.
    void run_until_stopped();

    // Runs until done() returns true (checked after every batch of resumptions) or stop().
    template <class Done> void run_until(Done&& done) { run_loop(false, done); }

    // Makes the running (or the next) run call return after its current batch. Thread-safe.
    void stop() noexcept;

    // Loop-thread observers, for tests and diagnostics.
    std::size_t pending_timers() const noexcept { return timers_.size(); }
    std::size_t queued() const noexcept { return ready_.size(); }
    std::size_t outstanding_work() const noexcept { return work_.load(std::memory_order_relaxed); }

private:
    template <class Done> void run_loop(bool until_idle, Done&& done) {
        executor_scope scope(this);
        for (;;) {
            if (stop_requested_.load(std::memory_order_acquire)) {
                stop_requested_.store(false, std::memory_order_relaxed);
                return;
            }
            if (has_inbox_.load(std::memory_order_acquire)) {
                drain_inbox();
            }
            if (!timers_.empty()) {
                fire_due_timers();
            }
            if (!ready_.empty()) {
                // Only what was queued before this batch runs now, so timers and the inbox get a
                // turn even when coroutines keep re-posting themselves.
                for (std::size_t count = ready_.size(); count > 0; --count) {
                    ready_.pop().resume();
                }
                if (done()) {
                    return;
                }
                continue;
            }
            if (done()) {
                return;
            }
            if (until_idle && timers_.empty() && work_.load(std::memory_order_relaxed) == 0 &&
                !has_inbox_.load(std::memory_order_acquire)) {
                return;
            }
            wait_for_work(until_idle);
        }
    }

    // From another thread: through the inbox, under the lock.
    void post_remote(std::coroutine_handle<> handle);
    void cancel_remote(timer_node& timer);
    void wait_for_work(bool until_idle);
    // Called with mutex_ held. Notifying under the lock matters: once the lock is released the
    // loop may finish and be destroyed, so a notify after unlocking could touch a dead object.
    void wake_locked() noexcept;
    void drain_inbox();

    void fire_due_timers() {
        const clock::time_point current = now();
        while (!timers_.empty() && timers_.top_deadline() <= current) {
            timer_node* timer = timers_.pop();
            int expected = timer_node::pending;
            // A timer cancelled from another thread is resumed by that cancellation, which is
            // already on its way through the inbox.
            if (timer->state.compare_exchange_strong(expected, timer_node::fired,
                                                     std::memory_order_acq_rel)) {
                ready_.push(timer->waiter);
            }
        }
    }

    detail::ring_queue<std::coroutine_handle<>> ready_;
    detail::timer_heap timers_;
    std::atomic<std::size_t> work_{0};

    std::mutex mutex_;
    std::condition_variable wakeup_;
    std::vector<std::coroutine_handle<>> inbox_;
    std::vector<timer_node*> cancels_;
    std::vector<std::coroutine_handle<>> draining_;
    std::vector<timer_node*> draining_cancels_;
    bool sleeping_ = false;
    std::atomic<bool> has_inbox_{false};
    std::atomic<bool> stop_requested_{false};
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/event_loop.ipp>
#endif

#endif // LOADKIT_EVENT_LOOP_HPP
