// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// XML 1.0 escaping for reporters that write XML (JUnit, SVG/HTML). Any byte string becomes
// well-formed character data: & < > (and " ' in attributes) as entities; in attributes also tab,
// newline and carriage return as character references, since attribute-value normalisation would
// otherwise turn them into spaces (XML 1.0 section 3.3.3); characters XML 1.0 does not allow
// (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF, lone surrogates) and invalid UTF-8 become
// U+FFFD; other non-ASCII text passes through as UTF-8.
#ifndef LOADKIT_DETAIL_FORMAT_XML_HPP
#define LOADKIT_DETAIL_FORMAT_XML_HPP

#include <loadkit/detail/console_text.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0 {
namespace detail {

// XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
constexpr bool xml_char_allowed(char32_t cp) noexcept {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

inline std::string xml_escape(std::string_view text, bool attribute) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t start = i;
        const char32_t cp = utf8_next(text, i);
        switch (cp) {
        case '&':
            out += "&amp;";
            continue;
        case '<':
            out += "&lt;";
            continue;
        case '>':
            out += "&gt;";
            continue;
        case '"':
            out += attribute ? "&quot;" : "\"";
            continue;
        case '\'':
            out += attribute ? "&apos;" : "'";
            continue;
        case '\t':
            out += attribute ? "&#9;" : "\t";
            continue;
        case '\n':
            out += attribute ? "&#10;" : "\n";
            continue;
        case '\r':
            out += "&#13;"; // a raw CR in content is read as a line end
            continue;
        default:
            break;
        }
        if (!xml_char_allowed(cp) || cp == 0xFFFD) {
            out += "\xEF\xBF\xBD"; // also for invalid UTF-8, which decodes as U+FFFD
        } else {
            out.append(text.substr(start, i - start));
        }
    }
    return out;
}

inline std::string xml_text(std::string_view text) { return xml_escape(text, false); }
inline std::string xml_attribute(std::string_view text) { return xml_escape(text, true); }

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_FORMAT_XML_HPP
