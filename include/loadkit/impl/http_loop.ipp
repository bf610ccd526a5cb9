// SPDX-License-Identifier: MIT
// The HTTP client's per-loop bodies (declared in detail/http/client_loop.hpp): a loop's set-up on
// an executor, the timeout sweep (once per period, not per request), and the error kinds.
#ifndef LOADKIT_IMPL_HTTP_LOOP_IPP
#define LOADKIT_IMPL_HTTP_LOOP_IPP

#include <loadkit/asio/executor.hpp>
#include <loadkit/detail/http/poller.hpp>
#include <loadkit/executor.hpp>

#include <asio/error.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

LOADKIT_DECL void http_slot::interrupt() {
    if (socket) {
        std::error_code ignored;
        socket->cancel(ignored);
    }
#if defined(LOADKIT_HTTP_EPOLL)
    if (entry.waiter && poller != nullptr) {
        poller->interrupt(entry);
    }
#endif
}

// The kind a socket error is filed under.
LOADKIT_DECL std::string_view http_error_kind(const std::error_code& e, bool connecting) noexcept {
    if (e == asio::error::timed_out) {
        return "timeout";
    }
    if (connecting) {
        return e == asio::error::connection_refused ? "connect refused" : "connect error";
    }
    if (e == asio::error::eof) {
        return "eof";
    }
    if (e == asio::error::connection_reset) {
        return "connection reset";
    }
    if (e == asio::error::broken_pipe) {
        return "broken pipe";
    }
    return "socket error";
}

LOADKIT_DECL http_loop::http_loop(asio_executor& on, std::chrono::nanoseconds limit, clock::duration period,
                                  bool use_epoll, std::weak_ptr<void> keep_alive)
    : ex(&on), timeout(limit), sweep_period(period), timer(on.context()), owner(std::move(keep_alive)) {
#if defined(LOADKIT_HTTP_EPOLL)
    if (use_epoll) {
        poller.emplace(on, owner);
    }
#else
    static_cast<void>(use_epoll);
#endif
}

LOADKIT_DECL http_loop::~http_loop() {
    try {
        timer.cancel(); // a queued sweep sees operation_aborted and touches nothing
    } catch (...) {
    }
}

LOADKIT_DECL void http_loop::arm() {
    armed = true;
    timer.expires_after(sweep_period);
    timer.async_wait([this, weak = owner](const std::error_code& error) {
        if (error) {
            return;
        }
        if (const auto keep = weak.lock()) {
            sweep();
        }
    });
}

LOADKIT_DECL void http_loop::sweep() {
    armed = false;
    const executor_scope scope(ex); // interrupted requests resume from here
    const clock::time_point now = clock::now();
    for (std::size_t i = 0; i < slots.size(); ++i) {
        http_slot* s = slots[i];
        if (s->home == this && s->started != clock::time_point{} && !s->timed_out &&
            now - s->started >= timeout) {
            s->timed_out = true;
            s->interrupt();
        }
    }
    if (in_flight > 0 && !armed) {
        arm();
    }
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_HTTP_LOOP_IPP
