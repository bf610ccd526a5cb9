// SPDX-License-Identifier: MIT
#ifndef LOADKIT_TASK_HPP
#define LOADKIT_TASK_HPP

#include <loadkit/detail/runtime/promise_base.hpp>

#include <atomic>
#include <coroutine>
#include <exception>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <type_traits>
#include <utility>
#include <variant>

namespace loadkit {
inline namespace v0_1 {

template <class T = void> class task;

namespace detail {

// How a task hands control back to its awaiter without growing the stack:
//  - the awaiter starts the child with resume() and then tries to "arrive" on the flag;
//  - the child's final_suspend tries to arrive as well;
//  - whoever arrives second continues the awaiter. When the child finished synchronously, the
//    awaiter arrives second and simply does not suspend (await_suspend returns false), so a loop of
//    a million synchronously completing co_awaits runs in constant stack even at -O0, where
//    compilers do not guarantee the tail call that pure symmetric transfer relies on
//    (llvm#42853, libcoro#273). When the child finished later, final_suspend arrives second and
//    transfers to the awaiter symmetrically (P0913).
struct task_promise_base : promise_base {
    std::coroutine_handle<> continuation_{};
    std::atomic<bool> arrived_{false};

    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            task_promise_base& promise = self.promise();
            if (promise.arrived_.exchange(true, std::memory_order_acq_rel)) {
                return promise.continuation_;
            }
            return std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };

    std::suspend_always initial_suspend() const noexcept { return {}; }
    final_awaiter final_suspend() const noexcept { return {}; }
};

template <class T> struct task_promise final : task_promise_base {
    std::variant<std::monostate, T, std::exception_ptr> result_;

    task<T> get_return_object() noexcept;
    void unhandled_exception() noexcept { result_.template emplace<2>(std::current_exception()); }
    template <class U = T>
    requires std::is_convertible_v<U&&, T>
    void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        result_.template emplace<1>(std::forward<U>(value));
    }
    T& result() & {
        if (result_.index() == 2) {
            std::rethrow_exception(std::get<2>(result_));
        }
        return std::get<1>(result_);
    }
    T&& result() && { return std::move(result()); }
};

template <class T> struct task_promise<T&> final : task_promise_base {
    T* value_ = nullptr;
    std::exception_ptr error_;

    task<T&> get_return_object() noexcept;
    void unhandled_exception() noexcept { error_ = std::current_exception(); }
    void return_value(T& value) noexcept { value_ = std::addressof(value); }
    T& result() {
        if (error_) {
            std::rethrow_exception(error_);
        }
        return *value_;
    }
};

template <> struct task_promise<void> final : task_promise_base {
    std::exception_ptr error_;

    task<void> get_return_object() noexcept;
    void unhandled_exception() noexcept { error_ = std::current_exception(); }
    void return_void() const noexcept {}
    void result() {
        if (error_) {
            std::rethrow_exception(error_);
        }
    }
};

template <class T> struct task_awaiter_base {
    std::coroutine_handle<task_promise<T>> handle_;
    const std::stop_token* token_override_ = nullptr;

    bool await_ready() const noexcept { return false; }

    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> caller) {
        if (!handle_) {
            throw std::logic_error("loadkit::task: co_await on an empty or moved-from task");
        }
        task_promise<T>& promise = handle_.promise();
        promise.continuation_ = caller;
        promise.stop_token_ = token_override_ != nullptr ? token_override_ : &stop_token_of(caller);
        handle_.resume();
        return !promise.arrived_.exchange(true, std::memory_order_acq_rel);
    }
};

} // namespace detail

// A lazily started coroutine producing a T (or a T&, or nothing). Move-only; co_await it once to
// start it and get its value; an exception escaping the body is rethrown at the co_await.
// Destroying a task that was never awaited destroys its frame without running it.
template <class T> class [[nodiscard]] task {
public:
    using promise_type = detail::task_promise<T>;
    using value_type = T;
    using handle_type = std::coroutine_handle<promise_type>;

    task() noexcept = default;
    explicit task(handle_type handle) noexcept : handle_(handle) {}
    task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    task& operator=(task&& other) noexcept {
        if (this != &other) {
            destroy();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() { destroy(); }

    bool valid() const noexcept { return static_cast<bool>(handle_); }
    bool done() const noexcept { return handle_ && handle_.done(); }

    auto operator co_await() & noexcept {
        struct awaiter : detail::task_awaiter_base<T> {
            decltype(auto) await_resume() { return this->handle_.promise().result(); }
        };
        return awaiter{{handle_, nullptr}};
    }
    auto operator co_await() && noexcept { return rvalue_awaiter{{handle_, nullptr}}; }

    // For loadkit's combinators: await this task under an explicit stop token instead of the
    // awaiter's own.
    auto await_with_token(const std::stop_token& token) && noexcept {
        return rvalue_awaiter{{handle_, &token}};
    }

    handle_type handle() const noexcept { return handle_; }

private:
    // Awaiting an rvalue task moves the value out of it.
    struct rvalue_awaiter : detail::task_awaiter_base<T> {
        decltype(auto) await_resume() {
            if constexpr (std::is_void_v<T> || std::is_reference_v<T>) {
                return this->handle_.promise().result();
            } else {
                return T(std::move(this->handle_.promise()).result());
            }
        }
    };

    void destroy() noexcept {
        if (handle_) {
            handle_.destroy();
            handle_ = {};
        }
    }
    handle_type handle_{};
};

namespace detail {
template <class T> task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
template <class T> task<T&> task_promise<T&>::get_return_object() noexcept {
    return task<T&>{std::coroutine_handle<task_promise<T&>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}

template <class> inline constexpr bool is_task_v = false;
template <class T> inline constexpr bool is_task_v<task<T>> = true;
} // namespace detail

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_TASK_HPP
