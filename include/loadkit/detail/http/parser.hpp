// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// HTTP/1.1 pieces with no I/O in them (RFC 9112): an http:// URL, a request's bytes, and an
// incremental response parser that a client feeds from its read buffer. The parser stores nothing
// but a few integers: it reads the status line and the headers it needs (Content-Length,
// Transfer-Encoding, Connection) in place, then counts the body through (Content-Length, chunked,
// or until the connection closes) — a keep-alive client reuses one buffer per connection and
// allocates nothing per response. Used by the Asio HTTP client (detail/http/client.hpp).
#ifndef LOADKIT_DETAIL_HTTP_PARSER_HPP
#define LOADKIT_DETAIL_HTTP_PARSER_HPP

#include <loadkit/version.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {
namespace detail {

struct http_url {
    std::string host;
    std::uint16_t port = 80;
    std::string target = "/"; // path and query
};

// "http://host[:port][/path]" (no https, no user info). Throws std::invalid_argument naming `field`.
inline http_url parse_http_url(std::string_view url, const char* field) {
    const auto bad = [&](const char* expected) {
        throw std::invalid_argument(std::string(field) + " = \"" + std::string(url) + "\" (expected " +
                                    expected + ")");
    };
    std::string_view rest = url;
    if (rest.substr(0, 7) != "http://") {
        bad(rest.substr(0, 8) == "https://" ? "http://...: https is not supported"
                                            : "http://host[:port][/path]");
    }
    rest.remove_prefix(7);
    const std::size_t slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    http_url out;
    out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (!out.target.empty() && out.target.front() == '?') {
        out.target.insert(out.target.begin(), '/');
    }
    if (authority.empty() || authority.find('@') != std::string_view::npos) {
        bad("http://host[:port][/path]");
    }
    std::string_view host = authority;
    if (authority.front() == '[') { // [::1]:8080
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            bad("a closing ] after an IPv6 address");
        }
        host = authority.substr(1, close - 1);
        authority.remove_prefix(close + 1);
        if (!authority.empty() && authority.front() != ':') {
            bad("http://[address]:port/path");
        }
    } else {
        const std::size_t colon = authority.rfind(':');
        host = authority.substr(0, colon);
        authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    }
    if (!authority.empty()) { // ":port"
        unsigned long port = 0;
        if (authority.size() < 2 || authority.size() > 6) {
            bad("a port 1 .. 65535");
        }
        for (char c : authority.substr(1)) {
            if (c < '0' || c > '9') {
                bad("a port 1 .. 65535");
            }
            port = port * 10 + static_cast<unsigned long>(c - '0');
        }
        if (port == 0 || port > 65535) {
            bad("a port 1 .. 65535");
        }
        out.port = static_cast<std::uint16_t>(port);
    }
    if (host.empty()) {
        bad("a host name");
    }
    out.host = std::string(host);
    return out;
}

// The bytes of one request. Host carries the port unless it is 80; a body gets its
// Content-Length; the caller's headers come last (a Host or Connection of theirs replaces ours).
inline std::string build_http_request(const http_url& url, std::string_view method,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      std::string_view body) {
    const auto has = [&](std::string_view name) {
        return std::any_of(headers.begin(), headers.end(), [&](const auto& h) {
            return h.first.size() == name.size() &&
                   std::equal(name.begin(), name.end(), h.first.begin(),
                              [](char a, char b) { return (a | 0x20) == (b | 0x20); });
        });
    };
    std::string out;
    out.reserve(64 + url.target.size() + url.host.size() + body.size());
    out.append(method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
    if (!has("host")) {
        const bool v6 = url.host.find(':') != std::string::npos;
        out.append("Host: ").append(v6 ? "[" : "").append(url.host).append(v6 ? "]" : "");
        if (url.port != 80) {
            out.append(":").append(std::to_string(url.port));
        }
        out.append("\r\n");
    }
    for (const auto& [name, value] : headers) {
        out.append(name).append(": ").append(value).append("\r\n");
    }
    if (!body.empty() && !has("content-length")) {
        out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    out.append("\r\n").append(body);
    return out;
}

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
inline bool header_has_token(std::string_view value, std::string_view token) noexcept {
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        std::string_view item = value.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (ascii_iequal(item, token)) {
            return true;
        }
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    }
    return false;
}

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

    static const char* find_crlf(const char* p, std::size_t n) noexcept {
        const char* end = p + n;
        for (const char* q = p; q + 1 < end; ++q) {
            q = static_cast<const char*>(
                std::char_traits<char>::find(q, static_cast<std::size_t>(end - 1 - q), '\r'));
            if (q == nullptr) {
                return nullptr;
            }
            if (q[1] == '\n') {
                return q;
            }
        }
        return nullptr;
    }

    // The status line and the headers, once all of them are in: bytes consumed, or 0 for more.
    std::size_t parse_head(const char* p, std::size_t n) {
        const std::string_view all(p, n);
        const std::size_t end = all.find("\r\n\r\n");
        if (end == std::string_view::npos) {
            if (n > max_head_) {
                fail("response head too large");
            }
            return 0;
        }
        const std::size_t used = end + 4;
        std::string_view head = all.substr(0, end + 2); // each line with its CRLF
        const std::size_t line_end = head.find("\r\n");
        const std::string_view line = head.substr(0, line_end);
        // HTTP/1.x SSS reason
        if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' || line[7] < '0' ||
            line[7] > '9') {
            fail("malformed status line");
            return used;
        }
        const bool http10 = line[7] == '0';
        int status = 0;
        for (std::size_t i = 9; i < 12; ++i) {
            if (line[i] < '0' || line[i] > '9') {
                fail("malformed status code");
                return used;
            }
            status = status * 10 + (line[i] - '0');
        }
        if (line.size() > 12 && line[12] != ' ') {
            fail("malformed status line");
            return used;
        }
        status_ = status;
        reason_ = line.size() > 13 ? line.substr(13) : std::string_view{};
        keep_alive_ = !http10;
        bool chunked = false;
        bool has_length = false;
        std::uint64_t length = 0;
        head.remove_prefix(line_end + 2);
        while (!head.empty()) {
            const std::size_t eol = head.find("\r\n");
            std::string_view h = head.substr(0, eol);
            head.remove_prefix(eol + 2);
            const std::size_t colon = h.find(':');
            if (colon == std::string_view::npos || colon == 0) {
                fail("malformed header line");
                return used;
            }
            const std::string_view name = h.substr(0, colon);
            std::string_view value = h.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
                value.remove_prefix(1);
            }
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
                value.remove_suffix(1);
            }
            if (ascii_iequal(name, "content-length")) {
                std::uint64_t v = 0;
                if (value.empty() || value.size() > 18) {
                    fail("bad Content-Length");
                    return used;
                }
                for (char c : value) {
                    if (c < '0' || c > '9') {
                        fail("bad Content-Length");
                        return used;
                    }
                    v = v * 10 + static_cast<std::uint64_t>(c - '0');
                }
                if (has_length && v != length) {
                    fail("conflicting Content-Length headers");
                    return used;
                }
                has_length = true;
                length = v;
            } else if (ascii_iequal(name, "transfer-encoding")) {
                chunked = header_has_token(value, "chunked");
            } else if (ascii_iequal(name, "connection")) {
                if (header_has_token(value, "close")) {
                    keep_alive_ = false;
                } else if (header_has_token(value, "keep-alive")) {
                    keep_alive_ = true;
                }
            }
        }
        if (status >= 100 && status < 200 && status != 101) {
            status_ = 0; // an interim response (100 Continue): the real one follows
            reason_ = {};
            return used;
        }
        if (head_request_ || status == 204 || status == 304 || status == 101 ||
            (status >= 100 && status < 200)) {
            state_ = state::done;
        } else if (chunked) {
            state_ = state::chunk_size; // RFC 9112 6.3: chunked wins over Content-Length
        } else if (has_length) {
            remaining_ = length;
            state_ = length == 0 ? state::done : state::body_length;
        } else {
            state_ = state::until_eof;
            keep_alive_ = false; // the close delimits the body
        }
        return used;
    }

    std::size_t parse_chunk_size(const char* p, std::size_t n) {
        const char* eol = find_crlf(p, n);
        if (eol == nullptr) {
            if (n > 1024) {
                fail("chunk-size line too long");
            }
            return 0;
        }
        std::uint64_t size = 0;
        const char* q = p;
        int digits = 0;
        for (; q < eol; ++q) {
            const char c = *q;
            int v = -1;
            if (c >= '0' && c <= '9') {
                v = c - '0';
            } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
                v = (c | 0x20) - 'a' + 10;
            } else {
                break;
            }
            if (++digits > 15) {
                fail("chunk size too large");
                return static_cast<std::size_t>(eol - p) + 2;
            }
            size = size * 16 + static_cast<std::uint64_t>(v);
        }
        if (digits == 0 || (q < eol && *q != ';' && *q != ' ' && *q != '\t')) {
            fail("malformed chunk size");
            return static_cast<std::size_t>(eol - p) + 2;
        }
        remaining_ = size;
        state_ = size == 0 ? state::trailers : state::chunk_data;
        return static_cast<std::size_t>(eol - p) + 2;
    }

    std::size_t parse_trailer_line(const char* p, std::size_t n) {
        const char* eol = find_crlf(p, n);
        if (eol == nullptr) {
            if (n > max_head_) {
                fail("trailers too large");
            }
            return 0;
        }
        if (eol == p) {
            state_ = state::done;
        }
        return static_cast<std::size_t>(eol - p) + 2;
    }

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
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_HTTP_PARSER_HPP
