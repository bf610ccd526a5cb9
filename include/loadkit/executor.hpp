// SPDX-License-Identifier: MIT
#ifndef LOADKIT_EXECUTOR_HPP
#define LOADKIT_EXECUTOR_HPP

#include <loadkit/version.hpp>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>

namespace loadkit {
inline namespace v0_1 {

using clock = std::chrono::steady_clock;

// A pending timer. It lives inside the awaiting coroutine's frame, so arming a timer allocates
// nothing; the executor only links it into its own structure.
struct timer_node {
    enum : int { pending = 0, fired = 1, cancelled = 2 };

    clock::time_point deadline{};
    std::coroutine_handle<> waiter{};
    std::uint64_t sequence = 0;                            // FIFO order among equal deadlines
    std::size_t heap_index = static_cast<std::size_t>(-1); // owned by the executor's thread
    std::atomic<int> state{pending};
};

// The seam between loadkit's coroutines and whatever runs them. loadkit's own event_loop
// implements it; an adapter can put loadkit tasks on another event loop (Asio's io_context) by
// implementing these few members. Everything loadkit suspends on (sleeps, semaphores, pools,
// blocking calls) reaches its executor only through this interface.
class executor {
public:
    executor() = default;
    executor(const executor&) = delete;
    executor& operator=(const executor&) = delete;
    virtual ~executor() = default;

    // Resume `handle` on this executor soon, after what is already queued. Safe from any thread.
    virtual void post(std::coroutine_handle<> handle) = 0;

    // Resume `timer.waiter` at `timer.deadline`. Called on this executor's own thread.
    virtual void arm_timer(timer_node& timer) = 0;

    // Resume the waiter of an armed timer now instead of at its deadline. Safe from any thread; a
    // timer that already fired is left alone. Returns whether this call cancelled it (its state is
    // then timer_node::cancelled when the waiter resumes).
    virtual bool cancel_timer(timer_node& timer) noexcept = 0;

    // Outstanding work completed from outside (a blocking call on a worker thread): while any is
    // outstanding, running "until idle" waits for it instead of returning.
    virtual void work_started() noexcept = 0;
    virtual void work_finished() noexcept = 0;

    virtual clock::time_point now() const noexcept { return clock::now(); }

    // `co_await ex.schedule();` continues on this executor (a hop when called from elsewhere, a
    // yield when already on it).
    struct schedule_awaiter {
        executor* target;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> handle) const { target->post(handle); }
        void await_resume() const noexcept {}
    };
    [[nodiscard]] schedule_awaiter schedule() noexcept { return {this}; }
};

namespace detail {
inline executor*& current_executor_slot() noexcept {
    thread_local executor* current = nullptr;
    return current;
}
} // namespace detail

// The executor whose loop is running on this thread, or nullptr.
inline executor* current_executor() noexcept { return detail::current_executor_slot(); }

// The time as this thread's executor keeps it (virtual time on a manual_clock_executor), or
// clock::now() off any executor. What operations should read, so that a test can run them on a
// manual clock.
inline clock::time_point now() noexcept {
    const executor* ex = detail::current_executor_slot();
    return ex != nullptr ? ex->now() : clock::now();
}

// Makes `ex` the current executor of this thread for the scope's lifetime (used by event loops
// and by adapters that run loadkit tasks on a foreign event loop).
class executor_scope {
public:
    explicit executor_scope(executor* ex) noexcept : previous_(detail::current_executor_slot()) {
        detail::current_executor_slot() = ex;
    }
    executor_scope(const executor_scope&) = delete;
    executor_scope& operator=(const executor_scope&) = delete;
    ~executor_scope() { detail::current_executor_slot() = previous_; }

private:
    executor* previous_;
};

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_EXECUTOR_HPP
