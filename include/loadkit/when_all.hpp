// SPDX-License-Identifier: MIT
#ifndef LOADKIT_WHEN_ALL_HPP
#define LOADKIT_WHEN_ALL_HPP

#include <loadkit/detail/runtime/child_task.hpp>
#include <loadkit/task.hpp>

#include <cstddef>
#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// Starts every child on the awaiting thread (each runs until it first suspends), then waits for
// the last one. All children run to completion even when one fails; the first failure in argument
// order is rethrown.
template <class... Ts> class when_all_awaiter {
public:
    explicit when_all_awaiter(child_task<Ts>... children)
        : group_(sizeof...(Ts)), children_(std::move(children)...) {}

    bool await_ready() const noexcept { return sizeof...(Ts) == 0; }

    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> parent) noexcept {
        group_.token_ = &stop_token_of(parent);
        start(std::index_sequence_for<Ts...>{});
        return group_.arrive_and_suspend(parent);
    }

    std::tuple<non_void_t<Ts>...> await_resume() {
        std::apply(
            [](auto&... child) {
                std::exception_ptr first;
                ((first = first ? first : child.error()), ...);
                if (first) {
                    std::rethrow_exception(first);
                }
            },
            children_);
        return std::apply([](auto&... child) { return std::tuple<non_void_t<Ts>...>(child.take_value()...); },
                          children_);
    }

private:
    template <std::size_t... I> void start(std::index_sequence<I...>) noexcept {
        (std::get<I>(children_).start(group_, I), ...);
    }

    child_group group_;
    std::tuple<child_task<Ts>...> children_;
};

template <class T> class when_all_range_awaiter {
public:
    explicit when_all_range_awaiter(std::vector<child_task<T>> children)
        : group_(children.size()), children_(std::move(children)) {}

    bool await_ready() const noexcept { return children_.empty(); }

    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> parent) noexcept {
        group_.token_ = &stop_token_of(parent);
        for (std::size_t i = 0; i < children_.size(); ++i) {
            children_[i].start(group_, i);
        }
        return group_.arrive_and_suspend(parent);
    }

    auto await_resume() {
        for (auto& child : children_) {
            if (child.failed()) {
                std::rethrow_exception(child.error());
            }
        }
        if constexpr (!std::is_void_v<T>) {
            std::vector<T> values;
            values.reserve(children_.size());
            for (auto& child : children_) {
                values.push_back(child.take_value());
            }
            return values;
        }
    }

private:
    child_group group_;
    std::vector<child_task<T>> children_;
};

} // namespace detail

// Runs the tasks concurrently and completes when all have: a tuple of their values (std::monostate
// for task<void>), or the first exception in argument order once every task has finished.
template <class... Ts> task<std::tuple<detail::non_void_t<Ts>...>> when_all(task<Ts>... tasks) {
    detail::when_all_awaiter<Ts...> all{detail::make_child_task(std::move(tasks))...};
    co_return co_await all;
}

// The same over a vector: a vector of values in input order (nothing for task<void>).
template <class T>
requires(!std::is_reference_v<T>) auto when_all(std::vector<task<T>> tasks)
    -> task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> {
    std::vector<detail::child_task<T>> children;
    children.reserve(tasks.size());
    for (auto& each : tasks) {
        children.push_back(detail::make_child_task(std::move(each)));
    }
    detail::when_all_range_awaiter<T> all{std::move(children)};
    if constexpr (std::is_void_v<T>) {
        co_await all;
    } else {
        co_return co_await all;
    }
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_WHEN_ALL_HPP
