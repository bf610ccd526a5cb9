// SPDX-License-Identifier: MIT
// The verdict lines of loadkit::testing::judge and the one-line summaries (testing/judgement.hpp).
// The body of testing/judgement.hpp: included at its end in header-only mode, by src/verdicts.cpp
// otherwise.
#ifndef LOADKIT_IMPL_JUDGEMENT_IPP
#define LOADKIT_IMPL_JUDGEMENT_IPP

#include <loadkit/leak.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// 4 significant digits in the largest unit below the value, ASCII ("us"): assertion output lands in
// logs and IDE panes. Not detail/text/units.hpp: a body of the core, which the adapters' single
// headers would otherwise carry a second copy of.
inline std::string judgement_duration(std::chrono::nanoseconds d) {
    const double ns = static_cast<double>(d.count());
    const double magnitude = ns < 0 ? -ns : ns;
    const auto [scale, unit] = magnitude >= 1e9   ? std::pair{1e9, "s"}
                               : magnitude >= 1e6 ? std::pair{1e6, "ms"}
                               : magnitude >= 1e3 ? std::pair{1e3, "us"}
                                                  : std::pair{1.0, "ns"};
    char text[48];
    std::snprintf(text, sizeof text, "%.4g%s", ns / scale, unit);
    return text;
}

inline void judgement_verdict_line(std::string& out, bool passed, int exit_code) {
    out += passed ? "PASSED" : "FAILED";
    out += " (exit code " + std::to_string(exit_code) + ")\n";
}

} // namespace detail

namespace testing {

LOADKIT_DECL judgement judge(const run_report& report) {
    judgement j{report.passed(), {}};
    if (report.result.reason == stop_reason::interrupted) {
        j.lines += "FAIL: the run was stopped from outside (a signal or a stop token); its verdicts judge "
                   "a partial run\n";
    }
    if (report.slo) {
        j.lines += report.slo->lines();
    }
    if (report.leak) {
        const leak_verdict v = report.leak->verdict;
        j.lines += v == leak_verdict::no_leak ? "PASS" : v == leak_verdict::leak ? "FAIL" : "INCONCLUSIVE";
        j.lines += ": leak check: " + report.leak->describe() + "\n";
    }
    const std::size_t hung = report.hung();
    if (hung > 0) {
        j.lines += "FAIL: " + std::to_string(hung) +
                   (hung == 1 ? " operation was stuck:" : " operations were stuck:");
        // A hung service can leave hundreds: the first few say where, the count says how many.
        constexpr std::size_t listed = 8;
        std::size_t shown = 0;
        for (const auto& op : report.stuck) {
            if (op.finished) {
                continue;
            }
            if (shown == listed) {
                j.lines += "; ...";
                break;
            }
            j.lines += shown++ == 0 ? " " : "; ";
            std::string where = op.scenario;
            where += (where.empty() || op.tag.empty() ? "" : " / ") + op.tag;
            j.lines += where + ", VU " + std::to_string(op.virtual_user) + ", iteration " +
                       std::to_string(op.iteration) + ", running for " +
                       detail::judgement_duration(op.elapsed) + (op.abandoned ? " (abandoned)" : "");
        }
        j.lines += "\n";
    }
    if (!report.slo && !report.leak && report.stuck.empty() &&
        report.result.reason != stop_reason::interrupted) {
        j.lines += "PASS: nothing judged (no SLO objectives, no leak check, no stuck operations)\n";
    }
    detail::judgement_verdict_line(j.lines, j.passed, report.exit_code());
    return j;
}

LOADKIT_DECL judgement judge(const run_result& result, const slo_policy& policy, const slo_context& context) {
    const slo_report slo = policy.evaluate(result, context);
    judgement j{slo.passed(), slo.lines()};
    if (policy.empty()) {
        j.lines += "PASS: nothing judged (no SLO objectives)\n";
    }
    detail::judgement_verdict_line(j.lines, j.passed, slo.exit_code());
    return j;
}

LOADKIT_DECL std::string summary(const run_result& result) {
    const auto& all = result.overall;
    char head[160];
    std::snprintf(head, sizeof head, "run_result{%llu ops, %llu failed (%.3g%%), %.4g ops/s",
                  static_cast<unsigned long long>(all.count()), static_cast<unsigned long long>(all.failed()),
                  100.0 * all.error_rate(), all.throughput());
    std::string out = head;
    for (const double p : {50.0, 95.0, 99.0}) {
        out += ", p" + std::to_string(static_cast<int>(p)) + " " +
               detail::judgement_duration(all.latency.value_at_percentile(p));
    }
    out += ", ";
    out += to_string(result.reason);
    out += "}";
    return out;
}

LOADKIT_DECL std::string summary(const run_report& report) {
    std::string out = "run_report{";
    if (!report.title.empty()) {
        out += "\"" + report.title + "\": ";
    }
    out += report.passed() ? "PASSED" : "FAILED";
    out += " (exit code " + std::to_string(report.exit_code()) + "), ";
    // The result's figures without its own braces: one summary, not one nested in another.
    const std::string figures = summary(report.result);
    out += figures.substr(sizeof "run_result{" - 1);
    return out;
}

} // namespace testing
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_JUDGEMENT_IPP
