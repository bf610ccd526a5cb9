// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// loadkit::parse_http_url — an http:// URL in its parts, as http_client reads its options' url:
//
//   const loadkit::http_url u = loadkit::parse_http_url("http://127.0.0.1:8080/a?b=1", "--url");
//   // u.host == "127.0.0.1", u.port == 8080, u.target == "/a?b=1"
//
// Plain http:// only (no https, no user info), as the client speaks plain TCP; an error names the
// field it came from, so a command line or an options struct reports its own name.
#ifndef LOADKIT_HTTP_URL_HPP
#define LOADKIT_HTTP_URL_HPP

#include <loadkit/config.hpp>
#include <loadkit/version.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

struct http_url {
    std::string host;
    std::uint16_t port = 80;
    std::string target = "/"; // path and query
};

// "http://host[:port][/path][?query]"; an IPv6 host in brackets. Throws std::invalid_argument
// naming `field`: `<field> = "<url>" (expected ...)`.
LOADKIT_DECL http_url parse_http_url(std::string_view url, const char* field = "url");

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_ASIO_IMPLEMENTATION)
#include <loadkit/impl/http_url.ipp>
#endif

#endif // LOADKIT_HTTP_URL_HPP
