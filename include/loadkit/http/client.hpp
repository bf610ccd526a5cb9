// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// loadkit::http_client — an HTTP/1.1 keep-alive client for loadkit operations (Asio, plain TCP).
//
//   loadkit::asio_runner io{{.threads = 2}};
//   loadkit::http_client client{{.url = "http://127.0.0.1:8080/", .connections = 64, .timeout = 2s}};
//   loadkit::operation get{"GET /", [&](loadkit::op_context& ctx) { return client(ctx); }};
//   auto report = loadkit::run(loadkit::constant_vus{.vus = 64, .duration = 10s}, get,
//                              {.executors = io.executors()});
//
// One connection per slot: client(ctx) uses slot ctx.vu() (a virtual user, or an open-model
// in-flight slot), so connections = the profile's VUs or max_in_flight. A slot connects on first
// use, on the io_context of the executor it runs on, and keeps its connection while the server
// does (Connection: close, HTTP/1.0, a body delimited by the close, an error or a cancellation end
// it; the next request reconnects). Each connection reuses one read buffer (buffer_bytes, grown up
// to max_head_bytes for a large head); bodies are counted through, not kept, unless keep_body.
// Nothing is allocated per request once the connections are warm. On Linux the connections are
// polled by an epoll set per event loop with batched sends (detail/http/poller.hpp); elsewhere, or
// with use_epoll = false, through Asio's socket operations.
//
// Outcomes are data: fetch() returns the status, or an error with its kind. client(ctx) files them
// as failures: a status >= 400 as "http 503" (the reason phrase as message), a socket error by
// kind — "connect refused", "connect error", "connection reset", "eof" (closed before the response
// ended), "broken pipe", "socket error", "protocol error" (a malformed response). A cancellation
// (the client's timeout, a scenario timeout, the run's stop) throws loadkit::operation_cancelled:
// the engine counts a timeout (fetch() returns the client's timeout as error_kind "timeout"). With
// retry_stale, a kept-alive connection that the server had closed (no byte of the response came
// back) is retried once on a fresh connection, as browsers do (retries() counts them); by default
// that is an error, as wrk counts it.
//
// What runs per request (the exchange, its reads and writes, filing the outcome) is inline here;
// construction, connecting and closing a connection are in impl/http_client.ipp.
#ifndef LOADKIT_HTTP_CLIENT_HPP
#define LOADKIT_HTTP_CLIENT_HPP

#include <loadkit/asio/executor.hpp>
#include <loadkit/asio/use_task.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/config.hpp>
#include <loadkit/detail/http/client_loop.hpp>
#include <loadkit/detail/http/parser.hpp>
#include <loadkit/http/url.hpp>
#include <loadkit/operation.hpp>
#include <loadkit/task.hpp>
#include <loadkit/version.hpp>

#include <asio/error.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#if defined(LOADKIT_HTTP_EPOLL)
#include <cerrno>
#include <sys/socket.h>
#endif

namespace loadkit {
inline namespace v0_1 {

struct http_client_options {
    std::string url{}; // http://host[:port][/path][?query]
    std::string method = "GET";
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string body{};
    std::uint64_t connections = 1; // slots: requests name one in [0, connections)
    // Per request, connecting included (0: none): a request still running at the limit has its
    // connection closed and counts as a timeout. One sweep per event loop every quarter of it (at
    // most 250 ms) checks, so it fires between 1x and 1.25x the limit — cheaper than a scenario
    // timeout, which arms a timer for every request.
    std::chrono::nanoseconds timeout{};
    bool keep_body = false; // copy each response body (http_response::body)
    std::size_t buffer_bytes = 8 * 1024;
    std::size_t max_head_bytes = 64 * 1024; // a larger response head is a protocol error
    bool retry_stale = false;               // retry once when a kept-alive connection was closed
    bool use_epoll = true;                  // Linux: the client's own epoll set (see above)
};

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

class http_client {
public:
    explicit http_client(http_client_options options);
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;
    // Closes the connections. Destroy it when no request is in flight (after loadkit::run returned);
    // a round of events still finishing on a loop keeps what it uses alive until it ends.
    ~http_client() = default;

    // The operation body: one request on slot ctx.vu(); failures filed through ctx.fail().
    [[nodiscard]] task<void> operator()(op_context& ctx) { return exchange(at(ctx.vu()), &ctx, ctx.start()); }

    // One request on `slot`, the outcome as data.
    [[nodiscard]] task<http_response> fetch(std::uint64_t slot_index) {
        slot& s = at(slot_index);
        co_await exchange(s, nullptr, clock::time_point{});
        co_return s.response;
    }

    [[nodiscard]] std::uint64_t connects() const noexcept {
        return connects_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t retries() const noexcept { return retries_.load(std::memory_order_relaxed); }
    [[nodiscard]] const std::string& request_bytes() const noexcept { return request_; }
    [[nodiscard]] std::uint64_t connections() const noexcept { return options_.connections; }

private:
    // A connection (detail::http_slot, what its loop sees) and the last response on it.
    struct slot : detail::http_slot {
        std::string body;
        http_response response;
        char status_text[16] = {};
    };
    using loop = detail::http_loop;

    // What the client's handlers may outlive the client by: its slots and loops. Handlers on the
    // event loops hold a weak reference and lock it while they run, so destroying the client while a
    // round of events is still finishing on a loop is safe (the last reference frees it, there).
    struct shared_state {
        explicit shared_state(std::size_t count) : slots(std::make_unique<slot[]>(count)), size(count) {}
        shared_state(const shared_state&) = delete;
        shared_state& operator=(const shared_state&) = delete;
        ~shared_state();
        std::unique_ptr<slot[]> slots;
        std::size_t size;
        std::mutex mutex;                         // loops
        std::vector<std::unique_ptr<loop>> loops; // destroyed before the slots
    };

    void validate() const;

    slot& at(std::uint64_t index) {
        if (index >= options_.connections) {
            throw std::out_of_range("loadkit::http_client: slot " + std::to_string(index) +
                                    " (connections = " + std::to_string(options_.connections) + ")");
        }
        return shared_->slots[static_cast<std::size_t>(index)];
    }

    // The loop state of the executor this request runs on (looked up when the slot moves).
    loop& home_of(slot& s) {
        if (s.home != nullptr && s.home->ex == current_executor()) {
            return *s.home;
        }
        return move_home(s);
    }
    // The slot's first request, or its first on another executor: finds (or makes) that loop.
    loop& move_home(slot& s);

    static void close(slot& s) noexcept;

    static bool connected(const slot& s) noexcept {
#if defined(LOADKIT_HTTP_EPOLL)
        return s.socket.has_value() || s.entry.fd >= 0;
#else
        return s.socket.has_value();
#endif
    }

    static std::error_code errno_code(int value) noexcept {
        return {value, asio::error::get_system_category()};
    }

    // Connects the slot on its loop; with epoll, the socket then leaves Asio's reactor for the
    // loop's epoll set. A timeout yields timed_out; the stop token throws.
    task<std::error_code> connect(slot& s, loop& l);

    // Parses what the buffer holds; true when the response is complete (or malformed).
    bool parse(slot& s) {
        if (s.start == s.end) {
            return false;
        }
        const char* data = s.buffer.get() + s.start;
        const std::size_t size = s.end - s.start;
        const std::size_t used =
            options_.keep_body
                ? s.parser.parse(data, size, [&](const char* p, std::size_t n) { s.body.append(p, n); })
                : s.parser.parse(data, size);
        s.start += used;
        return s.parser.done() || s.parser.failed();
    }

    // The response's outcome, and its filing as an operation's failure.
    void settle(slot& s, op_context* ctx, std::error_code error, std::string_view kind) {
        http_response& r = s.response;
        r.error = error;
        r.error_kind = kind;
        r.body_bytes = s.parser.body_bytes();
        r.body = options_.keep_body ? std::string_view(s.body) : std::string_view{};
        if (!kind.empty()) {
            r.status = s.parser.has_head() ? s.parser.status() : 0;
            close(s);
        }
        if (ctx == nullptr) {
            return;
        }
        if (kind == "protocol error") {
            ctx->fail(kind, s.parser.error() != nullptr ? s.parser.error() : "malformed response");
        } else if (!kind.empty()) {
            ctx->fail(kind, error ? error.message() : std::string());
        } else if (r.status >= 400) {
            std::snprintf(s.status_text, sizeof s.status_text, "http %d", r.status);
            ctx->fail(s.status_text, r.reason);
        }
    }

    // How a request on a connection ended, before it is filed.
    enum class io_end : std::uint8_t { response, error, interrupted };

#if defined(LOADKIT_HTTP_EPOLL)
    // The epoll path: the send is queued for the end of the round; the response is read when the
    // loop's epoll set says it is there.
    task<io_end> transfer_epoll(slot& s, loop& l, std::error_code& error, bool& got_bytes) {
        detail::socket_poller& poller = *l.poller;
        detail::poll_entry& e = s.entry;
        poller.queue_send(e, request_.data(), request_.size());
        if (!co_await poller.wait(e, false)) {
            co_return io_end::interrupted;
        }
        while (e.sent < e.send_size) { // the round's send could not take it all (or failed)
            if (e.send_errno != 0) {
                error = errno_code(e.send_errno);
                co_return io_end::error;
            }
            const ssize_t n = ::send(e.fd, request_.data() + e.sent, request_.size() - e.sent, MSG_NOSIGNAL);
            if (n >= 0) {
                e.sent += static_cast<std::size_t>(n);
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                e.writable = false;
                if (!co_await poller.wait(e, true)) {
                    co_return io_end::interrupted;
                }
            } else if (errno != EINTR) {
                e.send_errno = errno;
            }
        }
        for (;;) {
            if (!e.readable && !co_await poller.wait(e, false)) {
                co_return io_end::interrupted;
            }
            e.readable = false;
            if (!detail::make_room(s, options_.max_head_bytes)) {
                co_return io_end::response; // the parser has not finished: a protocol error
            }
            const std::size_t space = s.capacity - s.end;
            const ssize_t n = ::recv(e.fd, s.buffer.get() + s.end, space, 0);
            if (n > 0) {
                got_bytes = true;
                s.end += static_cast<std::size_t>(n);
                if (parse(s)) {
                    co_return io_end::response;
                }
                e.readable = static_cast<std::size_t>(n) == space; // there may be more right away
            } else if (n == 0) {
                s.parser.finish_at_eof();
                if (s.parser.done()) {
                    co_return io_end::response;
                }
                error = asio::error::eof;
                co_return io_end::error;
            } else if (errno == EINTR) {
                e.readable = true;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                error = errno_code(errno);
                co_return io_end::error;
            }
        }
    }
#endif

    // The portable path: a non-blocking send (async_write for the rest), then async_read_some.
    task<io_end> transfer_asio(slot& s, std::error_code& error, bool& got_bytes) {
        std::size_t sent = s.socket->write_some(asio::buffer(request_), error);
        if (error == asio::error::would_block || error == asio::error::try_again) {
            error.clear();
            sent = 0;
        }
        if (!error && sent < request_.size()) {
            auto [write_error, written] = co_await asio::async_write(
                *s.socket, asio::buffer(request_.data() + sent, request_.size() - sent), use_task_nothrow);
            static_cast<void>(written);
            error = write_error;
        }
        while (!error) {
            if (parse(s)) {
                co_return io_end::response;
            }
            if (!detail::make_room(s, options_.max_head_bytes)) {
                co_return io_end::response; // the parser has not finished: a protocol error
            }
            auto [read_error, n] = co_await s.socket->async_read_some(
                asio::buffer(s.buffer.get() + s.end, s.capacity - s.end), use_task_nothrow);
            if (n > 0) {
                got_bytes = true;
                s.end += n;
            }
            if (read_error == asio::error::eof) {
                s.parser.finish_at_eof();
                if (s.parser.done()) {
                    co_return io_end::response;
                }
            }
            error = read_error;
        }
        co_return error == asio::error::operation_aborted ? io_end::interrupted : io_end::error;
    }

    // Sends the request on the slot's connection (connecting first if needed) and reads the
    // response; the outcome goes to s.response (and to ctx's failure when ctx is given).
    task<void> exchange(slot& s, op_context* ctx, clock::time_point start) {
        loop& l = home_of(s);
        const detail::in_flight_mark timing(l, s, start);
        s.response = http_response{};
        if (options_.keep_body) {
            s.body.clear();
        }
        for (int attempt = 0;; ++attempt) {
            if (!connected(s)) {
                const std::error_code failed = co_await connect(s, l);
                if (failed == asio::error::timed_out && s.timed_out && ctx != nullptr) {
                    throw operation_cancelled{}; // the engine counts a timeout
                }
                if (failed) {
                    settle(s, ctx, failed, detail::http_error_kind(failed, true));
                    co_return;
                }
            }
            const bool reused = s.requests > 0;
            s.response.reused = reused;
            ++s.requests;
            s.parser.reset(head_request_);
            std::error_code error;
            bool got_bytes = false;
            io_end end = io_end::error;
#if defined(LOADKIT_HTTP_EPOLL)
            if (l.poller) {
                end = co_await transfer_epoll(s, l, error, got_bytes);
            } else {
                end = co_await transfer_asio(s, error, got_bytes);
            }
#else
            end = co_await transfer_asio(s, error, got_bytes);
#endif
            if (end == io_end::interrupted) { // the client's timeout, or the task's stop token
                if (s.timed_out && ctx == nullptr) {
                    settle(s, ctx, asio::error::timed_out, "timeout");
                    co_return;
                }
                close(s);
                throw operation_cancelled{}; // the engine counts a timeout
            }
            if (end == io_end::error) {
                if (reused && !got_bytes && attempt == 0 && options_.retry_stale &&
                    (error == asio::error::eof || error == asio::error::connection_reset ||
                     error == asio::error::broken_pipe)) {
                    retries_.fetch_add(1, std::memory_order_relaxed);
                    close(s);
                    continue;
                }
                settle(s, ctx, error, detail::http_error_kind(error, false));
                co_return;
            }
            if (!s.parser.done()) {
                settle(s, ctx, {}, "protocol error");
                co_return;
            }
            s.response.status = s.parser.status();
            s.response.reason = s.parser.reason();
            const bool keep = s.parser.keep_alive();
            settle(s, ctx, {}, {});
            if (!keep) {
                close(s);
            }
            co_return;
        }
    }

    http_client_options options_;
    http_url parsed_;
    std::string request_;
    bool head_request_ = false;
    bool epoll_ = false;
    std::vector<asio::ip::tcp::endpoint> endpoints_;
    std::shared_ptr<shared_state> shared_;
    std::atomic<std::uint64_t> connects_{0};
    std::atomic<std::uint64_t> retries_{0};
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_ASIO_IMPLEMENTATION)
#include <loadkit/impl/http_client.ipp>
#endif

#endif // LOADKIT_HTTP_CLIENT_HPP
