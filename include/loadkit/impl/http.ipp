// SPDX-License-Identifier: MIT
// The HTTP/1.1 wire format's cold half (declared in detail/http/parser.hpp): a request's bytes,
// built once per client, and the response parser's head and chunk-line parsing, once per response
// (the body bytes are counted through inline, in http_response_parser::parse).
#ifndef LOADKIT_IMPL_HTTP_IPP
#define LOADKIT_IMPL_HTTP_IPP

#include <loadkit/http/url.hpp>

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

// Whether a comma-separated header value lists `token` (case-insensitive).
LOADKIT_DECL bool header_has_token(std::string_view value, std::string_view token) noexcept {
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

LOADKIT_DECL const char* http_response_parser::find_crlf(const char* p, std::size_t n) noexcept {
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
LOADKIT_DECL std::size_t http_response_parser::parse_head(const char* p, std::size_t n) {
    const std::string_view all(p, n);
    const std::size_t end = all.find("\r\n\r\n");
    // The bound holds for the head itself, not for what one read brought: a head that arrives in
    // one read fails as it would have in small reads (end + 3 > max_head is what an incomplete
    // buffer of more than max_head bytes implies), so a verdict never depends on segmentation.
    if (end == std::string_view::npos ? n > max_head_ : end + 3 > max_head_) {
        fail("response head too large");
        return end == std::string_view::npos ? 0 : end + 4;
    }
    if (end == std::string_view::npos) {
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
    if (head_request_ || status == 204 || status == 304 || status == 101 || (status >= 100 && status < 200)) {
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

LOADKIT_DECL std::size_t http_response_parser::parse_chunk_size(const char* p, std::size_t n) {
    const char* eol = find_crlf(p, n);
    // As for the head: a complete line is held to the bound an incomplete one would have met.
    if (eol == nullptr ? n > max_chunk_line : static_cast<std::size_t>(eol - p) + 1 > max_chunk_line) {
        fail("chunk-size line too long");
        return eol == nullptr ? 0 : static_cast<std::size_t>(eol - p) + 2;
    }
    if (eol == nullptr) {
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

LOADKIT_DECL std::size_t http_response_parser::parse_trailer_line(const char* p, std::size_t n) {
    const char* eol = find_crlf(p, n);
    if (eol == nullptr ? n > max_head_ : static_cast<std::size_t>(eol - p) + 1 > max_head_) {
        fail("trailers too large");
        return eol == nullptr ? 0 : static_cast<std::size_t>(eol - p) + 2;
    }
    if (eol == nullptr) {
        return 0;
    }
    if (eol == p) {
        state_ = state::done;
    }
    return static_cast<std::size_t>(eol - p) + 2;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_HTTP_IPP
