// SPDX-License-Identifier: MIT
#ifndef LOADKIT_SLEEP_HPP
#define LOADKIT_SLEEP_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/detail/runtime/saturating_time.hpp>
#include <loadkit/executor.hpp>

#include <chrono>
#include <coroutine>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

inline executor& require_executor(const char* what) {
    executor* ex = current_executor();
    if (ex == nullptr) {
        throw std::logic_error(std::string("loadkit::") + what +
                               ": no executor runs on this thread; run the task with loadkit::sync_wait, an "
                               "event_loop or a runner");
    }
    return *ex;
}

struct cancel_timer_on_stop {
    executor* owner;
    timer_node* timer;
    void operator()() const noexcept { owner->cancel_timer(*timer); }
};

// Suspends until a deadline on the current executor; if the awaiting task's stop token fires first,
// the timer is withdrawn at once. What a withdrawn sleep means is up to the derived awaiter.
class sleep_awaiter_base {
public:
    sleep_awaiter_base(clock::time_point deadline, clock::duration delay, bool relative) noexcept
        : deadline_(deadline), delay_(delay), relative_(relative) {}
    sleep_awaiter_base(const sleep_awaiter_base&) = delete;
    sleep_awaiter_base& operator=(const sleep_awaiter_base&) = delete;

    bool await_ready() const noexcept { return false; }

    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> waiter) {
        const std::stop_token& token = stop_token_of(waiter);
        if (token.stop_requested()) {
            timer_.state.store(timer_node::cancelled, std::memory_order_relaxed);
            return false;
        }
        executor& ex = require_executor("sleep");
        timer_.deadline = relative_ ? saturating_add(ex.now(), delay_) : deadline_;
        timer_.waiter = waiter;
        ex.arm_timer(timer_);
        if (token.stop_possible()) {
            on_stop_.emplace(token, cancel_timer_on_stop{&ex, &timer_});
        }
        return true;
    }

protected:
    ~sleep_awaiter_base() = default;

    // Whether the stop token ended the sleep before its deadline.
    bool finish_cancelled() noexcept {
        on_stop_.reset(); // waits for a stop callback running on another thread, if any
        return timer_.state.load(std::memory_order_acquire) == timer_node::cancelled;
    }

private:
    timer_node timer_;
    std::optional<std::stop_callback<cancel_timer_on_stop>> on_stop_;
    clock::time_point deadline_;
    clock::duration delay_;
    bool relative_;
};

// The sleep of sleep_for/sleep_until: a withdrawn sleep throws operation_cancelled, so user code
// after it does not run on as if the time had passed.
class sleep_awaiter : public sleep_awaiter_base {
public:
    using sleep_awaiter_base::sleep_awaiter_base;

    void await_resume() {
        if (finish_cancelled()) {
            throw operation_cancelled{};
        }
    }
};

// For loadkit's own timers whose cancellation is the normal outcome (with_timeout's deadline, which
// loses to every operation that succeeds in time): no exception, co_await yields whether the
// deadline was reached (false: the stop token withdrew the sleep).
class sleep_or_stop_awaiter : public sleep_awaiter_base {
public:
    using sleep_awaiter_base::sleep_awaiter_base;

    bool await_resume() noexcept { return !finish_cancelled(); }
};

struct yield_awaiter {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> handle) const { require_executor("schedule").post(handle); }
    void await_resume() const noexcept {}
};

} // namespace detail

// `co_await loadkit::sleep_for(250ms);` — cancellable through the task's stop token.
template <class Rep, class Period>
[[nodiscard]] detail::sleep_awaiter sleep_for(std::chrono::duration<Rep, Period> delay) {
    return {clock::time_point{}, std::chrono::ceil<clock::duration>(delay), true};
}

template <class Duration>
[[nodiscard]] detail::sleep_awaiter sleep_until(std::chrono::time_point<clock, Duration> deadline) {
    return {std::chrono::time_point_cast<clock::duration>(deadline), clock::duration::zero(), false};
}

// `co_await loadkit::schedule();` yields: the task goes to the back of its executor's run queue.
[[nodiscard]] inline detail::yield_awaiter schedule() noexcept { return {}; }

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_SLEEP_HPP
