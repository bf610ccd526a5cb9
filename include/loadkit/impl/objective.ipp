// SPDX-License-Identifier: MIT
// The bodies of objective.hpp: an objective's text and units, the typed metrics' checks, and
// parse_objective. Included at the end of objective.hpp in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_OBJECTIVE_IPP
#define LOADKIT_IMPL_OBJECTIVE_IPP

#include <loadkit/detail/slo/objective.hpp>
#include <loadkit/detail/slo/parse.hpp>
#include <loadkit/detail/stats/histogram_layout.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL objective objective::on(std::string tag_name) const {
    objective o = *this;
    o.tag = std::move(tag_name);
    o.source.clear();
    return o;
}

LOADKIT_DECL objective objective::abort_after(std::chrono::nanoseconds grace, bool when_confident) const {
    objective o = *this;
    o.abort_on_fail = true;
    o.abort_grace = grace;
    o.abort_when_confident = when_confident;
    return o;
}

LOADKIT_DECL objective objective::at_confidence(double c) const {
    if (!(c > 0.0 && c < 1.0)) {
        throw std::invalid_argument("loadkit::objective: confidence = " + detail::format_double(c) +
                                    " is invalid (expected 0 < confidence < 1)");
    }
    objective o = *this;
    o.confidence = c;
    return o;
}

LOADKIT_DECL std::string objective::text() const {
    if (!source.empty()) {
        return source;
    }
    std::string out = tag.empty() ? std::string() : tag + ": ";
    switch (metric) {
    case slo_metric::percentile:
        out += "p" + detail::format_number(parameter, 6);
        break;
    case slo_metric::mean:
        out += "avg";
        break;
    case slo_metric::min:
        out += "min";
        break;
    case slo_metric::max:
        out += "max";
        break;
    case slo_metric::stddev:
        out += "stddev";
        break;
    case slo_metric::fraction_below:
        out += "fraction_below(" + detail::format_duration(parameter) + ")";
        break;
    case slo_metric::error_rate:
        out += "error_rate";
        break;
    case slo_metric::success_rate:
        out += "success_rate";
        break;
    case slo_metric::throughput:
        out += "throughput";
        break;
    case slo_metric::count:
        out += "count";
        break;
    case slo_metric::dropped:
        out += "dropped";
        break;
    case slo_metric::memory_growth:
        out += "memory_growth";
        break;
    case slo_metric::leak:
        return out + "no_leak";
    }
    return out + " " + to_string(op) + " " + format_limit();
}

LOADKIT_DECL std::string objective::format_limit() const { return format_value(limit); }

LOADKIT_DECL std::string objective::format_value(double v, int digits) const {
    if (detail::is_latency(metric)) {
        return detail::format_duration(v, digits);
    }
    if (detail::is_rate(metric)) {
        return detail::format_percent(v, digits);
    }
    switch (metric) {
    case slo_metric::throughput:
        return detail::format_number(v, digits) + "/s";
    case slo_metric::memory_growth:
        return detail::format_bytes(v, digits);
    case slo_metric::count:
    case slo_metric::dropped:
        return detail::format_number(v, v < 1e15 ? 15 : digits);
    default:
        return detail::format_number(v, digits);
    }
}

LOADKIT_DECL latency_metric latency_metric::on(std::string tag) const {
    latency_metric m = *this;
    m.tag_ = std::move(tag);
    return m;
}

LOADKIT_DECL detail::objective_problem detail::find_objective_problem(const objective& o) noexcept {
    // A latency must fit the histograms' int64 nanoseconds: below 2^63 ns (about 292 years).
    constexpr double end_ns = 9223372036854775808.0;
    if (detail::is_latency(o.metric) && !(o.limit >= 0.0 && o.limit < end_ns)) {
        return {"limit", "a latency from 0 to below 2^63 ns (292 years)"}; // NaN and infinities too
    }
    if (!std::isfinite(o.limit)) {
        return {"limit", "a finite number"};
    }
    if ((detail::is_rate(o.metric) || o.metric == slo_metric::fraction_below) &&
        !(o.limit >= 0.0 && o.limit <= 1.0)) {
        return {"limit", "a fraction in [0, 1] (0.01 for 1 %)"};
    }
    if ((o.metric == slo_metric::throughput || o.metric == slo_metric::count ||
         o.metric == slo_metric::dropped) &&
        o.limit < 0.0) {
        return {"limit", ">= 0"};
    }
    if (o.metric == slo_metric::percentile && !(o.parameter >= 0.0 && o.parameter <= 100.0)) {
        return {"parameter", "a percentile from 0 to 100"};
    }
    if (o.metric == slo_metric::fraction_below && !(o.parameter >= 0.0 && o.parameter < end_ns)) {
        return {"parameter", "a latency bound from 0 to below 2^63 ns (292 years)"};
    }
    if (!(o.confidence > 0.0 && o.confidence < 1.0)) {
        return {"confidence", "0 < confidence < 1"};
    }
    if (o.abort_grace < std::chrono::nanoseconds::zero()) {
        return {"abort_grace", ">= 0"};
    }
    return {};
}

LOADKIT_DECL void validate(const objective& o) {
    if (const detail::objective_problem problem = detail::find_objective_problem(o)) {
        const std::string field = problem.field;
        std::string value;
        if (field == "limit" && detail::is_latency(o.metric) && std::isfinite(o.limit) &&
            std::fabs(o.limit) < 1e18) {
            value = std::to_string(static_cast<long long>(o.limit)) + "ns";
        } else if (field == "limit") {
            value = detail::format_double(o.limit);
        } else if (field == "parameter") {
            value = detail::format_double(o.parameter);
        } else if (field == "confidence") {
            value = detail::format_double(o.confidence);
        } else {
            value = std::to_string(o.abort_grace.count()) + "ns";
        }
        throw std::invalid_argument("loadkit::objective \"" + o.text() + "\": " + field + " = " + value +
                                    " (expected " + problem.expected + ")");
    }
}

LOADKIT_DECL objective latency_metric::make(slo_op op, double limit_ns) const {
    objective o;
    o.metric = metric_;
    o.parameter = parameter_;
    o.op = op;
    o.limit = limit_ns;
    o.tag = tag_;
    validate(o);
    return o;
}

LOADKIT_DECL number_metric number_metric::on(std::string tag) const {
    number_metric m = *this;
    m.tag_ = std::move(tag);
    return m;
}

LOADKIT_DECL objective number_metric::make(slo_op op, double v) const {
    if (detail::is_rate(metric_) && !(v >= 0.0 && v <= 1.0)) {
        throw std::invalid_argument("loadkit::objective: a rate limit of " + detail::format_double(v) +
                                    " is invalid (expected a fraction in [0, 1]: 0.01 for 1 %)");
    }
    objective o;
    o.metric = metric_;
    o.parameter = parameter_;
    o.op = op;
    o.limit = v;
    o.tag = tag_;
    validate(o);
    return o;
}

LOADKIT_DECL latency_metric p(double pct) {
    if (!(pct >= 0.0 && pct <= 100.0)) {
        throw std::invalid_argument("loadkit::p: percentile = " + detail::format_double(pct) +
                                    " is invalid (expected 0 .. 100)");
    }
    return {slo_metric::percentile, pct};
}

LOADKIT_DECL objective no_leak() {
    objective o;
    o.metric = slo_metric::leak;
    o.op = slo_op::eq;
    return o;
}

LOADKIT_DECL slo_parse_error::slo_parse_error(std::string text, std::size_t column, std::string expected)
    : std::invalid_argument(text + ": column " + std::to_string(column) + ": expected " + expected),
      text_(std::move(text)), column_(column), expected_(std::move(expected)) {}

LOADKIT_DECL objective parse_objective(std::string_view text) { return detail::slo_parser(text).parse(); }

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_OBJECTIVE_IPP
