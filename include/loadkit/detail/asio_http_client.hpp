// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::http_client — an HTTP/1.1 keep-alive client for loadkit operations (Asio, plain TCP).
//
//   loadkit::asio_runner io{{.threads = 2}};
//   loadkit::http_client client{{.url = "http://127.0.0.1:8080/", .connections = 64}};
//   loadkit::operation get{"GET /", [&](loadkit::op_context& ctx) { return client(ctx); }};
//   auto report = loadkit::run({.executors = io.executors()},
//                              {.profile = loadkit::constant_vus{.vus = 64, .duration = 10s},
//                               .operations = {get}, .timeout = 2s});
//
// One connection per slot: client(ctx) uses slot ctx.vu() (a virtual user, or an open-model
// in-flight slot), so connections = the profile's VUs or max_in_flight. A slot connects on first
// use, on the io_context of the executor it runs on, and keeps its connection while the server
// does (Connection: close, HTTP/1.0, a body delimited by the close, an error or a cancellation end
// it; the next request reconnects). Each connection reuses one read buffer (buffer_bytes, grown up
// to max_head_bytes for a large head); bodies are counted through, not kept, unless keep_body.
// Nothing is allocated per request once the connections are warm.
//
// Outcomes are data: fetch() returns status, or an error with its kind. client(ctx) files them as
// failures: a status >= 400 as "http 503" (the reason phrase as message), a socket error by kind —
// "connect refused", "connect error", "connection reset", "eof" (closed before the response ended),
// "broken pipe", "socket error", "protocol error" (a malformed response). A cancellation (the
// scenario's timeout, the run's stop) throws loadkit::operation_cancelled: the engine counts a
// timeout. A kept-alive connection the server had already closed (no byte of the response came
// back) is retried once on a fresh connection, as browsers do; retries() counts them.
#ifndef LOADKIT_DETAIL_ASIO_HTTP_CLIENT_HPP
#define LOADKIT_DETAIL_ASIO_HTTP_CLIENT_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/detail/asio_executor.hpp>
#include <loadkit/detail/asio_task.hpp>
#include <loadkit/detail/http_parser.hpp>
#include <loadkit/operation.hpp>
#include <loadkit/task.hpp>
#include <loadkit/version.hpp>

#include <asio/connect.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

struct http_client_options {
    std::string url{}; // http://host[:port][/path][?query]
    std::string method = "GET";
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string body{};
    std::uint64_t connections = 1; // slots: requests name one in [0, connections)
    bool keep_body = false;        // copy each response body (http_response::body)
    std::size_t buffer_bytes = 8 * 1024;
    std::size_t max_head_bytes = 64 * 1024; // a larger response head is a protocol error
    bool retry_stale = false;               // retry once when a kept-alive connection was closed
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
    explicit http_client(http_client_options options)
        : options_(std::move(options)),
          parsed_(detail::parse_http_url(options_.url, "loadkit::http_client_options: url")) {
        if (options_.connections == 0 || options_.connections > 10'000'000) {
            throw std::invalid_argument("loadkit::http_client_options: connections = " +
                                        std::to_string(options_.connections) + " (expected 1 .. 10,000,000)");
        }
        if (options_.method.empty() || options_.method.find_first_of(" \r\n") != std::string::npos) {
            throw std::invalid_argument("loadkit::http_client_options: method = \"" + options_.method +
                                        "\" (expected a token such as GET)");
        }
        if (options_.buffer_bytes < 256 || options_.buffer_bytes > options_.max_head_bytes) {
            throw std::invalid_argument(
                "loadkit::http_client_options: buffer_bytes = " + std::to_string(options_.buffer_bytes) +
                " (expected 256 .. max_head_bytes)");
        }
        request_ = detail::build_http_request(parsed_, options_.method, options_.headers, options_.body);
        head_request_ = options_.method == "HEAD";
        asio::io_context resolver_context;
        asio::ip::tcp::resolver resolver(resolver_context);
        std::error_code error;
        const auto results = resolver.resolve(parsed_.host, std::to_string(parsed_.port), error);
        if (error || results.empty()) {
            throw std::runtime_error("loadkit::http_client: cannot resolve \"" + parsed_.host +
                                     "\": " + (error ? error.message() : std::string("no address")));
        }
        for (const auto& entry : results) {
            endpoints_.push_back(entry.endpoint());
        }
        slots_ = std::make_unique<slot[]>(static_cast<std::size_t>(options_.connections));
    }
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;
    // Closes the connections: destroy it when no request is in flight (after loadkit::run returned).
    ~http_client() = default;

    // The operation body: one request on slot ctx.vu(); failures filed through ctx.fail().
    [[nodiscard]] task<void> operator()(op_context& ctx) {
        slot& s = at(ctx.vu());
        return exchange(s, &ctx);
    }

    // One request on `slot`, the outcome as data.
    [[nodiscard]] task<http_response> fetch(std::uint64_t slot_index) {
        slot& s = at(slot_index);
        co_await exchange(s, nullptr);
        co_return s.response;
    }

    [[nodiscard]] std::uint64_t connects() const noexcept {
        return connects_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t retries() const noexcept { return retries_.load(std::memory_order_relaxed); }
    [[nodiscard]] const std::string& request_bytes() const noexcept { return request_; }
    [[nodiscard]] std::uint64_t connections() const noexcept { return options_.connections; }

private:
    struct slot {
        std::optional<asio::ip::tcp::socket> socket;
        std::unique_ptr<char[]> buffer;
        std::size_t capacity = 0;
        std::size_t start = 0; // unparsed bytes are [start, end)
        std::size_t end = 0;
        std::uint64_t requests = 0; // on the current connection
        detail::http_response_parser parser;
        std::string body;
        http_response response;
        char status_text[16] = {};
    };

    slot& at(std::uint64_t index) {
        if (index >= options_.connections) {
            throw std::out_of_range("loadkit::http_client: slot " + std::to_string(index) +
                                    " (connections = " + std::to_string(options_.connections) + ")");
        }
        return slots_[static_cast<std::size_t>(index)];
    }

    static void close(slot& s) noexcept {
        if (s.socket) {
            std::error_code ignored;
            s.socket->close(ignored);
            s.socket.reset();
        }
        s.start = s.end = 0;
        s.requests = 0;
    }

    static std::string_view kind_of(const std::error_code& e, bool connecting) noexcept {
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

    task<std::error_code> connect(slot& s) {
        asio_executor* ex = dynamic_cast<asio_executor*>(current_executor());
        if (ex == nullptr) {
            throw std::logic_error("loadkit::http_client: requests must run on a loadkit::asio_executor "
                                   "(run_options::executors = asio_runner::executors())");
        }
        std::error_code error = asio::error::host_not_found;
        for (const auto& endpoint : endpoints_) {
            s.socket.emplace(ex->context());
            error = co_await s.socket->async_connect(endpoint, use_task_nothrow);
            if (!error) {
                break;
            }
            if (error == asio::error::operation_aborted) {
                close(s);
                throw operation_cancelled{};
            }
            close(s);
        }
        if (error) {
            co_return error;
        }
        connects_.fetch_add(1, std::memory_order_relaxed);
        std::error_code ignored;
        s.socket->set_option(asio::ip::tcp::no_delay(true), ignored);
        s.socket->non_blocking(true, ignored); // sends are tried at once, without a handler
        if (!s.buffer) {
            s.capacity = options_.buffer_bytes;
            s.buffer = std::make_unique<char[]>(s.capacity);
        }
        co_return std::error_code{};
    }

    // Makes room at the end of the buffer for the next read; false when the head is too large.
    bool make_room(slot& s) {
        if (s.end < s.capacity) {
            return true;
        }
        if (s.start > 0) {
            std::memmove(s.buffer.get(), s.buffer.get() + s.start, s.end - s.start);
            s.end -= s.start;
            s.start = 0;
            return true;
        }
        if (s.capacity >= options_.max_head_bytes + 64) {
            return false;
        }
        const std::size_t grown = std::min(s.capacity * 2, options_.max_head_bytes + 64);
        auto bigger = std::make_unique<char[]>(grown);
        std::memcpy(bigger.get(), s.buffer.get(), s.end);
        s.buffer = std::move(bigger);
        s.capacity = grown;
        return true;
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
        if (!kind.empty()) {
            if (kind == "protocol error") {
                ctx->fail(kind, s.parser.error() != nullptr ? s.parser.error() : "malformed response");
            } else {
                ctx->fail(kind, error ? error.message() : std::string());
            }
        } else if (r.status >= 400) {
            std::snprintf(s.status_text, sizeof s.status_text, "http %d", r.status);
            ctx->fail(s.status_text, r.reason);
        }
    }

    // Sends the request on the slot's connection (connecting first if needed) and reads the
    // response; the outcome goes to s.response (and to ctx's failure when ctx is given).
    task<void> exchange(slot& s, op_context* ctx) {
        s.response = http_response{};
        if (options_.keep_body) {
            s.body.clear();
        }
        for (int attempt = 0;; ++attempt) {
            if (!s.socket) {
                const std::error_code failed = co_await connect(s);
                if (failed) {
                    settle(s, ctx, failed, kind_of(failed, true));
                    co_return;
                }
            }
            const bool reused = s.requests > 0;
            s.response.reused = reused;
            ++s.requests;
            // Send: a small request goes out in one non-blocking send, with no handler; the rest (a
            // full socket buffer, a large body) through async_write.
            std::error_code error;
            std::size_t sent = s.socket->write_some(asio::buffer(request_), error);
            if (error == asio::error::would_block || error == asio::error::try_again) {
                error.clear();
                sent = 0;
            }
            if (!error && sent < request_.size()) {
                auto [write_error, written] = co_await asio::async_write(
                    *s.socket, asio::buffer(request_.data() + sent, request_.size() - sent),
                    use_task_nothrow);
                static_cast<void>(written);
                error = write_error;
            }
            s.parser.reset(head_request_);
            bool got_bytes = false;
            while (!error) {
                if (s.start < s.end) {
                    got_bytes = true;
                    const std::size_t used =
                        options_.keep_body
                            ? s.parser.parse(s.buffer.get() + s.start, s.end - s.start,
                                             [&](const char* p, std::size_t n) { s.body.append(p, n); })
                            : s.parser.parse(s.buffer.get() + s.start, s.end - s.start);
                    s.start += used;
                    if (s.start == s.end) {
                        s.start = s.end = 0;
                    }
                    if (s.parser.done() || s.parser.failed()) {
                        break;
                    }
                }
                if (!make_room(s)) {
                    settle(s, ctx, {}, "protocol error");
                    co_return;
                }
                auto [read_error, n] = co_await s.socket->async_read_some(
                    asio::buffer(s.buffer.get() + s.end, s.capacity - s.end), use_task_nothrow);
                if (read_error == asio::error::eof) {
                    s.parser.finish_at_eof();
                    if (s.parser.done()) {
                        break;
                    }
                }
                error = read_error;
                s.end += n;
            }
            if (error == asio::error::operation_aborted) {
                close(s);
                throw operation_cancelled{};
            }
            if (error && reused && !got_bytes && attempt == 0 && options_.retry_stale &&
                (error == asio::error::eof || error == asio::error::connection_reset ||
                 error == asio::error::broken_pipe)) {
                retries_.fetch_add(1, std::memory_order_relaxed);
                close(s);
                continue;
            }
            if (error) {
                settle(s, ctx, error, kind_of(error, false));
                co_return;
            }
            if (s.parser.failed()) {
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
    detail::http_url parsed_;
    std::string request_;
    bool head_request_ = false;
    std::vector<asio::ip::tcp::endpoint> endpoints_;
    std::unique_ptr<slot[]> slots_;
    std::atomic<std::uint64_t> connects_{0};
    std::atomic<std::uint64_t> retries_{0};
};

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_ASIO_HTTP_CLIENT_HPP
