// SPDX-License-Identifier: MIT
// The bodies of the report number formatting (detail/text/units.hpp): units, digits, separators.
#ifndef LOADKIT_IMPL_TEXT_UNITS_IPP
#define LOADKIT_IMPL_TEXT_UNITS_IPP

#include <loadkit/config.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

LOADKIT_DECL std::string human_printf(const char* format, double v) {
    char text[64];
    std::snprintf(text, sizeof text, format, v);
    return text;
}

LOADKIT_DECL std::string human_significant(double v, int digits, int max_decimals) {
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

LOADKIT_DECL std::size_t human_scale(double& a, std::size_t units, int digits) {
    std::size_t u = 0;
    while (u + 1 < units && std::strtod(human_significant(a, digits).c_str(), nullptr) >= 1000.0) {
        a /= 1000.0;
        ++u;
    }
    return u;
}

LOADKIT_DECL std::string human_duration(double ns, bool unicode, int digits) {
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

LOADKIT_DECL std::string human_duration(std::chrono::nanoseconds d, bool unicode, int digits) {
    return human_duration(static_cast<double>(d.count()), unicode, digits);
}

LOADKIT_DECL std::string human_span(std::chrono::nanoseconds d, bool unicode) {
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

LOADKIT_DECL std::string human_clock(std::chrono::nanoseconds d) {
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

LOADKIT_DECL std::string human_count(std::uint64_t n) {
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

LOADKIT_DECL std::string human_si(double v, int digits) {
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

LOADKIT_DECL std::string human_rate(double per_second) { return human_si(per_second) + "/s"; }

LOADKIT_DECL std::string human_bytes(double bytes) {
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

LOADKIT_DECL std::string human_bytes_delta(double bytes) {
    std::string out = bytes < 0 ? "" : "+"; // appended: see human_duration
    out += human_bytes(bytes);
    return out;
}

LOADKIT_DECL std::string human_percent(double fraction) {
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

LOADKIT_DECL std::string human_utc(std::chrono::system_clock::time_point t, bool iso8601) {
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
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_TEXT_UNITS_IPP
