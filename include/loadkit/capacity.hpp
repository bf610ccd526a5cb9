// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::find_capacity — the highest arrival rate that still meets an SLO ("sustainable
// throughput", as Gil Tene recommends reporting instead of saturation throughput; MLPerf LoadGen's
// FindPeakPerformance does the same search on a p99 bound).
//
//   auto report = loadkit::find_capacity(
//       {.start_rate = 50, .step_duration = 10s, .slo = loadkit::slo_policy{"p99 < 50ms", "error_rate <
//       1%"}}, loadkit::operation{"checkout", checkout});
//   std::printf("sustainable: %.0f/s\n", *report.capacity->sustainable);
//
// The search runs constant_rate steps: the rate grows by `growth` from start_rate until a step
// fails, then bisects between the last pass and the first failure until they are within
// `precision` of each other. A step passes when every SLO objective passes (plain verdicts) and the
// achieved throughput is at least min_achieved_ratio of the offered rate (a generator or target that
// cannot keep up fails the step; dropped arrivals count against it). The report's capacity curve
// holds every step (the throughput/latency curve), the sustainable rate and the knee: the highest
// offered rate, below the first failure, whose p99 stays within knee_factor of the p99 at the
// lowest rate tried — where latency starts to climb faster than load. The report's result and SLO
// verdicts are those of the sustainable step.
#ifndef LOADKIT_CAPACITY_HPP
#define LOADKIT_CAPACITY_HPP

#include <loadkit/engine.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/scenario.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

struct capacity_options {
    double start_rate = 10.0; // operations per second of the first step, > 0
    double max_rate = 1e7;    // the search never offers more
    double growth = 2.0;      // > 1: the rate multiplies by it until a step fails
    double precision = 0.05;  // > 0: bisect until (first failure - last pass) <= precision * last pass
    std::chrono::nanoseconds step_duration = std::chrono::seconds{10};
    std::chrono::nanoseconds step_warmup{}; // excluded from each step's verdict
    std::uint64_t max_in_flight = 1000;
    slo_policy slo{};                 // what "sustainable" means; required
    double min_achieved_ratio = 0.95; // 0 < r <= 1
    double knee_factor = 2.0;         // > 1
    std::size_t max_steps = 40;
    run_options run{}; // threads, timeouts etc. of each step (its slo and warmup are replaced)
    std::function<void(const capacity_step&)> on_step{}; // told after each step (progress)
};

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

inline std::optional<double> find_knee(std::vector<capacity_step> steps, double factor) {
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

// Searches the arrival rate for `work` (its profile is replaced by each step's constant_rate).
// Throws std::invalid_argument naming the field for invalid options or scenario.
inline run_report find_capacity(const capacity_options& options, const scenario& work) {
    detail::validate_capacity(options);
    capacity_curve curve;
    curve.unit = "ops/s";
    for (const auto& o : options.slo.objectives()) {
        curve.objective += curve.objective.empty() ? o.text() : ", " + o.text();
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

inline run_report find_capacity(const capacity_options& options, operation op) {
    scenario s;
    s.name = op.name();
    s.operations.push_back(std::move(op));
    return find_capacity(options, s);
}

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_CAPACITY_HPP
