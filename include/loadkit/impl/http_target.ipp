// SPDX-License-Identifier: MIT
// The HTTP target server's body (declared in http/target.hpp): option checks, the canned
// responses, the accept loop and one task per connection on the target's own io_context thread.
#ifndef LOADKIT_IMPL_HTTP_TARGET_IPP
#define LOADKIT_IMPL_HTTP_TARGET_IPP

#include <loadkit/asio/executor.hpp>
#include <loadkit/asio/use_task.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/detail/http/parser.hpp>
#include <loadkit/detail/runtime/detached_task.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/task.hpp>

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

namespace detail {
[[noreturn]] inline void throw_target_option(const char* field, const std::string& value,
                                             const char* expected) {
    throw std::invalid_argument(std::string("loadkit::http_target_options: ") + field + " = " + value +
                                " (expected " + expected + ")");
}
inline const char* http_reason(int status) noexcept {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 408:
        return "Request Timeout";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}
} // namespace detail

LOADKIT_DECL http_target::http_target(http_target_options options)
    : options_(std::move(options)), random_(options_.seed) {
    validate();
    double total = 0.0;
    for (const auto& s : options_.statuses) {
        total += s.share;
        cumulative_.push_back({s.status, total});
    }
    responses_.push_back(build(200, false));
    responses_.push_back(build(200, true));
    for (const auto& s : options_.statuses) {
        responses_.push_back(build(s.status, false));
        responses_.push_back(build(s.status, true));
    }
    acceptor_.open(endpoint().protocol());
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint());
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    start_ = clock::now();
    spawn(accept_loop());
    thread_ = std::thread([this] { ex_.run(); });
}
LOADKIT_DECL std::string http_target::url(std::string_view path) const {
    return "http://" + options_.address + ":" + std::to_string(port_) + std::string(path);
}
LOADKIT_DECL void http_target::stop() {
    if (!thread_.joinable()) {
        return;
    }
    asio::post(io_, [this] {
        stopping_ = true;
        stop_.request_stop(); // ends the tasks' sleeps and pending reads
        std::error_code ignored;
        acceptor_.close(ignored);
        for (auto& socket : sockets_) {
            socket.close(ignored);
        }
    });
    {
        std::unique_lock lock(mutex_);
        ended_.wait(lock, [&] { return live_ == 0; });
    }
    guard_.reset();
    io_.stop();
    thread_.join();
}

LOADKIT_DECL void http_target::validate() const {
    if (options_.latency < std::chrono::nanoseconds::zero()) {
        detail::throw_target_option("latency", std::to_string(options_.latency.count()) + "ns", ">= 0");
    }
    if (options_.latency_jitter < std::chrono::nanoseconds::zero()) {
        detail::throw_target_option("latency_jitter", std::to_string(options_.latency_jitter.count()) + "ns",
                                    ">= 0");
    }
    double total = 0.0;
    for (std::size_t i = 0; i < options_.statuses.size(); ++i) {
        const auto& s = options_.statuses[i];
        const std::string at = "statuses[" + std::to_string(i) + "]";
        if (s.status < 200 || s.status > 599 || s.status == 204 || s.status == 304) {
            detail::throw_target_option((at + ".status").c_str(), std::to_string(s.status),
                                        "200 .. 599, with a body (not 204 or 304)");
        }
        if (!(s.share >= 0.0 && s.share <= 1.0)) {
            detail::throw_target_option((at + ".share").c_str(), std::to_string(s.share), "0 .. 1");
        }
        total += s.share;
    }
    if (total > 1.0 + 1e-9) {
        detail::throw_target_option("statuses", "shares summing to " + std::to_string(total), "a sum <= 1");
    }
    if (options_.body_bytes > 64 * 1024 * 1024) {
        detail::throw_target_option("body_bytes", std::to_string(options_.body_bytes), "<= 64 MiB");
    }
    if (options_.stall < std::chrono::nanoseconds::zero() ||
        (options_.stall > std::chrono::nanoseconds::zero() && options_.stall >= options_.stall_every)) {
        detail::throw_target_option("stall", std::to_string(options_.stall.count()) + "ns",
                                    ">= 0 and < stall_every");
    }
}

LOADKIT_DECL asio::ip::tcp::endpoint http_target::endpoint() const {
    std::error_code error;
    const asio::ip::address address = asio::ip::make_address(options_.address, error);
    if (error) {
        detail::throw_target_option("address", "\"" + options_.address + "\"", "an IP address");
    }
    return {address, options_.port};
}

LOADKIT_DECL std::string http_target::build(int status, bool close) const {
    std::string body;
    body.reserve(options_.body_bytes);
    static constexpr std::string_view hello = "Hello, world!";
    while (body.size() < options_.body_bytes) {
        body.append(hello.substr(0, std::min(hello.size(), options_.body_bytes - body.size())));
    }
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + detail::http_reason(status) +
                      "\r\nServer: loadkit-http-target\r\nContent-Type: text/plain\r\n";
    if (close) {
        out += "Connection: close\r\n";
    }
    if (options_.chunked) {
        const std::size_t half = body.size() / 2;
        char line[32];
        out += "Transfer-Encoding: chunked\r\n\r\n";
        for (std::string_view part :
             {std::string_view(body).substr(0, half), std::string_view(body).substr(half)}) {
            if (!part.empty()) {
                std::snprintf(line, sizeof line, "%zx\r\n", part.size());
                out.append(line).append(part).append("\r\n");
            }
        }
        out += "0\r\n\r\n";
    } else {
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    return out;
}

LOADKIT_DECL std::size_t http_target::pick(bool close) {
    std::size_t index = 0;
    if (!cumulative_.empty()) {
        const double x = random_.next_double();
        for (std::size_t i = 0; i < cumulative_.size(); ++i) {
            if (x < cumulative_[i].second) {
                index = 2 * (i + 1);
                break;
            }
        }
    }
    return index + (close ? 1 : 0);
}

LOADKIT_DECL clock::time_point http_target::due(clock::time_point now) {
    clock::time_point at = now + options_.latency;
    if (options_.latency_jitter.count() > 0) {
        at += random_.between(std::chrono::nanoseconds::zero(), options_.latency_jitter);
    }
    if (options_.stall.count() > 0) {
        const auto period = options_.stall_every;
        const auto into = (at - start_) % period;
        if (into >= period - options_.stall) {
            at += period - into; // the stall's end
        }
    }
    return at;
}

// A named type, not a lambda: the coroutine frame that holds it is instantiated from a
// non-inline function in separate compilation, where a lambda's type would have no linkage.
struct http_target::task_ended {
    http_target* self;
    void operator()(std::exception_ptr, bool) const {
        const std::lock_guard lock(self->mutex_);
        if (--self->live_ == 0) {
            self->ended_.notify_all();
        }
    }
};

LOADKIT_DECL void http_target::spawn(task<void> work) {
    {
        const std::lock_guard lock(mutex_);
        ++live_;
    }
    detail::detached_task t = detail::run_detached(std::move(work), task_ended{this});
    t.handle.promise().stop_token_ = &stop_token_;
    ex_.post(t.handle);
}

LOADKIT_DECL task<void> http_target::accept_loop() {
    for (;;) {
        asio::ip::tcp::socket socket(io_);
        const std::error_code error = co_await acceptor_.async_accept(socket, use_task_nothrow);
        if (stopping_ || error == asio::error::operation_aborted || error == asio::error::bad_descriptor) {
            co_return;
        }
        if (error) {
            continue; // e.g. out of file descriptors: the client sees its connect fail
        }
        accepted_.fetch_add(1, std::memory_order_relaxed);
        sockets_.push_back(std::move(socket));
        spawn(serve(std::prev(sockets_.end())));
    }
}

LOADKIT_DECL task<void> http_target::serve(std::list<asio::ip::tcp::socket>::iterator at) {
    asio::ip::tcp::socket& socket = *at;
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    std::string buffer(4096, '\0');
    std::size_t start = 0;
    std::size_t end = 0;
    std::uint64_t answered = 0;
    bool open = true;
    while (open && !stopping_) {
        // Every complete request in the buffer, in order.
        for (;;) {
            const std::string_view pending(buffer.data() + start, end - start);
            const std::size_t head_end = pending.find("\r\n\r\n");
            if (head_end == std::string_view::npos) {
                break;
            }
            const std::uint64_t length = request_body_length(pending.substr(0, head_end + 2));
            if (head_end + 4 + length > pending.size()) {
                break; // the body is still coming
            }
            const bool client_close = wants_close(pending.substr(0, head_end + 2));
            start += head_end + 4 + length;
            const std::uint64_t n = requests_.fetch_add(1, std::memory_order_relaxed) + 1;
            if (options_.reset_every != 0 && n % options_.reset_every == 0) {
                socket.set_option(asio::socket_base::linger(true, 0), ignored); // close sends RST
                open = false;
                break;
            }
            const clock::time_point now = clock::now();
            const clock::time_point at_time = due(now);
            const bool close =
                client_close || (options_.close_after != 0 && answered + 1 >= options_.close_after);
            const std::string& response = responses_[pick(close)];
            if (at_time > now) {
                try {
                    co_await sleep_until(at_time);
                } catch (const operation_cancelled&) {
                    open = false; // stopping
                    break;
                }
            }
            auto [error, written] =
                co_await asio::async_write(socket, asio::buffer(response), use_task_nothrow);
            static_cast<void>(written);
            ++answered;
            if (error || close) {
                open = false;
                break;
            }
        }
        if (!open || stopping_) {
            break;
        }
        if (start == end) {
            start = end = 0;
        } else if (end == buffer.size()) {
            if (start == 0) {
                if (buffer.size() >= 1024 * 1024) {
                    break; // a request head past 1 MiB: drop the connection
                }
                buffer.resize(buffer.size() * 2);
            } else {
                buffer.erase(0, start);
                end -= start;
                start = 0;
                buffer.resize(buffer.capacity());
            }
        }
        auto [error, n] = co_await socket.async_read_some(
            asio::buffer(buffer.data() + end, buffer.size() - end), use_task_nothrow);
        if (error) {
            break;
        }
        end += n;
    }
    socket.close(ignored);
    sockets_.erase(at);
}

LOADKIT_DECL std::uint64_t http_target::request_body_length(std::string_view head) noexcept {
    std::uint64_t length = 0;
    while (!head.empty()) {
        const std::size_t eol = head.find("\r\n");
        const std::string_view line = head.substr(0, eol);
        head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos &&
            detail::ascii_iequal(line.substr(0, colon), "content-length")) {
            for (char c : line.substr(colon + 1)) {
                if (c >= '0' && c <= '9') {
                    length = length * 10 + static_cast<std::uint64_t>(c - '0');
                }
            }
        }
    }
    return length;
}
LOADKIT_DECL bool http_target::wants_close(std::string_view head) noexcept {
    const bool http10 = head.find(" HTTP/1.0\r\n") != std::string_view::npos;
    bool close = http10;
    while (!head.empty()) {
        const std::size_t eol = head.find("\r\n");
        const std::string_view line = head.substr(0, eol);
        head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && detail::ascii_iequal(line.substr(0, colon), "connection")) {
            const std::string_view value = line.substr(colon + 1);
            if (detail::header_has_token(value, "close")) {
                close = true;
            } else if (detail::header_has_token(value, "keep-alive")) {
                close = false;
            }
        }
    }
    return close;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_HTTP_TARGET_IPP
