// SPDX-License-Identifier: MIT
//
// The text side of a .hlog file (report/hlog.hpp), as Java's HistogramLogWriter prints it:
// numbers as java.util.Formatter's "%.3f" (the shortest decimal that round-trips the double,
// rounded half-up: 1.0005 prints 1.001 where C's printf prints 1.000), dates as java.util.Date's
// toString() in UTC, tags with the characters the format reserves replaced; and exact decimal
// parsing of timestamps into nanoseconds for the reader.
#ifndef LOADKIT_DETAIL_REPORT_HLOG_TEXT_HPP
#define LOADKIT_DETAIL_REPORT_HLOG_TEXT_HPP

#include <loadkit/detail/report/hlog/codec.hpp>
#include <loadkit/version.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// Java's String.format(Locale.US, "%.<decimals>f", v).
inline std::string java_fixed(double v, int decimals) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v < 0 ? "-Infinity" : "Infinity";
    }
    char buffer[64];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::scientific);
    const std::string_view text(buffer, static_cast<std::size_t>(r.ptr - buffer)); // "-1.2345e+03"
    const bool negative = text.front() == '-';
    const std::size_t e_at = text.find('e');
    std::string digits;
    for (char c : text.substr(negative ? 1 : 0, e_at - (negative ? 1 : 0))) {
        if (c != '.') {
            digits += c;
        }
    }
    int point = 1 + std::stoi(std::string(text.substr(e_at + 1))); // digits before the decimal point
    // Keep `keep` digits, rounding half-up on the first dropped one.
    const int keep = point + decimals;
    if (keep < 0) {
        digits.assign(1, '0'); // not `= "0"`: GCC 12 warns falsely there (-Wrestrict, its bug 105329)
        point = 1;
    } else if (keep < static_cast<int>(digits.size())) {
        const bool up = digits[static_cast<std::size_t>(keep)] >= '5';
        digits.resize(static_cast<std::size_t>(keep));
        if (up) {
            int i = keep - 1;
            for (; i >= 0 && digits[static_cast<std::size_t>(i)] == '9'; --i) {
                digits[static_cast<std::size_t>(i)] = '0';
            }
            if (i >= 0) {
                ++digits[static_cast<std::size_t>(i)];
            } else {
                digits.insert(digits.begin(), '1');
                ++point;
            }
        }
    }
    std::string out = negative ? "-" : ""; // Java keeps the sign of a value that rounds to 0: -0.000
    const auto digit_at = [&](int i) {
        return i >= 0 && i < static_cast<int>(digits.size()) ? digits[static_cast<std::size_t>(i)] : '0';
    };
    if (point <= 0) {
        out += '0';
    }
    for (int i = 0; i < point; ++i) {
        out += digit_at(i);
    }
    if (decimals > 0) {
        out += '.';
        for (int i = point; i < point + decimals; ++i) {
            out += digit_at(i);
        }
    }
    return out;
}

// java.util.Date.toString() for a UTC time zone: "Tue Nov 14 22:13:20 UTC 2023".
inline std::string java_date_utc(std::chrono::sys_time<std::chrono::milliseconds> t) {
    using namespace std::chrono;
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> time{t - day};
    static constexpr const char* weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char text[64];
    std::snprintf(text, sizeof text, "%s %s %02u %02d:%02d:%02d UTC %d", weekdays[weekday{day}.c_encoding()],
                  months[static_cast<unsigned>(ymd.month()) - 1], static_cast<unsigned>(ymd.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(ymd.year()));
    return text;
}

// Tags may not hold what separates fields: ',', ' ', CR, LF (Java's reader splits on [ ,\r\n];
// HdrHistogram_c's ends a tag at ',' or a line break). Other control characters are replaced
// too, so a tag never hides in or breaks a line; bytes >= 0x80 (UTF-8) pass unchanged.
[[nodiscard]] constexpr bool hlog_tag_char_allowed(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7F && c != ',';
}

// A decimal "[-]digits[.digits]" as an exact count of 10^-9 units (seconds -> nanoseconds); digits
// past the ninth decimal are truncated. Empty on anything else or on overflow.
inline std::optional<std::int64_t> parse_decimal_nanos(std::string_view text) {
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    std::int64_t whole = 0;
    std::int64_t fraction = 0;
    std::int64_t scale = 1'000'000'000;
    bool in_fraction = false;
    bool any = false;
    for (char c : text) {
        if (c == '.' && !in_fraction) {
            in_fraction = true;
            continue;
        }
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        any = true;
        const int d = c - '0';
        if (!in_fraction) {
            if (whole > (max / 1'000'000'000 - d) / 10) {
                return std::nullopt;
            }
            whole = whole * 10 + d;
        } else if (scale > 1) {
            scale /= 10;
            fraction += d * scale;
        }
    }
    if (!any) {
        return std::nullopt;
    }
    const std::int64_t v = whole * 1'000'000'000 + fraction;
    return negative ? -v : v;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_HLOG_TEXT_HPP
