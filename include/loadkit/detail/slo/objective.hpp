// SPDX-License-Identifier: MIT
//
// The objectives of an SLO policy (slo.hpp) and the typed way to write them:
//   loadkit::p(95) < 200ms      loadkit::error_rate() < 0.01      loadkit::throughput() >= 40.0
// Units: latencies are std::chrono durations (stored in ns), rates fractions in [0, 1], throughput
// operations per second, memory growth bytes.
#ifndef LOADKIT_DETAIL_SLO_OBJECTIVE_HPP
#define LOADKIT_DETAIL_SLO_OBJECTIVE_HPP

#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0 {

enum class slo_metric : std::uint8_t {
    percentile,     // latency at percentile `parameter` (0..100); med is p(50)
    mean,           // avg
    min,            // smallest latency
    max,            // largest latency
    stddev,         // population standard deviation of latency
    fraction_below, // fraction of operations with latency <= `parameter` ns
    error_rate,     // (errors + timeouts) / operations
    success_rate,   // ok / operations
    throughput,     // operations per second (steady state)
    count,          // operations that ran
    dropped,        // operations never started
    memory_growth,  // bytes, from slo_context::memory_growth_bytes
    leak,           // passes when slo_context::leak is leak_verdict::no_leak
};

enum class slo_op : std::uint8_t { lt, le, gt, ge, eq, ne };

[[nodiscard]] constexpr const char* to_string(slo_op op) noexcept {
    switch (op) {
    case slo_op::lt:
        return "<";
    case slo_op::le:
        return "<=";
    case slo_op::gt:
        return ">";
    case slo_op::ge:
        return ">=";
    case slo_op::eq:
        return "==";
    case slo_op::ne:
        return "!=";
    }
    return "?";
}

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

// One objective: `metric op limit`, over the whole run or one tag.
struct objective {
    slo_metric metric = slo_metric::percentile;
    double parameter = 0.0; // percentile (0..100), or the latency bound in ns for fraction_below
    slo_op op = slo_op::lt;
    double limit = 0.0;       // ns, fraction, ops/s, operations or bytes (unused for leak)
    std::string tag;          // "" = every operation of the run
    double confidence = 0.95; // for the statistical verdict, in (0, 1)
    // Abort-on-fail for live evaluation (k6 abortOnFail / delayAbortEval): should_abort() stops
    // the run once this objective fails after `abort_grace` of run time; with
    // abort_when_confident, only once it fails at `confidence` (a single slow spike then does not
    // abort a run whose sample is too small to tell).
    bool abort_on_fail = false;
    std::chrono::nanoseconds abort_grace{};
    bool abort_when_confident = false;
    std::string source; // the parsed text, kept for display; "" for objectives built in code

    // The objective for one tag ("login: p95 < 100ms").
    [[nodiscard]] objective on(std::string tag_name) const {
        objective o = *this;
        o.tag = std::move(tag_name);
        o.source.clear();
        return o;
    }
    [[nodiscard]] objective abort_after(std::chrono::nanoseconds grace = {},
                                        bool when_confident = false) const {
        objective o = *this;
        o.abort_on_fail = true;
        o.abort_grace = grace;
        o.abort_when_confident = when_confident;
        return o;
    }
    [[nodiscard]] objective at_confidence(double c) const {
        if (!(c > 0.0 && c < 1.0)) {
            throw std::invalid_argument("loadkit::objective: confidence = " + detail::format_double(c) +
                                        " is invalid (expected 0 < confidence < 1)");
        }
        objective o = *this;
        o.confidence = c;
        return o;
    }

    // The expression as written ("p(99.9) <= 1s"), or a canonical form ("p99.9 <= 1s").
    [[nodiscard]] std::string text() const {
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
    [[nodiscard]] std::string format_limit() const { return format_value(limit); }
    // A value in this objective's unit, as text() writes its limit.
    [[nodiscard]] std::string format_value(double v, int digits = 6) const {
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
};

// `metric op duration`: p(95) < 200ms.
class latency_metric {
public:
    constexpr latency_metric(slo_metric metric, double parameter) noexcept
        : metric_(metric), parameter_(parameter) {}
    [[nodiscard]] latency_metric on(std::string tag) const {
        latency_metric m = *this;
        m.tag_ = std::move(tag);
        return m;
    }
    template <class Rep, class Period>
    friend objective operator<(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::lt, d);
    }
    template <class Rep, class Period>
    friend objective operator<=(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::le, d);
    }
    template <class Rep, class Period>
    friend objective operator>(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::gt, d);
    }
    template <class Rep, class Period>
    friend objective operator>=(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::ge, d);
    }
    template <class Rep, class Period>
    friend objective operator==(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::eq, d);
    }
    template <class Rep, class Period>
    friend objective operator!=(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::ne, d);
    }

private:
    template <class Rep, class Period> objective make(slo_op op, std::chrono::duration<Rep, Period> d) const {
        objective o;
        o.metric = metric_;
        o.parameter = parameter_;
        o.op = op;
        o.limit = std::chrono::duration<double, std::nano>(d).count();
        o.tag = tag_;
        return o;
    }
    slo_metric metric_;
    double parameter_;
    std::string tag_;
};

// `metric op number`: error_rate() < 0.01, throughput() >= 40.0, op_count() >= 1000.
class number_metric {
public:
    constexpr number_metric(slo_metric metric, double parameter) noexcept
        : metric_(metric), parameter_(parameter) {}
    [[nodiscard]] number_metric on(std::string tag) const {
        number_metric m = *this;
        m.tag_ = std::move(tag);
        return m;
    }
    friend objective operator<(const number_metric& m, double v) { return m.make(slo_op::lt, v); }
    friend objective operator<=(const number_metric& m, double v) { return m.make(slo_op::le, v); }
    friend objective operator>(const number_metric& m, double v) { return m.make(slo_op::gt, v); }
    friend objective operator>=(const number_metric& m, double v) { return m.make(slo_op::ge, v); }
    friend objective operator==(const number_metric& m, double v) { return m.make(slo_op::eq, v); }
    friend objective operator!=(const number_metric& m, double v) { return m.make(slo_op::ne, v); }

private:
    objective make(slo_op op, double v) const {
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
        return o;
    }
    slo_metric metric_;
    double parameter_;
    std::string tag_;
};

// Latency at percentile pct (0..100): loadkit::p(95) < 200ms. Throws std::invalid_argument outside.
[[nodiscard]] inline latency_metric p(double pct) {
    if (!(pct >= 0.0 && pct <= 100.0)) {
        throw std::invalid_argument("loadkit::p: percentile = " + detail::format_double(pct) +
                                    " is invalid (expected 0 .. 100)");
    }
    return {slo_metric::percentile, pct};
}
[[nodiscard]] inline latency_metric med() { return {slo_metric::percentile, 50.0}; }
[[nodiscard]] inline latency_metric avg() { return {slo_metric::mean, 0.0}; }
[[nodiscard]] inline latency_metric min_latency() { return {slo_metric::min, 0.0}; }
[[nodiscard]] inline latency_metric max_latency() { return {slo_metric::max, 0.0}; }
[[nodiscard]] inline latency_metric latency_stddev() { return {slo_metric::stddev, 0.0}; }
// Fraction of operations with latency <= bound: fraction_below(200ms) >= 0.99.
template <class Rep, class Period>
[[nodiscard]] number_metric fraction_below(std::chrono::duration<Rep, Period> bound) {
    return {slo_metric::fraction_below, std::chrono::duration<double, std::nano>(bound).count()};
}
[[nodiscard]] inline number_metric error_rate() { return {slo_metric::error_rate, 0.0}; }
[[nodiscard]] inline number_metric success_rate() { return {slo_metric::success_rate, 0.0}; }
[[nodiscard]] inline number_metric throughput() { return {slo_metric::throughput, 0.0}; }
[[nodiscard]] inline number_metric op_count() { return {slo_metric::count, 0.0}; }
[[nodiscard]] inline number_metric dropped_ops() { return {slo_metric::dropped, 0.0}; }
[[nodiscard]] inline number_metric memory_growth() { return {slo_metric::memory_growth, 0.0}; }
[[nodiscard]] inline objective no_leak() {
    objective o;
    o.metric = slo_metric::leak;
    o.op = slo_op::eq;
    return o;
}
// 1 % as a fraction: error_rate() < loadkit::percent(1).
[[nodiscard]] constexpr double percent(double pct) noexcept { return pct / 100.0; }

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_SLO_OBJECTIVE_HPP
