// SPDX-License-Identifier: MIT
// The bodies of capacity.hpp: option checks, judging one step, the knee, and the search itself (grow,
// then bisect). Included at the end of capacity.hpp in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_CAPACITY_IPP
#define LOADKIT_IMPL_CAPACITY_IPP

#include <loadkit/core_types.hpp>
#include <loadkit/detail/slo/objective.hpp>
#include <loadkit/engine.hpp>
#include <loadkit/operation.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/scenario.hpp>
#include <loadkit/slo.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

[[noreturn]] inline void throw_capacity(const char* field, double value, const char* expected) {
    char text[48];
    std::snprintf(text, sizeof text, "%g", value);
    throw std::invalid_argument(std::string("loadkit::capacity_options: ") + field + " = " + text +
                                " (expected " + expected + ")");
}

inline void validate_capacity(const capacity_options& o) {
    if (!std::isfinite(o.start_rate) || o.start_rate <= 0.0) {
        throw_capacity("start_rate", o.start_rate, "a finite rate > 0");
    }
    if (!std::isfinite(o.max_rate) || o.max_rate < o.start_rate) {
        throw_capacity("max_rate", o.max_rate, ">= start_rate");
    }
    if (!std::isfinite(o.growth) || o.growth <= 1.0) {
        throw_capacity("growth", o.growth, "> 1");
    }
    if (!std::isfinite(o.precision) || o.precision <= 0.0) {
        throw_capacity("precision", o.precision, "> 0");
    }
    if (o.step_duration <= std::chrono::nanoseconds::zero()) {
        throw_capacity("step_duration", static_cast<double>(o.step_duration.count()), "> 0 (ns)");
    }
    if (o.step_warmup < std::chrono::nanoseconds::zero() || o.step_warmup >= o.step_duration) {
        throw_capacity("step_warmup", static_cast<double>(o.step_warmup.count()),
                       ">= 0 and < step_duration (ns)");
    }
    if (o.slo.empty()) {
        throw std::invalid_argument("loadkit::capacity_options: slo = {} (expected at least one objective)");
    }
    if (!(o.min_achieved_ratio > 0.0 && o.min_achieved_ratio <= 1.0)) {
        throw_capacity("min_achieved_ratio", o.min_achieved_ratio, "0 < ratio <= 1");
    }
    if (!(o.knee_factor > 1.0)) {
        throw_capacity("knee_factor", o.knee_factor, "> 1");
    }
    if (o.max_steps < 2) {
        throw_capacity("max_steps", static_cast<double>(o.max_steps), ">= 2");
    }
}

inline capacity_step judge_step(double offered, const run_report& r, double min_ratio) {
    capacity_step step;
    step.offered_rate = offered;
    const op_stats& steady = r.result.overall;
    const double seconds = std::chrono::duration<double>(steady.duration).count();
    step.achieved_rate = seconds > 0.0 ? static_cast<double>(steady.count()) / seconds : 0.0;
    step.p50 = steady.latency.value_at_percentile(50.0);
    step.p95 = steady.latency.value_at_percentile(95.0);
    step.p99 = steady.latency.value_at_percentile(99.0);
    const double all = static_cast<double>(steady.count() + steady.dropped);
    step.error_rate =
        all > 0.0 ? static_cast<double>(steady.errors + steady.timeouts + steady.dropped) / all : 0.0;
    const bool slo_ok = !r.slo || r.slo->passed();
    const bool kept_up = step.achieved_rate >= min_ratio * offered;
    step.passed = slo_ok && kept_up;
    if (step.passed) {
        step.verdict = "PASS";
    } else if (!slo_ok) {
        for (const auto& v : r.slo->verdicts) {
            if (!v.passed) {
                step.verdict = v.line;
                break;
            }
        }
    } else {
        char text[160];
        std::snprintf(
            text, sizeof text, "FAIL: achieved %.1f/s of %.1f/s offered (below %.0f%%; %llu dropped)",
            step.achieved_rate, offered, min_ratio * 100.0, static_cast<unsigned long long>(steady.dropped));
        step.verdict = text;
    }
    return step;
}

LOADKIT_DECL std::optional<double> find_knee(std::vector<capacity_step> steps, double factor) {
    std::sort(steps.begin(), steps.end(),
              [](const capacity_step& a, const capacity_step& b) { return a.offered_rate < b.offered_rate; });
    if (steps.size() < 2 || steps.front().p99.count() <= 0) {
        return std::nullopt;
    }
    const double baseline = static_cast<double>(steps.front().p99.count());
    std::optional<double> knee;
    for (const auto& s : steps) {
        if (!s.passed || static_cast<double>(s.p99.count()) > factor * baseline) {
            return knee;
        }
        knee = s.offered_rate;
    }
    return std::nullopt; // latency never climbed within the rates tried
}

} // namespace detail

LOADKIT_DECL run_report find_capacity(const capacity_options& options, const scenario& work) {
    detail::validate_capacity(options);
    capacity_curve curve;
    curve.unit = "ops/s";
    for (const auto& o : options.slo.objectives()) {
        const std::string text = detail::shown_objective(o);
        curve.objective += curve.objective.empty() ? text : ", " + text;
    }
    std::optional<run_report> best;
    double best_rate = 0.0;
    const auto step = [&](double rate) -> bool {
        scenario s = work;
        s.profile = constant_rate{rate, options.step_duration, options.max_in_flight};
        run_options ro = options.run;
        ro.slo = options.slo;
        ro.warmup = options.step_warmup;
        if (ro.title.empty()) {
            ro.title = work.name;
        }
        run_report r = run(ro, s);
        capacity_step result = detail::judge_step(rate, r, options.min_achieved_ratio);
        curve.steps.push_back(result);
        if (options.on_step) {
            options.on_step(result);
        }
        const bool stopped = r.result.reason == stop_reason::interrupted;
        if (result.passed && rate > best_rate) {
            best = std::move(r);
            best_rate = rate;
        }
        return result.passed && !stopped;
    };
    double pass = 0.0;
    double fail = 0.0;
    double rate = options.start_rate;
    while (curve.steps.size() < options.max_steps) {
        if (!step(rate)) {
            fail = rate;
            break;
        }
        pass = rate;
        if (rate >= options.max_rate) {
            break;
        }
        rate = std::min(rate * options.growth, options.max_rate);
    }
    while (pass > 0.0 && fail > 0.0 && fail - pass > options.precision * pass &&
           curve.steps.size() < options.max_steps) {
        const double mid = (pass + fail) / 2.0;
        if (step(mid)) {
            pass = mid;
        } else {
            fail = mid;
        }
    }
    curve.sustainable = pass > 0.0 ? std::optional<double>(pass) : std::nullopt;
    curve.knee = detail::find_knee(curve.steps, options.knee_factor);
    run_report out;
    if (best) {
        out = std::move(*best);
    } else {
        out.title = options.run.title.empty() ? work.name : options.run.title;
        out.scenarios.push_back({work.name, "capacity search", latency_model::open, {}, {}});
    }
    out.capacity = std::move(curve);
    if (out.scenarios.size() == 1) {
        out.scenarios[0].profile += out.capacity->sustainable
                                        ? " (capacity search: sustainable " +
                                              detail::profile_rate_text(*out.capacity->sustainable) + ")"
                                        : std::string(" (capacity search: no rate met the SLO)");
    }
    return out;
}

LOADKIT_DECL run_report find_capacity(const capacity_options& options, operation op) {
    scenario s;
    s.name = op.name();
    s.operations.push_back(std::move(op));
    return find_capacity(options, s);
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_CAPACITY_IPP
