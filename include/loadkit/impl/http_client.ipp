// SPDX-License-Identifier: MIT
// The HTTP client's cold half (declared in http/client.hpp): option checks, name resolution and
// the request's bytes (once per client), finding a slot's loop (once per slot and executor), and
// connecting and closing a connection (once per connection, not per request).
#ifndef LOADKIT_IMPL_HTTP_CLIENT_IPP
#define LOADKIT_IMPL_HTTP_CLIENT_IPP

#include <loadkit/asio/executor.hpp>
#include <loadkit/asio/use_task.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/detail/http/client_loop.hpp>
#include <loadkit/detail/http/parser.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/http/url.hpp>
#include <loadkit/task.hpp>

#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#if defined(LOADKIT_HTTP_EPOLL)
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#endif

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL http_client::http_client(http_client_options options)
    : options_(std::move(options)),
      parsed_(parse_http_url(options_.url, "loadkit::http_client_options: url")) {
    validate();
    request_ = detail::build_http_request(parsed_, options_.method, options_.headers, options_.body);
    head_request_ = options_.method == "HEAD";
#if defined(LOADKIT_HTTP_EPOLL)
    epoll_ = options_.use_epoll;
#endif
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
    shared_ = std::make_shared<shared_state>(static_cast<std::size_t>(options_.connections));
}

LOADKIT_DECL http_client::shared_state::~shared_state() {
    for (std::size_t i = 0; i < size; ++i) {
        slot& s = slots[i];
        if (s.socket) {
            std::error_code ignored;
            s.socket->close(ignored);
        }
#if defined(LOADKIT_HTTP_EPOLL)
        detail::socket_poller::close(s.entry);
#endif
    }
}

LOADKIT_DECL void http_client::validate() const {
    const auto bad = [](const std::string& field, const std::string& value, const char* expected) {
        throw std::invalid_argument("loadkit::http_client_options: " + field + " = " + value + " (expected " +
                                    expected + ")");
    };
    if (options_.connections == 0 || options_.connections > 10'000'000) {
        bad("connections", std::to_string(options_.connections), "1 .. 10,000,000");
    }
    if (options_.method.empty() || options_.method.find_first_of(" \r\n") != std::string::npos) {
        bad("method", "\"" + options_.method + "\"", "a token such as GET");
    }
    if (options_.max_head_bytes < 256 || options_.max_head_bytes > (std::size_t{1} << 30)) {
        bad("max_head_bytes", std::to_string(options_.max_head_bytes), "256 .. 1 GiB");
    }
    if (options_.buffer_bytes < 256 || options_.buffer_bytes > options_.max_head_bytes) {
        bad("buffer_bytes", std::to_string(options_.buffer_bytes), "256 .. max_head_bytes");
    }
    if (options_.timeout < std::chrono::nanoseconds::zero()) {
        bad("timeout", std::to_string(options_.timeout.count()) + "ns", ">= 0");
    }
}

LOADKIT_DECL http_client::loop& http_client::move_home(slot& s) {
    auto* ex = dynamic_cast<asio_executor*>(current_executor());
    if (ex == nullptr) {
        throw std::logic_error("loadkit::http_client: requests must run on a loadkit::asio_executor "
                               "(run_options::executors = asio_runner::executors())");
    }
    loop* found = nullptr;
    {
        const std::lock_guard lock(shared_->mutex);
        for (auto& l : shared_->loops) {
            if (l->ex == ex) {
                found = l.get();
            }
        }
        if (found == nullptr) {
            const auto period =
                std::clamp<clock::duration>(std::chrono::duration_cast<clock::duration>(options_.timeout / 4),
                                            std::chrono::milliseconds{1}, std::chrono::milliseconds{250});
            shared_->loops.push_back(
                std::make_unique<loop>(*ex, options_.timeout, period, epoll_, std::weak_ptr<void>(shared_)));
            found = shared_->loops.back().get();
        }
    }
    if (s.home != nullptr) {
        close(s); // its socket belongs to the other loop's io_context
    }
    s.home = found;
    found->slots.push_back(&s);
    return *found;
}

LOADKIT_DECL void http_client::close(slot& s) noexcept {
    if (s.socket) {
        std::error_code ignored;
        s.socket->close(ignored);
        s.socket.reset();
    }
#if defined(LOADKIT_HTTP_EPOLL)
    detail::socket_poller::close(s.entry);
#endif
    s.start = s.end = 0;
    s.requests = 0;
}

// Connects the slot on its loop; with epoll, the socket then leaves Asio's reactor for the
// loop's epoll set. A timeout yields timed_out; the stop token throws.
LOADKIT_DECL task<std::error_code> http_client::connect(slot& s, loop& l) {
    std::error_code error = asio::error::host_not_found;
    for (const auto& endpoint : endpoints_) {
        s.socket.emplace(l.ex->context());
        error = co_await s.socket->async_connect(endpoint, use_task_nothrow);
        if (!error) {
            break;
        }
        close(s);
        if (error == asio::error::operation_aborted) {
            if (s.timed_out) {
                co_return asio::error::timed_out;
            }
            throw operation_cancelled{};
        }
    }
    if (error) {
        co_return error;
    }
    connects_.fetch_add(1, std::memory_order_relaxed);
    std::error_code ignored;
    s.socket->set_option(asio::ip::tcp::no_delay(true), ignored);
    if (!s.buffer) {
        s.capacity = options_.buffer_bytes;
        s.buffer = std::make_unique<char[]>(s.capacity);
    }
#if defined(LOADKIT_HTTP_EPOLL)
    if (l.poller) {
        const int fd = s.socket->release(error);
        s.socket.reset();
        if (error) {
            co_return error;
        }
        const int flags = ::fcntl(fd, F_GETFL, 0);
        if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            const int e = errno;
            ::close(fd);
            co_return errno_code(e);
        }
        error = l.poller->add(s.entry, fd);
        if (error) {
            detail::socket_poller::close(s.entry);
        }
        co_return error;
    }
#endif
    s.socket->non_blocking(true, ignored); // sends are tried at once, without a handler
    co_return std::error_code{};
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_HTTP_CLIENT_IPP
