// SPDX-License-Identifier: MIT
// The body of parse_http_url (declared in http/url.hpp): run once per client or command line.
#ifndef LOADKIT_IMPL_HTTP_URL_IPP
#define LOADKIT_IMPL_HTTP_URL_IPP

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL http_url parse_http_url(std::string_view url, const char* field) {
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

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_HTTP_URL_IPP
