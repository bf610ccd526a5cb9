// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// loadkit/asio.hpp — the optional Asio adapter (standalone Asio >= 1.22, ASIO_STANDALONE; never
// included by loadkit.hpp): run loadkit on asio::io_context threads, await Asio operations and
// asio::awaitables from loadkit tasks, and load-test HTTP/1.1 services.
//
//   loadkit::asio_runner io{{.threads = 2}};                    // 2 io_contexts, 2 threads
//   loadkit::operation get{"get", [&](loadkit::op_context& ctx) -> loadkit::task<void> {
//       auto& socket = connections[ctx.vu()];                 // one per virtual user
//       co_await asio::async_write(socket, asio::buffer(request), loadkit::use_task);
//       auto [error, n] = co_await socket.async_read_some(asio::buffer(buf), loadkit::use_task_nothrow);
//       if (error) ctx.fail("socket", error.message());
//   }};
//   int v = co_await loadkit::as_task(my_asio_awaitable());   // an asio::awaitable<int>
//   auto report = loadkit::run({.executors = io.executors()}, scenario);
//
// What is here:
//   asio_executor, asio_runner   the executor seam on io_contexts (asio/executor.hpp)
//   use_task, use_task_nothrow   completion tokens; the task's stop token cancels the operation
//                                (asio/use_task.hpp)
//   as_task(awaitable)           await an asio::awaitable<T> (co_spawned on the task's io_context;
//                                needs ASIO_HAS_CO_AWAIT: define it for clang with Asio < 1.24)
//   co_spawn(ex, task, token)    start a loadkit task on an asio_executor, Asio style (use_future,
//                                detached, a callback); the token's cancellation slot stops it
//   http_client, http_target     an HTTP/1.1 keep-alive client for operations and a configurable
//                                target server (http/client.hpp, http/target.hpp)
//   parse_http_url               an http:// URL in its parts (http/url.hpp)
//
// Separate compilation: the layer's bodies (impl/asio.ipp, impl/http*.ipp) are compiled by
// <loadkit/impl/src_asio.hpp> (LOADKIT_ASIO_IMPLEMENTATION), apart from the core's.
#ifndef LOADKIT_ASIO_HPP
#define LOADKIT_ASIO_HPP

#include <loadkit/asio/executor.hpp>
#include <loadkit/asio/use_task.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/detail/runtime/detached_task.hpp>
#include <loadkit/http/client.hpp>
#include <loadkit/http/target.hpp>
#include <loadkit/http/url.hpp>
#include <loadkit/task.hpp>
#include <loadkit/version.hpp>

#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/dispatch.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

inline asio_executor& require_asio_executor(const char* what) {
    auto* ex = dynamic_cast<asio_executor*>(current_executor());
    if (ex == nullptr) {
        throw std::logic_error(std::string("loadkit::") + what +
                               ": the task does not run on a loadkit::asio_executor; pass an executor");
    }
    return *ex;
}

template <class T> struct spawn_signature_of { using type = void(std::exception_ptr, T); };
template <> struct spawn_signature_of<void> { using type = void(std::exception_ptr); };
template <class T> using spawn_signature = typename spawn_signature_of<T>::type;

// Stops the spawned task when the completion handler's cancellation slot is emitted.
struct spawn_cancel {
    std::stop_source* source;
    void operator()(asio::cancellation_type_t) const noexcept { source->request_stop(); }
};

template <class T, class Handler> detached_task spawn_body(asio_executor* ex, task<T> work, Handler handler) {
    std::stop_source stop;
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) {
        slot.template emplace<spawn_cancel>(&stop);
    }
    std::exception_ptr error;
    std::optional<std::conditional_t<std::is_void_v<T>, int, T>> value;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(work).await_with_token(stop.get_token());
            value.emplace(0);
        } else {
            value.emplace(co_await std::move(work).await_with_token(stop.get_token()));
        }
    } catch (...) {
        error = std::current_exception();
    }
    if (slot.is_connected()) {
        slot.clear();
    }
    auto target = asio::get_associated_executor(handler, ex->context().get_executor());
    if constexpr (std::is_void_v<T>) {
        asio::dispatch(target, [h = std::move(handler), error]() mutable { std::move(h)(error); });
    } else {
        T result = value ? std::move(*value) : T{};
        asio::dispatch(target, [h = std::move(handler), error, r = std::move(result)]() mutable {
            std::move(h)(error, std::move(r));
        });
    }
    ex->work_finished();
}

struct initiate_spawn {
    asio_executor* ex;
    template <class Handler, class T> void operator()(Handler&& handler, task<T> work) const {
        detached_task body = spawn_body<T>(ex, std::move(work), std::forward<Handler>(handler));
        ex->work_started(); // the io_context runs until the task has ended
        ex->post(body.handle);
    }
};

#if defined(ASIO_HAS_CO_AWAIT)
template <class T, class Executor>
task<T> await_awaitable(asio::awaitable<T, Executor> work, Executor where) {
    auto op = asio::co_spawn(where, std::move(work), use_task);
    if constexpr (std::is_void_v<T>) {
        co_await op;
    } else {
        co_return co_await op;
    }
}
#endif

} // namespace detail

// Starts `work` on `ex` and reports its end through an Asio completion token with the signature
// void(std::exception_ptr, T) (or void(std::exception_ptr)), as asio::co_spawn does:
//   std::future<int> f = loadkit::co_spawn(ex, compute(), asio::use_future);
//   loadkit::co_spawn(ex, serve(std::move(socket)), asio::detached);
// Emitting the handler's cancellation slot triggers the task's stop token.
template <class T, class CompletionToken>
auto co_spawn(asio_executor& ex, task<T> work, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, detail::spawn_signature<T>>(detail::initiate_spawn{&ex},
                                                                             token, std::move(work));
}

#if defined(ASIO_HAS_CO_AWAIT)
// Awaits an asio::awaitable from a loadkit task: co_spawned on the io_context of the task's
// asio_executor (or on `where`), its value returned, its exception rethrown. The task's stop token
// cancels it (asio's total cancellation of the awaitable's current operation).
template <class T, class Executor> task<T> as_task(asio::awaitable<T, Executor> work) {
    asio_executor& ex = detail::require_asio_executor("as_task");
    return detail::await_awaitable(std::move(work), Executor(ex.context().get_executor()));
}
template <class T, class Executor, class Where>
task<T> as_task(const Where& where, asio::awaitable<T, Executor> work) {
    return detail::await_awaitable(std::move(work), Executor(where));
}
#endif // ASIO_HAS_CO_AWAIT: Asio < 1.24 does not detect clang's C++20 coroutines; define it as 1

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_ASIO_HPP
