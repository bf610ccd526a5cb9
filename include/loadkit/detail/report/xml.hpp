// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// XML 1.0 escaping for reporters that write XML (JUnit, SVG/HTML). Any byte string becomes
// well-formed character data: & < > (and " ' in attributes) as entities; in attributes also tab,
// newline and carriage return as character references, since attribute-value normalisation would
// otherwise turn them into spaces (XML 1.0 section 3.3.3); characters XML 1.0 does not allow
// (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF, lone surrogates) and invalid UTF-8 become
// U+FFFD; other non-ASCII text passes through as UTF-8. The HTML report escapes with the same code
// but shows control characters instead (xml_escape_mode::visible).
#ifndef LOADKIT_DETAIL_REPORT_XML_HPP
#define LOADKIT_DETAIL_REPORT_XML_HPP

#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
constexpr bool xml_char_allowed(char32_t cp) noexcept {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

enum class xml_escape_mode : std::uint8_t {
    text,      // character data: quotes, tab and newline as they are
    attribute, // an attribute value: quotes as entities, tab, newline and CR as references
    visible,   // the HTML report: quotes as entities (' as &#39;, which HTML 4 also knows); tab,
               // newline, CR, other C0 controls and DEL as C escapes (\t, \n, \x01), so a tag
               // named "a\nb" reads as such and a message keeps its line breaks visible in a cell
};

inline std::string xml_escape(std::string_view text, xml_escape_mode mode) {
    const bool attribute = mode == xml_escape_mode::attribute;
    const bool visible = mode == xml_escape_mode::visible;
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
            out += mode == xml_escape_mode::text ? "\"" : "&quot;";
            continue;
        case '\'':
            out += visible ? "&#39;" : (attribute ? "&apos;" : "'");
            continue;
        case '\t':
            out += visible ? "\\t" : (attribute ? "&#9;" : "\t");
            continue;
        case '\n':
            out += visible ? "\\n" : (attribute ? "&#10;" : "\n");
            continue;
        case '\r':
            out += visible ? "\\r" : "&#13;"; // a raw CR in content is read as a line end
            continue;
        default:
            break;
        }
        if (visible && (cp < 0x20 || cp == 0x7F)) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(cp));
            out += hex;
        } else if (xml_char_allowed(cp) && cp != 0xFFFD) {
            out.append(text.substr(start, i - start));
        } else {
            // Invalid UTF-8 decodes one byte at a time; a non-character (U+FFFE) is one U+FFFD in
            // XML, one per byte in the HTML report, whose escaping always counted it as bad bytes.
            const std::size_t n = visible && cp != 0xFFFD ? i - start : 1;
            for (std::size_t k = 0; k < n; ++k) {
                out += "\xEF\xBF\xBD";
            }
        }
    }
    return out;
}

inline std::string xml_text(std::string_view text) { return xml_escape(text, xml_escape_mode::text); }
inline std::string xml_attribute(std::string_view text) {
    return xml_escape(text, xml_escape_mode::attribute);
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_XML_HPP
