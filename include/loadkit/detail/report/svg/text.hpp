// SPDX-License-Identifier: MIT
//
// Text for the HTML report and its SVG charts (report/html.hpp): escaping that keeps the file
// well-formed whatever a tag or message holds, and the report's spelling of numbers. The numbers
// themselves come from detail/text/units.hpp and the escaping from detail/report/xml.hpp; what
// is here is the HTML style: a space before a unit ("153.2 ms"), significant digits down to
// nanoseconds ("850.0 ns"), seconds never turned into minutes (an axis tick stays number + unit),
// a bare "0" and "n/a" for a value that is not a number.
#ifndef LOADKIT_DETAIL_REPORT_SVG_TEXT_HPP
#define LOADKIT_DETAIL_REPORT_SVG_TEXT_HPP

#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/detail/report/xml.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/version.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// s as XML character data or attribute value, control characters shown as C escapes (\n, \t, \x01)
// so a tag named "a\nb" reads as such; see xml_escape_mode::visible.
inline std::string html_escape(std::string_view s) { return xml_escape(s, xml_escape_mode::visible); }

// At most max_chars characters of s (UTF-8 aware), with "…" when cut.
inline std::string truncate_text(std::string_view s, std::size_t max_chars) {
    std::size_t i = 0;
    for (std::size_t chars = 0; i < s.size() && chars < max_chars; ++chars) {
        utf8_next(s, i);
    }
    return i >= s.size() ? std::string(s) : std::string(s.substr(0, i)) + "\xE2\x80\xA6";
}

// v with `digits` significant digits, fixed notation, no exponent (12.35, 1.235, 1235).
inline std::string fixed_significant(double v, int digits = 4) {
    if (!std::isfinite(v)) {
        return "n/a";
    }
    return std::fabs(v) < 1e-12 ? human_printf("%.0f", v) : human_significant(v, digits, 6);
}

// Nanoseconds in ns, µs, ms or s, 4 significant digits: "153.2 ms".
inline std::string duration_text(double ns, int digits = 4) {
    if (!std::isfinite(ns)) {
        return "n/a";
    }
    static constexpr const char* units[] = {"ns", "\xC2\xB5s", "ms", "s"};
    double a = std::fabs(ns);
    const std::size_t u = human_scale(a, std::size(units), digits);
    return fixed_significant(std::copysign(a, ns), digits) + " " + units[u];
}

// As the console writes bytes: "512 B", "12.5 MiB"; "+2.00 KiB" when `sign`.
inline std::string bytes_text(double b, bool sign = false) {
    return sign ? human_bytes_delta(b) : human_bytes(b);
}

// 1234567 -> "1,234,567".
inline std::string count_text(std::uint64_t n) { return human_count(n); }

// A fraction 0..1 as a percentage in 3 significant digits, like the report's other figures (not
// human_percent's 2 decimals): "0.590%", "12.5%", "100%".
inline std::string percent_text(double fraction) {
    if (!std::isfinite(fraction)) {
        return "n/a";
    }
    return fraction == 0.0 ? "0%" : fixed_significant(100.0 * fraction, 3) + "%";
}

// A rate per second with 3 significant digits: "1,234/s" style for large values is avoided on
// purpose (charts and tables mix them); "1.23k/s" instead.
inline std::string rate_text(double per_second, std::string_view unit = "/s") {
    static constexpr const char* prefixes[] = {"", "k", "M", "G"};
    double a = std::fabs(per_second);
    const std::size_t p = std::isfinite(a) ? human_scale(a, std::size(prefixes), 3) : 0;
    return fixed_significant(std::copysign(a, per_second), 3) + prefixes[p] + std::string(unit);
}

// Coordinates in SVG: one decimal, no "-0.0".
inline std::string svg_coord(double v) {
    std::string s = human_printf("%.1f", v);
    return s == "-0.0" ? "0.0" : s;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_SVG_TEXT_HPP
