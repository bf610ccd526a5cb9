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

#include <loadkit/detail/recorder/errors.hpp>
#include <loadkit/error_category.hpp>
#include <loadkit/version.hpp>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

// What is wrong with an objective's limit or parameters: (the field, what is expected), or
// {nullptr, nullptr} when it can be judged. Shared by validate(objective) and the text parser.
struct objective_problem {
    const char* field = nullptr;
    const char* expected = nullptr;
    explicit operator bool() const noexcept { return field != nullptr; }
};
[[nodiscard]] LOADKIT_DECL objective_problem find_objective_problem(const objective& o) noexcept;

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

// A tag as verdict lines and reports quote it: cut as error messages are (the first
// max_error_message_length bytes, whole UTF-8 sequences) and marked "...", so that a hostile or
// generated tag cannot make every report that quotes it huge.
inline std::string shown_tag(const std::string& tag) {
    const std::string_view cut = truncate_error_message(tag);
    return cut.size() == tag.size() ? tag : std::string(cut) + "...";
}

// objective::text() with its tag as shown_tag() quotes it.
inline std::string shown_objective(const objective& o) {
    if (o.tag.size() <= max_error_message_length) {
        return o.text();
    }
    objective shown = o;
    shown.tag = shown_tag(o.tag);
    const std::size_t at = o.source.find(o.tag); // parsed "tag: p95 < 200ms": the tag as written
    shown.source = at == std::string::npos
                       ? std::string() // text() writes the canonical form with the short tag
                       : o.source.substr(0, at) + shown.tag + o.source.substr(at + o.tag.size());
    return shown.text();
}

} // namespace detail

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_SLO_OBJECTIVE_HPP
