// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_DETACHED_TASK_HPP
#define LOADKIT_DETAIL_DETACHED_TASK_HPP

#include <loadkit/detail/promise_base.hpp>

#include <coroutine>
#include <exception>

namespace loadkit {
inline namespace v0 {
namespace detail {

// A fire-and-forget coroutine: created suspended, started by posting its handle to an executor,
// frees itself when it ends. Its bodies (pools, runners) catch every exception themselves.
struct detached_task {
    struct promise_type : promise_base {
        detached_task get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() const noexcept { return {}; }
        std::suspend_never final_suspend() const noexcept { return {}; }
        void return_void() const noexcept {}
        void unhandled_exception() const noexcept { std::terminate(); }
    };
    std::coroutine_handle<promise_type> handle;
};

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_DETACHED_TASK_HPP
