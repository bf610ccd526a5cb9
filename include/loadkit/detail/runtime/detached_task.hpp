// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_RUNTIME_DETACHED_TASK_HPP
#define LOADKIT_DETAIL_RUNTIME_DETACHED_TASK_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/detail/runtime/promise_base.hpp>
#include <loadkit/task.hpp>

#include <coroutine>
#include <exception>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
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

// Runs `work` detached and reports how it ended: `on_end(error, cancelled)` with the exception it
// threw (null when it succeeded) and whether that was operation_cancelled. Pools and runners count
// outcomes through it, so no exception of a spawned task is lost or reaches std::terminate.
// `on_end` must be cheap to copy and must not throw; it is the last thing the coroutine does.
template <class T, class OnEnd> detached_task run_detached(task<T> work, OnEnd on_end) {
    std::exception_ptr error;
    bool cancelled = false;
    try {
        co_await std::move(work);
    } catch (const operation_cancelled&) {
        cancelled = true;
    } catch (...) {
        error = std::current_exception();
    }
    on_end(error, cancelled);
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_RUNTIME_DETACHED_TASK_HPP
