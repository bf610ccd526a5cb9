// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_RUNTIME_CHILD_TASK_HPP
#define LOADKIT_DETAIL_RUNTIME_CHILD_TASK_HPP

#include <loadkit/detail/runtime/awaitable_traits.hpp>
#include <loadkit/detail/runtime/promise_base.hpp>
#include <loadkit/task.hpp>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <stop_token>
#include <type_traits>
#include <utility>
#include <variant>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// What the children of one when_all/when_any share. The latch counts running children plus one
// for the parent, so children that finish while the parent is still starting the others cannot
// resume it early; whoever brings the count to zero continues the parent.
struct child_group {
    static constexpr std::size_t no_winner = static_cast<std::size_t>(-1);

    explicit child_group(std::size_t children) noexcept : remaining_(children + 1) {}

    bool arrive_and_suspend(std::coroutine_handle<> parent) noexcept {
        parent_ = parent;
        return remaining_.fetch_sub(1, std::memory_order_acq_rel) > 1;
    }
    std::coroutine_handle<> child_done(std::size_t index) noexcept {
        if (race_source_ != nullptr) {
            std::size_t expected = no_winner;
            if (winner_.compare_exchange_strong(expected, index, std::memory_order_acq_rel)) {
                race_source_->request_stop(); // the losers' sleeps and waits end at once
            }
        }
        if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            return parent_;
        }
        return std::noop_coroutine();
    }
    bool decided() const noexcept { return winner_.load(std::memory_order_acquire) != no_winner; }
    std::size_t winner() const noexcept { return winner_.load(std::memory_order_acquire); }

    const std::stop_token* token_ = &never_stop_token();
    std::stop_source* race_source_ = nullptr; // set for when_any only

private:
    std::atomic<std::size_t> remaining_;
    std::atomic<std::size_t> winner_{no_winner};
    std::coroutine_handle<> parent_{};
};

template <class T> struct child_promise_base : promise_base {
    child_group* group_ = nullptr;
    std::size_t index_ = 0;
    std::variant<std::monostate, stored_t<T>, std::exception_ptr> outcome_;

    std::suspend_always initial_suspend() const noexcept { return {}; }
    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            child_promise_base& promise = self.promise();
            return promise.group_->child_done(promise.index_);
        }
        void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { outcome_.template emplace<2>(std::current_exception()); }
};

template <class T> struct child_promise : child_promise_base<T> {
    template <class U> void return_value(U&& value) {
        if constexpr (std::is_reference_v<T>) {
            this->outcome_.template emplace<1>(std::addressof(value));
        } else {
            this->outcome_.template emplace<1>(std::forward<U>(value));
        }
    }
};
template <> struct child_promise<void> : child_promise_base<void> {
    void return_void() noexcept { this->outcome_.template emplace<1>(); }
};

template <class T> class child_task {
public:
    struct promise_type : child_promise<T> {
        child_task get_return_object() noexcept {
            return child_task{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
    };

    explicit child_task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
    child_task(child_task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    child_task& operator=(child_task&&) = delete;
    ~child_task() {
        if (handle_) {
            handle_.destroy();
        }
    }

    void start(child_group& group, std::size_t index) noexcept {
        promise_type& promise = handle_.promise();
        promise.group_ = &group;
        promise.index_ = index;
        promise.stop_token_ = group.token_;
        handle_.resume();
    }

    bool failed() const noexcept { return handle_.promise().outcome_.index() == 2; }
    std::exception_ptr error() const noexcept {
        const auto& outcome = handle_.promise().outcome_;
        return outcome.index() == 2 ? std::get<2>(outcome) : nullptr;
    }
    // The value, for a child that completed without an exception.
    decltype(auto) take_value() {
        auto& stored = std::get<1>(handle_.promise().outcome_);
        if constexpr (std::is_reference_v<T>) {
            return static_cast<T>(*stored);
        } else if constexpr (std::is_void_v<T>) {
            return std::monostate{};
        } else {
            return T(std::move(stored));
        }
    }

private:
    std::coroutine_handle<promise_type> handle_;
};

template <class T> child_task<T> make_child_task(task<T> inner) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(inner);
    } else {
        co_return co_await std::move(inner);
    }
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_RUNTIME_CHILD_TASK_HPP
