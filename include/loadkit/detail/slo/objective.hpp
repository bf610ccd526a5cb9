// SPDX-License-Identifier: MIT
//
// What the bodies of objectives and SLO verdicts share (impl/objective.ipp, impl/slo.ipp, the
// parser): the comparison an objective makes, which metrics are latencies or rates, and how values
// are written in verdict lines ("200ms", "1.5%", "12MB"). The public types are in objective.hpp.
// objective.hpp before the guard: its bodies (impl/objective.ipp, header-only) include this header
// back, and must find it whole even when this header is the one a translation unit includes first.
#include <loadkit/objective.hpp>

#ifndef LOADKIT_DETAIL_SLO_OBJECTIVE_HPP
#define LOADKIT_DETAIL_SLO_OBJECTIVE_HPP

#include <loadkit/version.hpp>

#include <cmath>
#include <cstdio>
#include <string>

namespace loadkit {
inline namespace v0 {

namespace detail {

[[nodiscard]] constexpr bool slo_compare(double measured, slo_op op, double limit) noexcept {
    switch (op) {
    case slo_op::lt:
        return measured < limit;
    case slo_op::le:
        return measured <= limit;
    case slo_op::gt:
        return measured > limit;
    case slo_op::ge:
        return measured >= limit;
    case slo_op::eq:
        return measured == limit;
    case slo_op::ne:
        return measured != limit;
    }
    return false;
}
[[nodiscard]] constexpr bool is_latency(slo_metric m) noexcept {
    return m == slo_metric::percentile || m == slo_metric::mean || m == slo_metric::min ||
           m == slo_metric::max || m == slo_metric::stddev;
}
[[nodiscard]] constexpr bool is_rate(slo_metric m) noexcept {
    return m == slo_metric::fraction_below || m == slo_metric::error_rate || m == slo_metric::success_rate;
}

inline std::string format_number(double v, int digits) {
    char text[48];
    std::snprintf(text, sizeof text, "%.*g", digits, v);
    return text;
}
// 200ms, 1.5s, 250us, 2m: the largest unit in which the value is at least 1.
inline std::string format_duration(double ns, int digits = 6) {
    const double a = std::fabs(ns);
    if (a >= 60e9) {
        return format_number(ns / 60e9, digits) + "m";
    }
    if (a >= 1e9) {
        return format_number(ns / 1e9, digits) + "s";
    }
    if (a >= 1e6) {
        return format_number(ns / 1e6, digits) + "ms";
    }
    if (a >= 1e3) {
        return format_number(ns / 1e3, digits) + "us";
    }
    return format_number(ns, digits) + "ns";
}
inline std::string format_bytes(double b, int digits = 6) {
    const double a = std::fabs(b);
    if (a >= 1e9) {
        return format_number(b / 1e9, digits) + "GB";
    }
    if (a >= 1e6) {
        return format_number(b / 1e6, digits) + "MB";
    }
    if (a >= 1e3) {
        return format_number(b / 1e3, digits) + "KB";
    }
    return format_number(b, digits) + "B";
}
inline std::string format_percent(double fraction, int digits = 6) {
    return format_number(fraction * 100.0, digits) + "%";
}

} // namespace detail

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_SLO_OBJECTIVE_HPP
