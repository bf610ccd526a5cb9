// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// The HTTP client's state per connection and per event loop: a slot (one connection, its buffer,
// parser and last response) and a loop (the slots that run on one asio_executor, their epoll set on
// Linux, and the timeout sweep). Used by detail/http/client.hpp; http_response is its public result.
//
// Timeouts are swept rather than armed: while requests are in flight on a loop, one steady_timer
// wakes every quarter of the timeout and ends the requests that have run past it — one timer per
// loop instead of a timer set and cancelled for every request (wrk checks its timeouts the same way).
#ifndef LOADKIT_DETAIL_HTTP_CLIENT_LOOP_HPP
#define LOADKIT_DETAIL_HTTP_CLIENT_LOOP_HPP

#include <loadkit/detail/asio/executor.hpp>
#include <loadkit/detail/http/poller.hpp>
#include <loadkit/detail/http/parser.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/version.hpp>

#include <asio/error.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace loadkit {
inline namespace v0 {

// One exchange's outcome. The views point into the slot's buffers: valid until its next request.
struct http_response {
    int status = 0; // 0: no (complete) response; see error
    std::string_view reason{};
    std::error_code error{};
    std::string_view error_kind{}; // "" when the exchange completed
    std::string_view body{};       // keep_body only
    std::uint64_t body_bytes = 0;
    bool reused = false; // sent on a kept-alive connection

    // A complete response with a status below 400.
    [[nodiscard]] bool ok() const noexcept { return error_kind.empty() && status > 0 && status < 400; }
};

namespace detail {

struct http_loop;

// One connection of the client (touched only by the request running on it, and by its loop's
// sweep on the same thread).
struct http_slot {
    std::optional<asio::ip::tcp::socket> socket; // Asio path; on the epoll path only while connecting
#if defined(LOADKIT_HTTP_EPOLL)
    poll_entry entry; // epoll path: entry.fd >= 0 when connected
#endif
    http_loop* home = nullptr;
    clock::time_point started{}; // of the request in flight; {} when idle
    bool timed_out = false;
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;
    std::size_t start = 0; // unparsed bytes are [start, end)
    std::size_t end = 0;
    std::uint64_t requests = 0; // on the current connection
    http_response_parser parser;
    std::string body;
    http_response response;
    char status_text[16] = {};

    // Ends the request in flight now: its pending operation fails (operation_aborted) or its
    // epoll wait yields false.
    void interrupt() {
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
#if defined(LOADKIT_HTTP_EPOLL)
    socket_poller* poller = nullptr;
#endif
};

// The kind a socket error is filed under.
inline std::string_view http_error_kind(const std::error_code& e, bool connecting) noexcept {
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

// Makes room at the end of the buffer for the next read; false when the head is too large.
inline bool make_room(http_slot& s, std::size_t max_head_bytes) {
    if (s.start == s.end) {
        s.start = s.end = 0;
    }
    if (s.end < s.capacity) {
        return true;
    }
    if (s.start > 0) {
        std::memmove(s.buffer.get(), s.buffer.get() + s.start, s.end - s.start);
        s.end -= s.start;
        s.start = 0;
        return true;
    }
    if (s.capacity >= max_head_bytes + 64) {
        return false;
    }
    const std::size_t grown = std::min(s.capacity * 2, max_head_bytes + 64);
    auto bigger = std::make_unique<char[]>(grown);
    std::memcpy(bigger.get(), s.buffer.get(), s.end);
    s.buffer = std::move(bigger);
    s.capacity = grown;
    return true;
}

// The client's state on one asio_executor. `keep_alive` owns it (see http_shared).
struct http_loop {
    http_loop(asio_executor& on, std::chrono::nanoseconds limit, clock::duration period, bool use_epoll,
              std::weak_ptr<void> keep_alive)
        : ex(&on), timeout(limit), sweep_period(period), timer(on.context()), owner(std::move(keep_alive)) {
#if defined(LOADKIT_HTTP_EPOLL)
        if (use_epoll) {
            poller.emplace(on, owner);
        }
#else
        static_cast<void>(use_epoll);
#endif
    }
    http_loop(const http_loop&) = delete;
    http_loop& operator=(const http_loop&) = delete;
    ~http_loop() {
        try {
            timer.cancel(); // a queued sweep sees operation_aborted and touches nothing
        } catch (...) {
        }
    }

    asio_executor* ex;
    std::chrono::nanoseconds timeout; // 0: none
    clock::duration sweep_period;
    asio::steady_timer timer;
    std::weak_ptr<void> owner;
#if defined(LOADKIT_HTTP_EPOLL)
    std::optional<socket_poller> poller;
#endif
    std::vector<http_slot*> slots;
    std::size_t in_flight = 0;
    bool armed = false;

    void begin(http_slot& s, clock::time_point start) {
#if defined(LOADKIT_HTTP_EPOLL)
        s.poller = poller ? &*poller : nullptr;
#endif
        s.timed_out = false;
        if (timeout.count() == 0) {
            return;
        }
        s.started = start == clock::time_point{} ? clock::now() : start;
        if (++in_flight == 1 && !armed) {
            arm();
        }
    }
    void end(http_slot& s) noexcept {
        if (timeout.count() == 0) {
            return;
        }
        s.started = clock::time_point{};
        --in_flight;
    }

private:
    void arm() {
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
    void sweep() {
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
};

// What the client's handlers may outlive the client by: its slots and loops. Handlers on the
// event loops hold a weak reference and lock it while they run, so destroying the client while a
// round of events is still finishing on a loop is safe (the last reference frees it, there).
struct http_shared {
    explicit http_shared(std::size_t count) : slots(std::make_unique<http_slot[]>(count)), size(count) {}
    http_shared(const http_shared&) = delete;
    http_shared& operator=(const http_shared&) = delete;
    ~http_shared() {
        for (std::size_t i = 0; i < size; ++i) {
            http_slot& s = slots[i];
            if (s.socket) {
                std::error_code ignored;
                s.socket->close(ignored);
            }
#if defined(LOADKIT_HTTP_EPOLL)
            socket_poller::close(s.entry);
#endif
        }
    }
    std::unique_ptr<http_slot[]> slots;
    std::size_t size;
    std::mutex mutex;                              // loops
    std::vector<std::unique_ptr<http_loop>> loops; // destroyed before the slots
};

// A request in flight on a slot, for the sweep (RAII: every way out of the request ends it).
class in_flight_mark {
public:
    in_flight_mark(http_loop& l, http_slot& s, clock::time_point start) : loop_(&l), slot_(&s) {
        l.begin(s, start);
    }
    in_flight_mark(const in_flight_mark&) = delete;
    in_flight_mark& operator=(const in_flight_mark&) = delete;
    ~in_flight_mark() { loop_->end(*slot_); }

private:
    http_loop* loop_;
    http_slot* slot_;
};

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_HTTP_CLIENT_LOOP_HPP
