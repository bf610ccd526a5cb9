// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Numbers as people read them in a report: each value in the unit that suits it, with the same
// number of significant digits everywhere, so a column of them lines up and compares at a glance.
//
//   human_duration(153'200'000ns) == "153.2ms"    human_count(27312) == "27,312"
//   human_rate(1234.0) == "1.23k/s"               human_bytes(13107200) == "12.5 MiB"
//   human_percent(0.0059) == "0.59%"              human_clock(125s) == "2:05"
//
// Durations carry 4 significant digits (a histogram at 3 significant digits is within 0.05 %, so
// the fourth digit is still information); rates and bytes 3 (they are averages or samples).
// The one place such numbers are formatted: the console summary, the live progress line and the
// JUnit properties call these; the HTML report (detail/report/svg/text.hpp) and the contend / lock_probe /
// deadline lines (detail/harness/text.hpp) only pick their spelling of the same numbers.
#ifndef LOADKIT_DETAIL_TEXT_UNITS_HPP
#define LOADKIT_DETAIL_TEXT_UNITS_HPP

#include <loadkit/version.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <string>

namespace loadkit {
inline namespace v0 {
namespace detail {

inline std::string human_printf(const char* format, double v) {
    char text[64];
    std::snprintf(text, sizeof text, format, v);
    return text;
}

// v with `digits` significant digits in fixed notation (no exponent): 153.2, 15.32, 1.532, 0.1532;
// 1500 for 4 digits. Rounding that gains a digit drops a decimal (99.996 -> "100.0", not "100.00").
// At most max_decimals decimals (the HTML report keeps to 6).
inline std::string human_significant(double v, int digits, int max_decimals = 9) {
    const double a = std::fabs(v);
    int decimals = a == 0.0 ? digits - 1 : digits - 1 - static_cast<int>(std::floor(std::log10(a)));
    decimals = decimals < 0 ? 0 : (decimals > max_decimals ? max_decimals : decimals);
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    if (decimals > 0 && std::fabs(std::strtod(text, nullptr)) >= std::pow(10.0, digits - decimals)) {
        std::snprintf(text, sizeof text, "%.*f", decimals - 1, v);
    }
    return text;
}

// a in the first of `units` (each 1000 times the previous) where it reads below 1000 after rounding
// (999.96us is 1.000ms, never 1000us); returns the number and the unit's index.
inline std::size_t human_scale(double& a, std::size_t units, int digits) {
    std::size_t u = 0;
    while (u + 1 < units && std::strtod(human_significant(a, digits).c_str(), nullptr) >= 1000.0) {
        a /= 1000.0;
        ++u;
    }
    return u;
}

// 850ns, 999.9µs, 153.2ms, 12.35s, 2m05s, 1h02m. micro is "µs" (UTF-8) or "us".
inline std::string human_duration(double ns, bool unicode = true, int digits = 4) {
    if (std::isnan(ns)) {
        return "-";
    }
    // Appended, never sign + rvalue: that operator+ inserts, and std::string::insert trips GCC 12's
    // -Wrestrict at -O3 (bugs 105329, 105651) in whichever caller it is inlined into.
    std::string out = ns < 0 ? "-" : "";
    double a = std::fabs(ns);
    if (a < 1000.0) {
        a = std::round(a); // 999.6ns is 1.000us
        if (a < 1000.0) {
            out += human_printf("%.0f", a);
            out += "ns";
            return out;
        }
    }
    if (a < 59.995e9) {
        a /= 1000.0;
        static constexpr const char* units[] = {"us", "ms", "s"};
        const std::size_t u = human_scale(a, std::size(units), digits);
        out += human_significant(a, digits);
        out += u == 0 && unicode ? "\xC2\xB5s" : units[u];
        return out;
    }
    const auto total = static_cast<long long>(std::llround(a / 1e9));
    char text[48];
    if (total >= 3600) {
        std::snprintf(text, sizeof text, "%s%lldh%02lldm", out.c_str(), total / 3600, total / 60 % 60);
    } else {
        std::snprintf(text, sizeof text, "%s%lldm%02llds", out.c_str(), total / 60, total % 60);
    }
    return text;
}
inline std::string human_duration(std::chrono::nanoseconds d, bool unicode = true, int digits = 4) {
    return human_duration(static_cast<double>(d.count()), unicode, digits);
}
template <class Rep, class Period>
std::string human_duration(std::chrono::duration<Rep, Period> d, bool unicode = true, int digits = 4) {
    return human_duration(std::chrono::duration<double, std::nano>(d).count(), unicode, digits);
}

// A duration in running text, trailing zeros trimmed: 5s, 1.5s, 31.2s, 250ms, 1m05s.
inline std::string human_span(std::chrono::nanoseconds d, bool unicode = true) {
    std::string text = human_duration(d, unicode, 3);
    const std::size_t dot = text.find('.');
    if (dot == std::string::npos) {
        return text;
    }
    std::size_t unit = dot + 1;
    while (unit < text.size() && text[unit] >= '0' && text[unit] <= '9') {
        ++unit;
    }
    std::size_t end = unit;
    while (end > dot + 1 && text[end - 1] == '0') {
        --end;
    }
    if (end == dot + 1) {
        --end; // "5." -> "5"
    }
    return text.substr(0, end) + text.substr(unit);
}
template <class Rep, class Period>
std::string human_span(std::chrono::duration<Rep, Period> d, bool unicode = true) {
    return human_span(std::chrono::duration_cast<std::chrono::nanoseconds>(d), unicode);
}

// 0:42, 2:05, 1:02:03 — elapsed time on a clock face, as progress bars show it.
inline std::string human_clock(std::chrono::nanoseconds d) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    const long long total = s < 0 ? 0 : static_cast<long long>(s);
    char text[40];
    if (total >= 3600) {
        std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
    } else {
        std::snprintf(text, sizeof text, "%lld:%02lld", total / 60, total % 60);
    }
    return text;
}

// 27,312 and 1,234,567: thousands separated by commas (locale-independent, as k6 and Locust do not).
inline std::string human_count(std::uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return out;
}

// 3 significant digits with an SI prefix: 0.500, 62.0, 412, 1.23k, 45.6M.
inline std::string human_si(double v, int digits = 3) {
    if (std::isnan(v)) {
        return "-";
    }
    static constexpr const char* prefixes[] = {"", "k", "M", "G", "T", "P"};
    double a = std::fabs(v);
    const std::size_t p = human_scale(a, std::size(prefixes), digits);
    std::string out = v < 0 ? "-" : ""; // appended: see human_duration
    out += human_significant(a, digits);
    out += prefixes[p];
    return out;
}

// Operations per second: 412/s, 62.0/s, 1.23k/s.
inline std::string human_rate(double per_second) { return human_si(per_second) + "/s"; }

// IEC binary units, 3 significant digits: 512 B, 12.5 MiB, 1.00 GiB (1000 KiB stays 1000 KiB:
// below 1024 of a unit is never written in the next).
inline std::string human_bytes(double bytes) {
    if (std::isnan(bytes)) {
        return "-";
    }
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double a = std::fabs(bytes);
    std::size_t u = 0;
    while (u + 1 < std::size(units) && std::round(a) >= 1024.0) {
        a /= 1024.0;
        ++u;
    }
    const std::string number = u == 0 ? human_printf("%.0f", a) : human_significant(a, 3);
    return (bytes < 0 ? "-" : "") + number + " " + units[u];
}
// A change: +3.90 MiB, -512 B, +0 B.
inline std::string human_bytes_delta(double bytes) {
    std::string out = bytes < 0 ? "" : "+"; // appended: see human_duration
    out += human_bytes(bytes);
    return out;
}

// A fraction as a percentage: 0%, 0.59%, 12.50%, 100%; below 0.01 % two significant digits
// (0.0037%) so a small but non-zero error rate never reads as zero.
inline std::string human_percent(double fraction) {
    if (std::isnan(fraction)) {
        return "-";
    }
    const double pct = fraction * 100.0;
    if (pct == 0.0) {
        return "0%";
    }
    if (pct == 100.0) {
        return "100%";
    }
    if (std::fabs(pct) < 0.01) {
        return human_significant(pct, 2) + "%";
    }
    if (pct > 99.99 && pct < 100.0) {
        return human_printf("%.7g", pct) + "%"; // 99.999%: never "100.00%" for a success rate short of it
    }
    return human_printf("%.2f", pct) + "%";
}

// A wall-clock time in UTC: "2024-05-01 12:00:00 UTC", or ISO 8601 "2024-05-01T12:00:00" (the
// form JUnit's timestamp attribute takes). "" for the epoch (a time never set).
inline std::string human_utc(std::chrono::system_clock::time_point t, bool iso8601 = false) {
    if (t == std::chrono::system_clock::time_point{}) {
        return {};
    }
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm parts{};
#if defined(_WIN32)
    if (gmtime_s(&parts, &seconds) != 0) {
        return {};
    }
#else
    if (gmtime_r(&seconds, &parts) == nullptr) {
        return {};
    }
#endif
    char text[64];
    const std::size_t n =
        std::strftime(text, sizeof text, iso8601 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S UTC", &parts);
    return std::string(text, n);
}

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_TEXT_UNITS_HPP
