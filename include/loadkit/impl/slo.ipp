// SPDX-License-Identifier: MIT
// The bodies of slo.hpp: one objective's verdict on a result (plain comparison, exact binomial test,
// verdict line) and the policy over its objectives. Included at the end of slo.hpp in header-only
// mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_SLO_IPP
#define LOADKIT_IMPL_SLO_IPP

#include <loadkit/core_types.hpp>
#include <loadkit/detail/slo/objective.hpp>
#include <loadkit/detail/stats/binomial.hpp>
#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/objective.hpp>
#include <loadkit/result.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL bool slo_report::passed() const noexcept {
    for (const auto& v : verdicts) {
        if (!v.passed) {
            return false;
        }
    }
    return true;
}

LOADKIT_DECL verdict slo_report::statistical() const noexcept {
    verdict out = verdict::pass;
    for (const auto& v : verdicts) {
        out = v.statistical == verdict::fail
                  ? verdict::fail
                  : (v.statistical == verdict::inconclusive && out == verdict::pass ? verdict::inconclusive
                                                                                    : out);
    }
    return out;
}

LOADKIT_DECL std::string slo_report::lines() const {
    std::string out;
    for (const auto& v : verdicts) {
        out += v.line;
        out += '\n';
    }
    return out;
}

namespace detail {

// Operations with latency <= x that surely are: counters straddling x count as above it.
inline std::uint64_t count_surely_at_or_below(const histogram& h, double x) {
    if (h.empty() || x < 0.0) {
        return 0;
    }
    if (x >= static_cast<double>(h.max().count())) {
        return h.count(); // max() is exact or an upper edge
    }
    const auto v = static_cast<std::int64_t>(std::floor(x));
    const histogram_layout layout = make_histogram_layout(0, h.max_relative_error(), h.highest().count());
    const std::size_t index = layout.index_of(static_cast<std::uint64_t>(v));
    if (layout.highest_of(index) == static_cast<std::uint64_t>(v)) {
        return h.count_at_or_below(v);
    }
    const std::uint64_t lowest = layout.lowest_of(index);
    return lowest == 0 ? 0 : h.count_at_or_below(static_cast<std::int64_t>(lowest - 1));
}

// The binomial verdict on "bad fraction op q".
inline verdict binomial_verdict(std::uint64_t bad, std::uint64_t n, double q, slo_op op, double confidence) {
    const double alpha = 1.0 - confidence;
    const bool below_is_good = op == slo_op::lt || op == slo_op::le;
    const double p_low = binomial_cdf(bad, n, q);         // small: the true fraction is below q
    const double p_high = binomial_upper_tail(bad, n, q); // small: the true fraction is above q
    if ((below_is_good ? p_low : p_high) <= alpha) {
        return verdict::pass;
    }
    if ((below_is_good ? p_high : p_low) <= alpha) {
        return verdict::fail;
    }
    return verdict::inconclusive;
}

inline slo_op flip(slo_op op) noexcept {
    switch (op) {
    case slo_op::lt:
        return slo_op::gt;
    case slo_op::le:
        return slo_op::ge;
    case slo_op::gt:
        return slo_op::lt;
    case slo_op::ge:
        return slo_op::le;
    default:
        return op;
    }
}

} // namespace detail

LOADKIT_DECL objective_verdict evaluate(const objective& o, const run_result& result,
                                        const slo_context& context) {
    objective_verdict v;
    v.target = o;
    v.limit = o.limit;
    const tag_result* scope = result.scope(o.tag);
    std::string no_data;
    slo_op bad_op = o.op; // the test's operator on the bad fraction
    if (o.metric == slo_metric::memory_growth || o.metric == slo_metric::leak) {
        if (o.metric == slo_metric::memory_growth && context.memory_growth_bytes) {
            v.has_data = true;
            v.measured = *context.memory_growth_bytes;
            v.passed = detail::slo_compare(v.measured, o.op, o.limit);
        } else if (o.metric == slo_metric::leak && context.leak) {
            v.has_data = true;
            v.measured = static_cast<double>(static_cast<int>(*context.leak));
            v.passed = *context.leak == leak_verdict::no_leak;
            v.statistical = *context.leak == leak_verdict::inconclusive
                                ? verdict::inconclusive
                                : (v.passed ? verdict::pass : verdict::fail);
        } else {
            no_data = o.metric == slo_metric::leak
                          ? "no leak verdict supplied (slo_context::leak)"
                          : "no memory figure: it needs two resource samples of the run, or "
                            "slo_context::memory_growth_bytes";
        }
    } else if (scope == nullptr) {
        no_data = "no operations recorded for tag \"" + detail::shown_tag(o.tag) + "\"";
    } else if (scope->count() == 0 && o.metric != slo_metric::count && o.metric != slo_metric::dropped &&
               o.metric != slo_metric::throughput) {
        no_data = o.tag.empty() ? "no operations recorded"
                                : "no operations recorded for tag \"" + detail::shown_tag(o.tag) + "\"";
    } else if ((detail::is_latency(o.metric) || o.metric == slo_metric::fraction_below) &&
               scope->latency.empty()) {
        no_data = "no latencies recorded";
    } else {
        v.has_data = true;
        const histogram& h = scope->latency;
        v.trials = scope->count();
        switch (o.metric) {
        case slo_metric::percentile: {
            v.measured = static_cast<double>(h.value_at_percentile(o.parameter).count());
            v.trials = h.count();
            if (o.op == slo_op::lt || o.op == slo_op::le) {
                const double bound = o.op == slo_op::lt ? std::ceil(o.limit) - 1.0 : std::floor(o.limit);
                v.bad = v.trials - detail::count_surely_at_or_below(h, bound);
                v.allowed_bad = 1.0 - o.parameter / 100.0;
                const double rank =
                    std::ceil(o.parameter / 100.0 * static_cast<double>(v.trials) * (1.0 - 1e-12));
                const double needed = rank < 1.0 ? 1.0 : rank;
                v.passed = static_cast<double>(v.trials - v.bad) >= needed;
                v.binomial = true;
                bad_op = slo_op::le;
            } else {
                v.passed = detail::slo_compare(v.measured, o.op, o.limit);
            }
            break;
        }
        case slo_metric::mean:
            v.measured = h.mean().count();
            break;
        case slo_metric::min:
            v.measured = static_cast<double>(h.min().count());
            break;
        case slo_metric::max:
            v.measured = static_cast<double>(h.max().count());
            break;
        case slo_metric::stddev:
            v.measured = h.stddev().count();
            break;
        case slo_metric::fraction_below: {
            v.trials = h.count();
            const bool want_high = o.op == slo_op::gt || o.op == slo_op::ge;
            const std::uint64_t good = want_high
                                           ? detail::count_surely_at_or_below(h, o.parameter)
                                           : h.count_at_or_below(static_cast<std::int64_t>(o.parameter));
            v.measured = static_cast<double>(good) / static_cast<double>(v.trials);
            v.bad = v.trials - good;
            v.allowed_bad = 1.0 - o.limit;
            v.binomial = o.op != slo_op::eq && o.op != slo_op::ne;
            bad_op = detail::flip(o.op);
            break;
        }
        case slo_metric::error_rate:
        case slo_metric::success_rate: {
            v.bad = scope->failed();
            const bool error = o.metric == slo_metric::error_rate;
            v.measured = error ? scope->error_rate() : scope->success_rate();
            v.allowed_bad = error ? o.limit : 1.0 - o.limit;
            v.binomial = o.op != slo_op::eq && o.op != slo_op::ne;
            bad_op = error ? o.op : detail::flip(o.op);
            break;
        }
        case slo_metric::throughput:
            v.measured = scope->throughput();
            break;
        case slo_metric::count:
            v.measured = static_cast<double>(scope->count());
            break;
        case slo_metric::dropped:
            v.measured = static_cast<double>(scope->dropped);
            break;
        default:
            break;
        }
        if (o.metric != slo_metric::percentile) { // a percentile case has judged itself
            v.passed = detail::slo_compare(v.measured, o.op, o.limit);
        }
    }
    if (v.binomial) {
        v.statistical = detail::binomial_verdict(v.bad, v.trials, v.allowed_bad, bad_op, o.confidence);
        v.bad_upper = detail::clopper_pearson_upper(v.bad, v.trials, o.confidence);
        v.bad_lower = detail::clopper_pearson_lower(v.bad, v.trials, o.confidence);
    } else if (v.has_data && o.metric != slo_metric::leak) {
        v.statistical = v.passed ? verdict::pass : verdict::fail;
    } else if (!v.has_data) {
        v.statistical = verdict::inconclusive;
    }

    v.line = std::string(v.passed ? "PASS: " : "FAIL: ") + detail::shown_objective(o) + " (";
    if (!v.has_data) {
        v.line += "no data: " + no_data + ")";
        return v;
    }
    if (o.metric == slo_metric::leak) {
        v.line += std::string("leak verdict: ") + to_string(*context.leak) + ")";
        return v;
    }
    v.line += "measured " + o.format_value(v.measured, 4);
    if (v.binomial) {
        const double pct = 100.0 * (1.0 - o.confidence);
        v.line += "; " + std::string(to_string(v.statistical)) + " at " +
                  detail::format_number(100.0 - pct, 4) + "% confidence: " + std::to_string(v.bad) + " of " +
                  std::to_string(v.trials);
        if (o.metric == slo_metric::percentile) {
            v.line += std::string(o.op == slo_op::lt ? " >= " : " > ") + detail::format_duration(o.limit);
        } else if (o.metric == slo_metric::fraction_below) {
            v.line += " > " + detail::format_duration(o.parameter);
        } else {
            v.line += " failed";
        }
    }
    v.line += ")";
    return v;
}

LOADKIT_DECL slo_policy& slo_policy::add(objective o) {
    validate(o); // also one built field by field (objective.confidence = 2)
    objectives_.push_back(std::move(o));
    return *this;
}

LOADKIT_DECL slo_policy& slo_policy::add(std::string_view text) { return add(parse_objective(text)); }

LOADKIT_DECL slo_report slo_policy::evaluate(const run_result& result, const slo_context& context) const {
    slo_report report;
    report.verdicts.reserve(objectives_.size());
    for (const auto& o : objectives_) {
        report.verdicts.push_back(loadkit::evaluate(o, result, context));
    }
    return report;
}

LOADKIT_DECL abort_decision slo_policy::should_abort(const run_result& partial,
                                                     std::chrono::nanoseconds elapsed,
                                                     const slo_context& context) const {
    for (const auto& o : objectives_) {
        if (!o.abort_on_fail || elapsed < o.abort_grace) {
            continue;
        }
        objective_verdict v = loadkit::evaluate(o, partial, context);
        const bool failing = o.abort_when_confident ? v.statistical == verdict::fail : !v.passed;
        if (v.has_data && failing) {
            return {true, std::move(v.line)};
        }
    }
    return {};
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_SLO_IPP
