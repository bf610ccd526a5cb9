// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The objectives an SLO policy (slo.hpp) judges, and the two ways to write them: typed
//   loadkit::p(95) < 200ms      loadkit::error_rate() < 0.01      loadkit::throughput() >= 40.0
// or as text in k6's threshold grammar (parse_objective, detail/slo/parse.hpp has the grammar):
//   "p95 < 200ms"               "error_rate < 1%"                 "login: throughput >= 40/s"
// Units: latencies are std::chrono durations (stored in ns), rates fractions in [0, 1], throughput
// operations per second, memory growth bytes. A header of its own, apart from the policy, so that
// options structs and reporters can hold objectives without the evaluation's dependencies.
#ifndef LOADKIT_OBJECTIVE_HPP
#define LOADKIT_OBJECTIVE_HPP

#include <loadkit/config.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

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
    [[nodiscard]] objective on(std::string tag_name) const;
    [[nodiscard]] objective abort_after(std::chrono::nanoseconds grace = {},
                                        bool when_confident = false) const;
    // Throws std::invalid_argument unless 0 < c < 1.
    [[nodiscard]] objective at_confidence(double c) const;

    // The expression as written ("p(99.9) <= 1s"), or a canonical form ("p99.9 <= 1s").
    [[nodiscard]] std::string text() const;
    [[nodiscard]] std::string format_limit() const;
    // A value in this objective's unit, as text() writes its limit.
    [[nodiscard]] std::string format_value(double v, int digits = 6) const;
};

// `metric op duration`: p(95) < 200ms.
class latency_metric {
public:
    constexpr latency_metric(slo_metric metric, double parameter) noexcept
        : metric_(metric), parameter_(parameter) {}
    [[nodiscard]] latency_metric on(std::string tag) const;
    template <class Rep, class Period>
    friend objective operator<(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::lt, std::chrono::duration<double, std::nano>(d).count());
    }
    template <class Rep, class Period>
    friend objective operator<=(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::le, std::chrono::duration<double, std::nano>(d).count());
    }
    template <class Rep, class Period>
    friend objective operator>(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::gt, std::chrono::duration<double, std::nano>(d).count());
    }
    template <class Rep, class Period>
    friend objective operator>=(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::ge, std::chrono::duration<double, std::nano>(d).count());
    }
    template <class Rep, class Period>
    friend objective operator==(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::eq, std::chrono::duration<double, std::nano>(d).count());
    }
    template <class Rep, class Period>
    friend objective operator!=(const latency_metric& m, std::chrono::duration<Rep, Period> d) {
        return m.make(slo_op::ne, std::chrono::duration<double, std::nano>(d).count());
    }

private:
    // The templates above only convert the duration: one body for every duration type.
    objective make(slo_op op, double limit_ns) const;
    slo_metric metric_;
    double parameter_;
    std::string tag_;
};

// `metric op number`: error_rate() < 0.01, throughput() >= 40.0, op_count() >= 1000.
class number_metric {
public:
    constexpr number_metric(slo_metric metric, double parameter) noexcept
        : metric_(metric), parameter_(parameter) {}
    [[nodiscard]] number_metric on(std::string tag) const;
    friend objective operator<(const number_metric& m, double v) { return m.make(slo_op::lt, v); }
    friend objective operator<=(const number_metric& m, double v) { return m.make(slo_op::le, v); }
    friend objective operator>(const number_metric& m, double v) { return m.make(slo_op::gt, v); }
    friend objective operator>=(const number_metric& m, double v) { return m.make(slo_op::ge, v); }
    friend objective operator==(const number_metric& m, double v) { return m.make(slo_op::eq, v); }
    friend objective operator!=(const number_metric& m, double v) { return m.make(slo_op::ne, v); }

private:
    // Throws std::invalid_argument for a rate limit outside [0, 1].
    objective make(slo_op op, double v) const;
    slo_metric metric_;
    double parameter_;
    std::string tag_;
};

// Latency at percentile pct (0..100): loadkit::p(95) < 200ms. Throws std::invalid_argument outside.
[[nodiscard]] LOADKIT_DECL latency_metric p(double pct);
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
[[nodiscard]] LOADKIT_DECL objective no_leak();
// 1 % as a fraction: error_rate() < loadkit::percent(1).
[[nodiscard]] constexpr double percent(double pct) noexcept { return pct / 100.0; }

// A malformed objective: "p95 < 200xs: column 10: expected a unit (ns, us, ms, s, m)".
// column is 1-based and counts characters (UTF-8 code points) of text().
class slo_parse_error : public std::invalid_argument {
public:
    slo_parse_error(std::string text, std::size_t column, std::string expected);
    [[nodiscard]] const std::string& text() const noexcept { return text_; }
    [[nodiscard]] std::size_t column() const noexcept { return column_; }
    [[nodiscard]] const std::string& expected() const noexcept { return expected_; }

private:
    std::string text_;
    std::size_t column_;
    std::string expected_;
};

// Parses one objective ("login: p95 < 100ms"); throws slo_parse_error.
[[nodiscard]] LOADKIT_DECL objective parse_objective(std::string_view text);

// Throws std::invalid_argument naming the field and the value unless the objective can be judged:
// a finite limit in its metric's range (latencies 0 .. 2^63 ns, rates 0 .. 1, throughput, counts
// and dropped >= 0), a percentile 0 .. 100, a fraction_below bound >= 0, 0 < confidence < 1 and
// abort_grace >= 0. slo_policy::add and the metric operators (p(95) < 200ms) call it.
LOADKIT_DECL void validate(const objective& o);

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/objective.ipp>
#endif

#endif // LOADKIT_OBJECTIVE_HPP
