// SPDX-License-Identifier: MIT
#ifndef LOADKIT_SYNC_WAIT_HPP
#define LOADKIT_SYNC_WAIT_HPP

#include <loadkit/detail/runtime/awaitable_traits.hpp>
#include <loadkit/detail/runtime/promise_base.hpp>
#include <loadkit/event_loop.hpp>

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// The promise parts that do not depend on the result type.
struct sync_wait_promise_base : promise_base {
    std::exception_ptr error_;
    bool done_ = false;

    std::suspend_always initial_suspend() const noexcept { return {}; }
    auto final_suspend() noexcept {
        done_ = true;
        return std::suspend_always{};
    }
    void unhandled_exception() noexcept { error_ = std::current_exception(); }
};

template <class R> struct sync_wait_promise : sync_wait_promise_base {
    std::optional<stored_t<R>> value_;

    template <class U> void return_value(U&& value) {
        if constexpr (std::is_reference_v<R>) {
            value_.emplace(std::addressof(value));
        } else {
            value_.emplace(std::forward<U>(value));
        }
    }
};

template <> struct sync_wait_promise<void> : sync_wait_promise_base {
    void return_void() const noexcept {}
};

template <class R> class sync_wait_task {
public:
    struct promise_type : sync_wait_promise<R> {
        sync_wait_task get_return_object() noexcept {
            return sync_wait_task{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
    };

    explicit sync_wait_task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
    sync_wait_task(sync_wait_task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    sync_wait_task& operator=(sync_wait_task&&) = delete;
    ~sync_wait_task() {
        if (handle_) {
            handle_.destroy();
        }
    }

    std::coroutine_handle<promise_type> handle_;
};

// The awaited work may finish on another thread (a runner's loop); the wrapper then hops back to
// the waiting loop before it completes, so `done_` is only ever touched by the waiting thread.
template <class R, class A>
sync_wait_task<R> make_sync_wait_task(std::remove_reference_t<A>& awaitable, event_loop& home) {
    std::optional<stored_t<R>> value;
    std::exception_ptr error;
    try {
        if constexpr (std::is_void_v<R>) {
            co_await static_cast<A&&>(awaitable);
        } else if constexpr (std::is_reference_v<R>) {
            value.emplace(std::addressof(co_await static_cast<A&&>(awaitable)));
        } else {
            value.emplace(co_await static_cast<A&&>(awaitable));
        }
    } catch (...) {
        error = std::current_exception();
    }
    if (current_executor() != &home) {
        co_await home.schedule();
    }
    if (error) {
        std::rethrow_exception(error);
    }
    if constexpr (std::is_reference_v<R>) {
        co_return **value;
    } else if constexpr (!std::is_void_v<R>) {
        co_return std::move(*value);
    }
}

} // namespace detail

namespace detail {
template <class A>
await_result_t<A> sync_wait_on(event_loop& loop, std::remove_reference_t<A>& awaitable, bool drain) {
    using result_t = await_result_t<A>;
    auto wrapper = make_sync_wait_task<result_t, A>(awaitable, loop);
    auto& promise = wrapper.handle_.promise();
    loop.post(wrapper.handle_);
    loop.run_until([&promise] { return promise.done_; });
    if (drain) {
        loop.run();
    }
    if (promise.error_) {
        std::rethrow_exception(promise.error_);
    }
    if constexpr (std::is_reference_v<result_t>) {
        return static_cast<result_t>(**promise.value_);
    } else if constexpr (!std::is_void_v<result_t>) {
        return std::move(*promise.value_);
    }
}
} // namespace detail

// Runs `awaitable` on `loop` (on the calling thread) until it completes; returns its value or
// rethrows its exception. Other work on the loop keeps running meanwhile and may remain afterwards.
template <class A> detail::await_result_t<A> sync_wait(event_loop& loop, A&& awaitable) {
    return detail::sync_wait_on<A>(loop, awaitable, false);
}

// Runs `awaitable` to completion from plain code on a fresh event loop on this thread, then keeps
// the loop running until it is idle, so work the awaitable started in the background (spawned
// tasks, pending timers) finishes too. Returns the value or rethrows the exception.
template <class A> detail::await_result_t<A> sync_wait(A&& awaitable) {
    event_loop loop;
    return detail::sync_wait_on<A>(loop, awaitable, true);
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_SYNC_WAIT_HPP
