// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// HTTP/1.1 pieces with no I/O in them (RFC 9112): a request's bytes, and an incremental response
// parser that a client feeds from its read buffer (the URL is http/url.hpp's). The parser stores
// nothing but a few integers: it reads the status line and the headers it needs (Content-Length,
// Transfer-Encoding, Connection) in place, then counts the body through (Content-Length, chunked,
// or until the connection closes) — a keep-alive client reuses one buffer per connection and
// allocates nothing per response. Used by the Asio HTTP client (http/client.hpp) and the target
// (http/target.hpp). The body loop is inline (it runs per read); the head and chunk-size lines
// are parsed in impl/http.ipp.
#ifndef LOADKIT_DETAIL_HTTP_PARSER_HPP
#define LOADKIT_DETAIL_HTTP_PARSER_HPP

#include <loadkit/config.hpp>
#include <loadkit/http/url.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// The bytes of one request. Host carries the port unless it is 80; a body gets its
// Content-Length; the caller's headers come last (a Host or Connection of theirs replaces ours).
LOADKIT_DECL std::string build_http_request(const http_url& url, std::string_view method,
                                            const std::vector<std::pair<std::string, std::string>>& headers,
                                            std::string_view body);

inline bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if ((a[i] | 0x20) != (b[i] | 0x20)) {
            return false;
        }
    }
    return true;
}
// Whether a comma-separated header value lists `token` (case-insensitive).
LOADKIT_DECL bool header_has_token(std::string_view value, std::string_view token) noexcept;

// Feed it what arrived; it consumes what it can. The caller keeps unconsumed bytes (an incomplete
// head or chunk-size line) at the front of its buffer and appends what arrives next.
class http_response_parser {
public:
    enum class state : std::uint8_t {
        head,
        body_length,
        chunk_size,
        chunk_data,
        chunk_end,
        trailers,
        until_eof,
        done,
        failed
    };

    explicit http_response_parser(std::size_t max_head = 64 * 1024) noexcept : max_head_(max_head) {}

    void reset(bool head_request = false) noexcept {
        state_ = state::head;
        head_request_ = head_request;
        status_ = 0;
        keep_alive_ = true;
        remaining_ = 0;
        body_bytes_ = 0;
        reason_ = {};
        error_ = nullptr;
    }

    // Parses data[0, size) and returns how many bytes it consumed. `on_body(const char*, size)`
    // sees each piece of the body (after de-chunking).
    template <class OnBody> std::size_t parse(const char* data, std::size_t size, OnBody&& on_body) {
        std::size_t at = 0;
        while (at < size) {
            const char* p = data + at;
            const std::size_t n = size - at;
            switch (state_) {
            case state::head: {
                const std::size_t used = parse_head(p, n);
                if (used == 0) {
                    return at;
                }
                at += used;
                break;
            }
            case state::body_length:
            case state::chunk_data:
            case state::until_eof: {
                const std::size_t take =
                    state_ == state::until_eof
                        ? n
                        : static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, n));
                on_body(p, take);
                body_bytes_ += take;
                at += take;
                if (state_ != state::until_eof) {
                    remaining_ -= take;
                    if (remaining_ == 0) {
                        state_ = state_ == state::body_length ? state::done : state::chunk_end;
                    }
                }
                break;
            }
            case state::chunk_size: {
                const std::size_t used = parse_chunk_size(p, n);
                if (used == 0) {
                    return at;
                }
                at += used;
                break;
            }
            case state::chunk_end:
                if (n < 2) {
                    return at;
                }
                if (p[0] != '\r' || p[1] != '\n') {
                    fail("no CRLF after a chunk");
                    return at;
                }
                at += 2;
                state_ = state::chunk_size;
                break;
            case state::trailers: {
                const std::size_t used = parse_trailer_line(p, n);
                if (used == 0) {
                    return at;
                }
                at += used;
                break;
            }
            case state::done:
            case state::failed:
                return at;
            }
        }
        return at;
    }
    std::size_t parse(const char* data, std::size_t size) {
        return parse(data, size, [](const char*, std::size_t) {});
    }

    // The connection closed: a body delimited by the close is complete; anything else is cut short.
    void finish_at_eof() noexcept {
        if (state_ == state::until_eof) {
            state_ = state::done;
        } else if (state_ != state::done) {
            fail(state_ == state::head && status_ == 0 ? "connection closed before a response"
                                                       : "connection closed inside a response");
        }
    }

    [[nodiscard]] state current() const noexcept { return state_; }
    [[nodiscard]] bool done() const noexcept { return state_ == state::done; }
    [[nodiscard]] bool failed() const noexcept { return state_ == state::failed; }
    [[nodiscard]] const char* error() const noexcept { return error_; }
    // Whether the head has been read (status() and keep_alive() are known).
    [[nodiscard]] bool has_head() const noexcept { return status_ != 0 && state_ != state::head; }
    [[nodiscard]] int status() const noexcept { return status_; }
    // The reason phrase; points into the buffer the head was parsed from (valid while it is).
    [[nodiscard]] std::string_view reason() const noexcept { return reason_; }
    [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
    [[nodiscard]] std::uint64_t body_bytes() const noexcept { return body_bytes_; }

private:
    void fail(const char* why) noexcept {
        state_ = state::failed;
        error_ = why;
    }

    static const char* find_crlf(const char* p, std::size_t n) noexcept;
    static constexpr std::size_t max_chunk_line = 1024; // a chunk size and its extensions

    // The status line and the headers, once all of them are in: bytes consumed, or 0 for more.
    std::size_t parse_head(const char* p, std::size_t n);
    std::size_t parse_chunk_size(const char* p, std::size_t n);
    std::size_t parse_trailer_line(const char* p, std::size_t n);

    std::size_t max_head_;
    std::uint64_t remaining_ = 0;
    std::uint64_t body_bytes_ = 0;
    std::string_view reason_{};
    const char* error_ = nullptr;
    int status_ = 0;
    state state_ = state::head;
    bool head_request_ = false;
    bool keep_alive_ = true;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_ASIO_IMPLEMENTATION)
#include <loadkit/impl/http.ipp>
#endif

#endif // LOADKIT_DETAIL_HTTP_PARSER_HPP
