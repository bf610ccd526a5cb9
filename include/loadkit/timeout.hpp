// SPDX-License-Identifier: MIT
#ifndef LOADKIT_TIMEOUT_HPP
#define LOADKIT_TIMEOUT_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/task.hpp>
#include <loadkit/when_any.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace loadkit {
inline namespace v0_1 {

// Thrown by timeout_result::value() when the operation timed out.
class timeout_error : public std::runtime_error {
public:
    timeout_error() : std::runtime_error("loadkit: operation timed out") {}
};

// The outcome of with_timeout(): the value, or "timed out" — a plain value to test, not an
// exception, because in a load test a timeout is an expected, counted outcome.
template <class T> class timeout_result {
public:
    static timeout_result timeout() { return timeout_result{}; }
    explicit timeout_result(T value) : value_(std::move(value)) {}

    bool timed_out() const noexcept { return !value_.has_value(); }
    explicit operator bool() const noexcept { return value_.has_value(); }

    T& value() & {
        if (!value_) {
            throw timeout_error{};
        }
        return *value_;
    }
    T&& value() && { return std::move(value()); }
    T& operator*() & { return value(); }
    T* operator->() { return &value(); }

private:
    timeout_result() = default;
    std::optional<T> value_;
};

template <> class timeout_result<void> {
public:
    static timeout_result timeout() { return timeout_result{true}; }
    timeout_result() = default;

    bool timed_out() const noexcept { return timed_out_; }
    explicit operator bool() const noexcept { return !timed_out_; }
    void value() const {
        if (timed_out_) {
            throw timeout_error{};
        }
    }

private:
    explicit timeout_result(bool timed_out) : timed_out_(timed_out) {}
    bool timed_out_ = false;
};

namespace detail {
// Returns whether the limit was reached. It loses the race to every operation that completes in
// time, so being stopped must cost no exception (a thrown operation_cancelled was measurable in
// load-test profiles).
inline task<bool> deadline_timer(clock::duration limit) {
    sleep_or_stop_awaiter deadline{clock::time_point{}, limit, true};
    co_return co_await deadline;
}
} // namespace detail

// Runs `work` with a time limit. At the limit the work's stop token is triggered: loadkit sleeps,
// waits and blocking calls inside it end at once (operation_cancelled), and the result says
// timed_out(). Work that ignores its stop token is still awaited to its end, so nothing outlives
// the call; its late value is discarded. A cancellation of the caller itself propagates as
// operation_cancelled, distinct from a timeout.
template <class T, class Rep, class Period>
requires(!std::is_reference_v<T>) task<timeout_result<T>> with_timeout(
    task<T> work, std::chrono::duration<Rep, Period> limit) {
    if (limit < std::chrono::duration<Rep, Period>::zero()) {
        throw std::invalid_argument("loadkit::with_timeout: limit must not be negative");
    }
    task<bool> timer = detail::deadline_timer(std::chrono::ceil<clock::duration>(limit));
    task<std::variant<detail::non_void_t<T>, bool>> race = when_any(std::move(work), std::move(timer));
    auto outcome = co_await std::move(race);
    if (outcome.index() == 1) {
        if (!std::get<1>(outcome)) {
            // The timer was stopped, yet the work had not finished: only the race's link to the
            // caller's own stop token does that, so this is the caller's cancellation, not a timeout.
            throw operation_cancelled{};
        }
        co_return timeout_result<T>::timeout();
    }
    if constexpr (std::is_void_v<T>) {
        co_return timeout_result<void>{};
    } else {
        co_return timeout_result<T>{std::move(std::get<0>(outcome))};
    }
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_TIMEOUT_HPP
