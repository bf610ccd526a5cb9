// SPDX-License-Identifier: MIT
// The body of event_loop.hpp: the loop's entry points, its sleep, and the locked paths other
// threads take into it (the loop thread's own posts and timers stay inline in the header).
#ifndef LOADKIT_IMPL_EVENT_LOOP_IPP
#define LOADKIT_IMPL_EVENT_LOOP_IPP

#include <loadkit/executor.hpp>

#include <coroutine>
#include <mutex>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL void event_loop::run() {
    run_loop(true, [] { return false; });
}

LOADKIT_DECL void event_loop::run_until_stopped() {
    run_loop(false, [] { return false; });
}

LOADKIT_DECL void event_loop::stop() noexcept {
    std::lock_guard lock(mutex_);
    stop_requested_.store(true, std::memory_order_release);
    wake_locked();
}

LOADKIT_DECL void event_loop::post_remote(std::coroutine_handle<> handle) {
    std::lock_guard lock(mutex_);
    inbox_.push_back(handle);
    has_inbox_.store(true, std::memory_order_release);
    wake_locked();
}

LOADKIT_DECL void event_loop::cancel_remote(timer_node& timer) {
    std::lock_guard lock(mutex_);
    cancels_.push_back(&timer);
    has_inbox_.store(true, std::memory_order_release);
    wake_locked();
}

LOADKIT_DECL void event_loop::wait_for_work(bool until_idle) {
    std::unique_lock lock(mutex_);
    if (has_inbox_.load(std::memory_order_relaxed) || stop_requested_.load(std::memory_order_relaxed)) {
        return;
    }
    if (until_idle && timers_.empty() && work_.load(std::memory_order_relaxed) == 0) {
        return;
    }
    sleeping_ = true;
    if (timers_.empty()) {
        wakeup_.wait(lock);
    } else {
        wakeup_.wait_until(lock, timers_.top_deadline());
    }
    sleeping_ = false;
}

LOADKIT_DECL void event_loop::wake_locked() noexcept {
    if (sleeping_) {
        wakeup_.notify_one();
    }
}

LOADKIT_DECL void event_loop::drain_inbox() {
    {
        std::lock_guard lock(mutex_);
        draining_.swap(inbox_);
        draining_cancels_.swap(cancels_);
        has_inbox_.store(false, std::memory_order_relaxed);
    }
    for (std::coroutine_handle<> handle : draining_) {
        ready_.push(handle);
    }
    draining_.clear();
    for (timer_node* timer : draining_cancels_) {
        timers_.erase(*timer);
        ready_.push(timer->waiter);
    }
    draining_cancels_.clear();
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_EVENT_LOOP_IPP
