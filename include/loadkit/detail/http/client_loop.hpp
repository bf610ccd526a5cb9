// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// The HTTP client's state per connection and per event loop: a slot (one connection, its buffer
// and parser) and a loop (the slots that run on one asio_executor, their epoll set on Linux, and
// the timeout sweep). Used by http/client.hpp, whose slots add the last response to these.
//
// Timeouts are swept rather than armed: while requests are in flight on a loop, one steady_timer
// wakes every quarter of the timeout and ends the requests that have run past it — one timer per
// loop instead of a timer set and cancelled for every request (wrk checks its timeouts the same way).
// What a request does (begin, end, make_room) is inline; the loop's set-up and sweep are in
// impl/http_loop.ipp.
#ifndef LOADKIT_DETAIL_HTTP_CLIENT_LOOP_HPP
#define LOADKIT_DETAIL_HTTP_CLIENT_LOOP_HPP

#include <loadkit/asio/executor.hpp>
#include <loadkit/config.hpp>
#include <loadkit/detail/http/parser.hpp>
#include <loadkit/detail/http/poller.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/version.hpp>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
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

    // Ends the request in flight now: its pending operation fails (operation_aborted) or its
    // epoll wait yields false.
    void interrupt();
#if defined(LOADKIT_HTTP_EPOLL)
    socket_poller* poller = nullptr;
#endif
};

// The kind a socket error is filed under.
LOADKIT_DECL std::string_view http_error_kind(const std::error_code& e, bool connecting) noexcept;

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

// The client's state on one asio_executor. `keep_alive` owns it (http_client's shared state).
struct http_loop {
    http_loop(asio_executor& on, std::chrono::nanoseconds limit, clock::duration period, bool use_epoll,
              std::weak_ptr<void> keep_alive);
    http_loop(const http_loop&) = delete;
    http_loop& operator=(const http_loop&) = delete;
    ~http_loop();

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
    void arm();
    void sweep();
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
} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_ASIO_IMPLEMENTATION)
#include <loadkit/impl/http_loop.ipp>
#endif

#endif // LOADKIT_DETAIL_HTTP_CLIENT_LOOP_HPP
