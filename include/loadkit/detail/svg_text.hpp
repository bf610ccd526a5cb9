// SPDX-License-Identifier: MIT
//
// Text for the HTML report and its SVG charts (report/html.hpp): XML escaping that keeps the file
// well-formed whatever a tag or message holds, and numbers in the unit that suits them.
#ifndef LOADKIT_DETAIL_SVG_TEXT_HPP
#define LOADKIT_DETAIL_SVG_TEXT_HPP

#include <loadkit/version.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0 {
namespace detail {

// The length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0 if it is not one.
inline std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    const std::size_t n =
        c < 0x80
            ? 1
            : (c >= 0xC2 && c <= 0xDF ? 2 : (c >= 0xE0 && c <= 0xEF ? 3 : (c >= 0xF0 && c <= 0xF4 ? 4 : 0)));
    if (n <= 1 || i + n > s.size()) {
        return n == 1 ? 1 : 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0) != 0x80) {
            return 0;
        }
    }
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) > 0x9F) || (c == 0xF0 && b(1) < 0x90) ||
        (c == 0xF4 && b(1) > 0x8F)) {
        return 0; // overlong, surrogate or beyond U+10FFFF
    }
    if (c == 0xEF && b(1) == 0xBF && (b(2) == 0xBE || b(2) == 0xBF)) {
        return 0; // U+FFFE and U+FFFF are not XML characters
    }
    return n;
}

// s as XML character data or attribute value: & < > " ' as entities; control characters, which XML
// 1.0 cannot hold even as references, shown as visible C escapes (\n, \t, \x01) so a tag named
// "a\nb" reads as such; invalid UTF-8 bytes as U+FFFD; everything else (UTF-8 text) unchanged.
inline std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) {
            const std::size_t n = utf8_length(s, i);
            if (n == 0) {
                out += "\xEF\xBF\xBD"; // U+FFFD
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        ++i;
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (u < 0x20 || u == 0x7F) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "\\x%02x", u);
                out += hex;
            } else {
                out += c;
            }
        }
    }
    return out;
}

// At most max_chars characters of s (UTF-8 aware), with "…" when cut.
inline std::string truncate_text(std::string_view s, std::size_t max_chars) {
    std::size_t i = 0;
    std::size_t chars = 0;
    while (i < s.size() && chars < max_chars) {
        const std::size_t n = utf8_length(s, i);
        i += n == 0 ? 1 : n;
        ++chars;
    }
    return i >= s.size() ? std::string(s) : std::string(s.substr(0, i)) + "\xE2\x80\xA6";
}

inline std::string svg_printf(const char* format, double v) {
    char text[64];
    std::snprintf(text, sizeof text, format, v);
    return text;
}

// v with `digits` significant digits, fixed notation, no exponent (12.35, 1.235, 1235).
inline std::string fixed_significant(double v, int digits = 4) {
    if (!std::isfinite(v)) {
        return "n/a";
    }
    const double a = std::fabs(v);
    int decimals = a < 1e-12 ? 0 : digits - 1 - static_cast<int>(std::floor(std::log10(a)));
    decimals = decimals < 0 ? 0 : (decimals > 6 ? 6 : decimals);
    std::string text = svg_printf(("%." + std::to_string(decimals) + "f").c_str(), v);
    if (decimals > 0 && std::fabs(std::strtod(text.c_str(), nullptr)) >= std::pow(10.0, digits - decimals)) {
        text = svg_printf(("%." + std::to_string(decimals - 1) + "f").c_str(), v); // 9.9996 -> "10.00"
    }
    return text;
}

// Nanoseconds in ns, µs, ms or s, 4 significant digits: "153.2 ms".
inline std::string duration_text(double ns, int digits = 4) {
    if (!std::isfinite(ns)) {
        return "n/a";
    }
    static constexpr const char* units[] = {"ns", "\xC2\xB5s", "ms", "s"};
    std::size_t u = 0;
    double v = ns;
    while (u < 3 && std::fabs(std::strtod(fixed_significant(v, digits).c_str(), nullptr)) >= 1000.0) {
        v /= 1000.0;
        ++u;
    }
    return fixed_significant(v, digits) + " " + units[u];
}

// Bytes in B, KiB, MiB, GiB, TiB, 3 significant digits; signed when `sign`.
inline std::string bytes_text(double b, bool sign = false) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t u = 0;
    double v = std::fabs(b);
    while (u < 4 && v >= 1024.0) {
        v /= 1024.0;
        ++u;
    }
    const std::string prefix = b < 0 ? "-" : (sign ? "+" : "");
    return prefix + fixed_significant(v, 3) + " " + units[u];
}

// 1234567 -> "1,234,567".
inline std::string count_text(std::uint64_t n) {
    // Appends left to right: std::string::insert here trips GCC 12's -Wrestrict at -O3 (bug 105329).
    const std::string digits = std::to_string(n);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out.push_back(',');
        }
        out.push_back(digits[i]);
    }
    return out;
}

// A fraction 0..1 as a percentage: "0.59%", "12.3%", "100%".
inline std::string percent_text(double fraction) {
    if (!std::isfinite(fraction)) {
        return "n/a";
    }
    if (fraction == 0.0) {
        return "0%";
    }
    return fixed_significant(100.0 * fraction, 3) + "%";
}

// A rate per second with 3 significant digits: "1,234/s" style for large values is avoided on
// purpose (charts and tables mix them); "1.23k/s" instead.
inline std::string rate_text(double per_second, std::string_view unit = "/s") {
    static constexpr const char* prefixes[] = {"", "k", "M", "G"};
    std::size_t p = 0;
    double v = per_second;
    while (p < 3 && std::fabs(std::strtod(fixed_significant(v, 3).c_str(), nullptr)) >= 1000.0) {
        v /= 1000.0;
        ++p;
    }
    return fixed_significant(v, 3) + prefixes[p] + std::string(unit);
}

// Coordinates in SVG: one decimal, no "-0.0".
inline std::string svg_coord(double v) {
    std::string s = svg_printf("%.1f", v);
    return s == "-0.0" ? "0.0" : s;
}

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_SVG_TEXT_HPP
