// SPDX-License-Identifier: MIT
#ifndef LOADKIT_CANCELLATION_HPP
#define LOADKIT_CANCELLATION_HPP

#include <loadkit/detail/runtime/promise_base.hpp>

#include <coroutine>
#include <exception>
#include <stop_token>

namespace loadkit {
inline namespace v0_1 {

// Thrown out of a loadkit awaitable (sleep, semaphore wait, blocking call, pool slot) when the stop
// token of the awaiting task is triggered. Callers normally never see it: with_timeout() turns it
// into a timeout outcome and pools count it as "cancelled".
class operation_cancelled : public std::exception {
public:
    const char* what() const noexcept override { return "loadkit: operation cancelled"; }
};

namespace detail {
struct stop_token_awaiter {
    const std::stop_token* token = &never_stop_token();
    bool await_ready() const noexcept { return false; }
    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> caller) noexcept {
        token = &stop_token_of(caller);
        return false; // never actually suspends: it only reads the caller's promise
    }
    std::stop_token await_resume() const noexcept { return *token; }
};
} // namespace detail

// `std::stop_token token = co_await loadkit::get_stop_token();` gives the token the current task
// runs under, for user code that wants to poll it or hand it to its own callbacks.
inline detail::stop_token_awaiter get_stop_token() noexcept { return {}; }

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_CANCELLATION_HPP
