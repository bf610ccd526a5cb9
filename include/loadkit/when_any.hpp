// SPDX-License-Identifier: MIT
#ifndef LOADKIT_WHEN_ANY_HPP
#define LOADKIT_WHEN_ANY_HPP

#include <loadkit/detail/runtime/child_task.hpp>
#include <loadkit/task.hpp>

#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

template <class T> struct when_any_result {
    std::size_t index;
    T value;
};
template <> struct when_any_result<void> { std::size_t index; };

namespace detail {

struct forward_stop {
    std::stop_source* target;
    void operator()() const noexcept { target->request_stop(); }
};

// Shared part of the variadic and range forms: a private stop source the children run under,
// linked to the awaiting task's own token, and the race for the first completion.
class race_base {
protected:
    explicit race_base(std::size_t children) : group_(children) {
        group_.token_ = &token_;
        group_.race_source_ = &source_;
    }

    template <class Promise> void link(std::coroutine_handle<Promise> parent) {
        const std::stop_token& outer = stop_token_of(parent);
        if (outer.stop_possible()) {
            link_.emplace(outer, forward_stop{&source_});
        }
    }

    // Once a winner is known the remaining children are not started at all.
    template <class Child> void start_unless_decided(Child& child, std::size_t index) noexcept {
        if (group_.decided()) {
            (void)group_.child_done(index); // never the last: the parent still holds its count
        } else {
            child.start(group_, index);
        }
    }

    std::stop_source source_;
    std::stop_token token_ = source_.get_token();
    std::optional<std::stop_callback<forward_stop>> link_;
    child_group group_;
};

template <class... Ts> class when_any_awaiter : race_base {
public:
    explicit when_any_awaiter(child_task<Ts>... children)
        : race_base(sizeof...(Ts)), children_(std::move(children)...) {}

    bool await_ready() const noexcept { return false; }

    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> parent) {
        link(parent);
        start(std::index_sequence_for<Ts...>{});
        return group_.arrive_and_suspend(parent);
    }

    std::variant<non_void_t<Ts>...> await_resume() {
        link_.reset();
        return take(group_.winner());
    }

private:
    template <std::size_t... I> void start(std::index_sequence<I...>) noexcept {
        (start_unless_decided(std::get<I>(children_), I), ...);
    }

    template <std::size_t I = 0> std::variant<non_void_t<Ts>...> take(std::size_t winner) {
        if constexpr (I + 1 < sizeof...(Ts)) {
            if (winner != I) {
                return take<I + 1>(winner);
            }
        }
        auto& child = std::get<I>(children_);
        if (child.failed()) {
            std::rethrow_exception(child.error());
        }
        return std::variant<non_void_t<Ts>...>(std::in_place_index<I>, child.take_value());
    }

    std::tuple<child_task<Ts>...> children_;
};

template <class T> class when_any_range_awaiter : race_base {
public:
    explicit when_any_range_awaiter(std::vector<child_task<T>> children)
        : race_base(children.size()), children_(std::move(children)) {}

    bool await_ready() const noexcept { return false; }

    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> parent) {
        link(parent);
        for (std::size_t i = 0; i < children_.size(); ++i) {
            start_unless_decided(children_[i], i);
        }
        return group_.arrive_and_suspend(parent);
    }

    when_any_result<T> await_resume() {
        link_.reset();
        const std::size_t winner = group_.winner();
        auto& child = children_[winner];
        if (child.failed()) {
            std::rethrow_exception(child.error());
        }
        if constexpr (std::is_void_v<T>) {
            return {winner};
        } else {
            return {winner, child.take_value()};
        }
    }

private:
    std::vector<child_task<T>> children_;
};

} // namespace detail

// Runs the tasks concurrently; the first to complete wins. The others are cancelled through their
// stop token (their loadkit sleeps and waits end at once) and awaited, so nothing outlives the
// call. Returns a variant whose index() names the winner (std::monostate for task<void>); if the
// winner failed, its exception is rethrown.
template <class... Ts>
requires(sizeof...(Ts) > 0) task<std::variant<detail::non_void_t<Ts>...>> when_any(task<Ts>... tasks) {
    detail::when_any_awaiter<Ts...> race{detail::make_child_task(std::move(tasks))...};
    co_return co_await race;
}

// The same over a non-empty vector: the winner's index and value.
template <class T>
requires(!std::is_reference_v<T>) task<when_any_result<T>> when_any(std::vector<task<T>> tasks) {
    if (tasks.empty()) {
        throw std::invalid_argument("loadkit::when_any: tasks is empty; there is nothing to wait for");
    }
    std::vector<detail::child_task<T>> children;
    children.reserve(tasks.size());
    for (auto& each : tasks) {
        children.push_back(detail::make_child_task(std::move(each)));
    }
    detail::when_any_range_awaiter<T> race{std::move(children)};
    co_return co_await race;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_WHEN_ANY_HPP
