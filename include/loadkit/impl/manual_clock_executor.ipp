// SPDX-License-Identifier: MIT
// The body of manual_clock_executor.hpp: a run queue and a timer heap under one lock (it is a
// test clock: clarity over speed), and a clock that moves only from timer to timer.
#ifndef LOADKIT_IMPL_MANUAL_CLOCK_EXECUTOR_IPP
#define LOADKIT_IMPL_MANUAL_CLOCK_EXECUTOR_IPP

#include <loadkit/executor.hpp>

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL manual_clock_executor::manual_clock_executor(options o)
    : now_(o.start.time_since_epoch().count()), work_wait_(o.work_wait) {
    if (o.start.time_since_epoch().count() <= 0) {
        throw std::invalid_argument("loadkit::manual_clock_executor::options: start = " +
                                    std::to_string(o.start.time_since_epoch().count()) +
                                    "ns since the clock's epoch (expected > 0)");
    }
    if (o.work_wait.count() <= 0) {
        throw std::invalid_argument("loadkit::manual_clock_executor::options: work_wait = " +
                                    std::to_string(o.work_wait.count()) + "ns (expected > 0)");
    }
}

LOADKIT_DECL void manual_clock_executor::post(std::coroutine_handle<> handle) {
    const std::lock_guard<std::mutex> lock(mutex_);
    ready_.push(handle);
    wakeup_.notify_one(); // under the lock: a run_ready() that returns may see us destroyed
}

LOADKIT_DECL void manual_clock_executor::arm_timer(timer_node& timer) {
    const std::lock_guard<std::mutex> lock(mutex_);
    timers_.push(timer);
}

LOADKIT_DECL bool manual_clock_executor::cancel_timer(timer_node& timer) noexcept {
    int expected = timer_node::pending;
    if (!timer.state.compare_exchange_strong(expected, timer_node::cancelled, std::memory_order_acq_rel)) {
        return false;
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    timers_.erase(timer);
    ready_.push(timer.waiter);
    wakeup_.notify_one();
    return true;
}

LOADKIT_DECL void manual_clock_executor::fire_due_locked() {
    const clock::rep current = now_.load(std::memory_order_relaxed);
    while (!timers_.empty() && timers_.top_deadline().time_since_epoch().count() <= current) {
        timer_node* timer = timers_.pop();
        int expected = timer_node::pending;
        // A cancelled timer is already on the run queue (cancel_timer put it there).
        if (timer->state.compare_exchange_strong(expected, timer_node::fired, std::memory_order_acq_rel)) {
            ready_.push(timer->waiter);
        }
    }
}

LOADKIT_DECL std::size_t manual_clock_executor::drain(bool wait) {
    const executor_scope scope(this);
    running_ = true;
    std::size_t resumed = 0;
    for (;;) {
        std::coroutine_handle<> next;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            fire_due_locked();
            const std::size_t work = work_.load(std::memory_order_relaxed);
            ignored_work_ = std::min(ignored_work_, work);
            if (ready_.empty() && wait && work > ignored_work_) {
                // A blocking call's waiter comes back through post(); work_finished() runs on this
                // thread when it resumes. Past work_wait the clock moves on without it, and waits
                // for it no more (a hung call would otherwise cost work_wait at every step).
                if (!wakeup_.wait_for(lock, work_wait_, [&] { return !ready_.empty(); })) {
                    ignored_work_ = work;
                }
            }
            if (ready_.empty()) {
                break;
            }
            next = ready_.pop();
        }
        next.resume();
        ++resumed;
    }
    running_ = false;
    return resumed;
}

LOADKIT_DECL std::size_t manual_clock_executor::run_ready() {
    if (running_) {
        return 0; // called from a coroutine this executor runs: the outer call goes on
    }
    return drain(true);
}

LOADKIT_DECL void manual_clock_executor::advance_to(clock::time_point t) {
    const clock::rep target = t.time_since_epoch().count();
    const clock::rep current = now_.load(std::memory_order_relaxed);
    if (target < current) {
        throw std::invalid_argument("loadkit::manual_clock_executor::advance_to: t = now() - " +
                                    std::to_string(current - target) +
                                    "ns (expected >= now(): time never goes back)");
    }
    if (running_) {
        now_.store(target, std::memory_order_release); // busy code on this executor: fire later
        return;
    }
    drain(true);
    for (;;) {
        clock::rep step = target;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (!timers_.empty()) {
                step = std::min(step,
                                static_cast<clock::rep>(timers_.top_deadline().time_since_epoch().count()));
            }
        }
        // Code run at an instant may have moved the clock past the next timer itself (advance()
        // from an operation): never back.
        if (step > now_.load(std::memory_order_relaxed)) {
            now_.store(step, std::memory_order_release);
        }
        drain(true);
        if (step >= target) {
            return;
        }
    }
}

LOADKIT_DECL void manual_clock_executor::advance_by(std::chrono::nanoseconds delay) {
    if (delay.count() < 0) {
        throw std::invalid_argument(
            "loadkit::manual_clock_executor::advance: delay = " + std::to_string(delay.count()) +
            "ns (expected >= 0: time never goes back)");
    }
    advance_to(detail::saturating_add(now(), delay));
}

LOADKIT_DECL clock::time_point manual_clock_executor::run() {
    if (running_) {
        return now();
    }
    drain(true);
    while (const std::optional<clock::time_point> next = next_timer()) {
        advance_to(std::max(*next, now()));
    }
    return now();
}

LOADKIT_DECL std::optional<clock::time_point> manual_clock_executor::next_timer() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (timers_.empty()) {
        return std::nullopt;
    }
    return timers_.top_deadline();
}

LOADKIT_DECL std::size_t manual_clock_executor::pending_timers() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return timers_.size();
}

LOADKIT_DECL std::size_t manual_clock_executor::queued() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return ready_.size();
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_MANUAL_CLOCK_EXECUTOR_IPP
