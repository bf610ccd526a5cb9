// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// loadkit::use_task — an Asio completion token: any Asio asynchronous operation becomes something
// a loadkit task can co_await.
//
//   std::size_t n = co_await socket.async_read_some(asio::buffer(buf), loadkit::use_task); // throws
//   auto [error, n] = co_await socket.async_read_some(asio::buffer(buf), loadkit::use_task_nothrow);
//   int v = co_await asio::co_spawn(io, my_awaitable(), loadkit::use_task);  // an asio::awaitable
//
// use_task returns the operation's values (none: void; one: it; several: a std::tuple) and throws
// asio::system_error for an error_code, or rethrows an exception_ptr. use_task_nothrow returns every
// value, the error first (asio's as_tuple): per-request failures are data.
//
// Cancellation: the awaiting task's stop token (with_timeout, the run's graceful stop, a pool's
// request_stop) cancels the operation through its per-operation cancellation slot; the emit is
// posted to the operation's executor (its I/O object's), never run on a foreign thread. A
// cancelled operation that fails makes use_task throw loadkit::operation_cancelled, which the engine
// counts as a timeout. The operation completes on its own executor; the awaiting task resumes on
// its own (inline when that is the same thread, else posted).
//
// The awaiter the tokens turn an operation into is detail/asio/use_task.hpp's: all templates, as
// every piece of it runs per awaited operation.
#ifndef LOADKIT_ASIO_USE_TASK_HPP
#define LOADKIT_ASIO_USE_TASK_HPP

#include <loadkit/detail/asio/use_task.hpp>
#include <loadkit/version.hpp>

#include <asio/async_result.hpp>

#include <type_traits>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

struct use_task_t {
    constexpr use_task_t() noexcept = default;
};
struct use_task_nothrow_t {
    constexpr use_task_nothrow_t() noexcept = default;
};
inline constexpr use_task_t use_task{};
inline constexpr use_task_nothrow_t use_task_nothrow{};

} // namespace v0_1
} // namespace loadkit

// The hook Asio looks up for a completion token: initiate() returns the awaiter, which starts the
// operation only when it is awaited (lazily, as asio::deferred and use_awaitable do).
template <class R, class... Args> struct asio::async_result<loadkit::use_task_t, R(Args...)> {
    template <class Initiation, class... InitArgs>
    static auto initiate(Initiation&& init, loadkit::use_task_t, InitArgs&&... args) {
        return loadkit::detail::asio_awaiter<false, std::decay_t<Initiation>, R(Args...),
                                             std::decay_t<InitArgs>...>(std::forward<Initiation>(init),
                                                                        std::forward<InitArgs>(args)...);
    }
};
template <class R, class... Args> struct asio::async_result<loadkit::use_task_nothrow_t, R(Args...)> {
    template <class Initiation, class... InitArgs>
    static auto initiate(Initiation&& init, loadkit::use_task_nothrow_t, InitArgs&&... args) {
        return loadkit::detail::asio_awaiter<true, std::decay_t<Initiation>, R(Args...),
                                             std::decay_t<InitArgs>...>(std::forward<Initiation>(init),
                                                                        std::forward<InitArgs>(args)...);
    }
};

#endif // LOADKIT_ASIO_USE_TASK_HPP
