// SPDX-License-Identifier: MIT
// The JUnit reporter's body (report/junit.hpp): test cases from the verdicts, properties, the XML.
#ifndef LOADKIT_IMPL_REPORT_JUNIT_IPP
#define LOADKIT_IMPL_REPORT_JUNIT_IPP

#include <loadkit/detail/report/xml.hpp>
#include <loadkit/detail/slo/objective.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/report/terminal.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

inline std::string junit_seconds(std::chrono::nanoseconds d) {
    return human_printf("%.3f", std::chrono::duration<double>(d).count());
}
inline std::string junit_ms(std::chrono::nanoseconds d) {
    return human_printf("%.3f", std::chrono::duration<double, std::milli>(d).count());
}
inline std::string junit_number(double v) { return human_printf("%.6g", v); }

struct junit_case {
    std::string name{};
    std::string classname{};
    std::string time = "0.000";
    std::string outcome{}; // "", "failure", "error" or "skipped"
    std::string message{}; // the outcome's message attribute
    std::string type{};    // the outcome's type attribute
    std::string body{};    // the outcome's text, or the case's <system-out> when it passed
};

inline std::string junit_slo_details(const objective_verdict& v) {
    const objective& o = v.target;
    std::string d = v.line + "\n\nobjective: " + shown_objective(o) + "\nscope: " +
                    (o.tag.empty() ? std::string("all operations") : "tag \"" + shown_tag(o.tag) + "\"") +
                    "\n";
    if (!v.has_data) {
        return d + "no data\n";
    }
    d += "measured: " + o.format_value(v.measured, 6) + "\nlimit: " + o.format_limit() + "\n";
    if (v.binomial) {
        const std::string confidence = human_printf("%g", o.confidence * 100.0) + "%";
        d += "statistical verdict at " + confidence + " confidence: " + to_string(v.statistical) + "\n" +
             "operations judged: " + human_count(v.trials) +
             ", outside the objective: " + human_count(v.bad) + " (allowed fraction " +
             human_percent(v.allowed_bad) + "; one-sided " + confidence + " bounds on the true fraction " +
             human_percent(v.bad_lower) + " .. " + human_percent(v.bad_upper) + ")\n";
    }
    return d;
}

inline std::vector<junit_case> junit_cases(const run_report& report, const std::string& base,
                                           const junit_options& o) {
    std::vector<junit_case> cases;
    if (report.slo) {
        for (const auto& v : report.slo->verdicts) {
            junit_case c{shown_objective(v.target), base + ".slo"};
            if (!v.passed) {
                c.outcome = "failure";
                c.message = v.line;
                c.type = "slo";
            }
            c.body = junit_slo_details(v);
            cases.push_back(std::move(c));
        }
    }
    if (report.leak) {
        junit_case c{"memory leak check", base + ".leak"};
        const std::string line = report.leak->describe();
        if (report.leak->verdict == leak_verdict::leak) {
            c.outcome = "failure";
            c.type = "leak";
        } else if (report.leak->verdict == leak_verdict::inconclusive) {
            c.outcome = "skipped";
        }
        c.message = line;
        c.body = line + "\n";
        cases.push_back(std::move(c));
    }
    if (!report.stuck.empty() || report.past_hang_limit > 0) {
        // Operations that ran past the hang limit and then finished were slow, not hung: the
        // case passes, and says so.
        const std::size_t hung = report.hung();
        junit_case c{"stuck operations", base + ".watchdog"};
        if (hung > 0) {
            c.outcome = "failure";
            c.type = "stuck";
            c.message = human_count(hung) + (hung == 1 ? " operation was stuck" : " operations were stuck");
        }
        for (const auto& s : report.stuck) {
            c.body += "scenario \"" + s.scenario + "\", tag \"" + s.tag + "\": virtual user " +
                      std::to_string(s.virtual_user) + ", iteration " + std::to_string(s.iteration) +
                      (s.finished ? ", took " : ", running for ") + human_span(s.elapsed, false) +
                      (s.abandoned ? " (abandoned: still running when the run returned)" : "") +
                      (s.finished ? " (finished: slow, not hung)" : "") + "\n";
        }
        if (report.past_hang_limit > 0) {
            c.body += human_count(report.past_hang_limit) +
                      " operation(s) ran past the hang limit, then finished\n";
        }
        cases.push_back(std::move(c));
    }
    if (o.run_testcase) {
        const run_result& r = report.result;
        junit_case c{"run", base + ".run", junit_seconds(r.duration)};
        std::string line = std::string("stop reason: ") + to_string(r.reason);
        if (!r.reason_text.empty()) {
            line += " (" + r.reason_text + ")";
        }
        if (r.reason == stop_reason::slo_abort) {
            c.outcome = "failure";
            c.type = "slo_abort";
        } else if (r.reason == stop_reason::error) {
            c.outcome = "error";
            c.type = "error";
        }
        c.message = line;
        c.body = line + "\n" + human_count(r.overall.count()) + " operations, " +
                 human_percent(r.overall.error_rate()) + " failed, " + human_count(r.overall.dropped) +
                 " dropped\n";
        cases.push_back(std::move(c));
    }
    return cases;
}

inline void junit_property(std::string& out, std::string_view name, const std::string& value) {
    out += "      <property name=\"" + xml_attribute(name) + "\" value=\"" + xml_attribute(value) + "\"/>\n";
}

inline void junit_scope_properties(std::string& out, const std::string& prefix, const op_stats& s) {
    junit_property(out, prefix + "count", std::to_string(s.count()));
    junit_property(out, prefix + "ok", std::to_string(s.ok));
    junit_property(out, prefix + "errors", std::to_string(s.errors));
    junit_property(out, prefix + "timeouts", std::to_string(s.timeouts));
    junit_property(out, prefix + "dropped", std::to_string(s.dropped));
    junit_property(out, prefix + "error_rate", junit_number(s.error_rate()));
    junit_property(out, prefix + "throughput_per_s", junit_number(s.throughput()));
    if (!s.latency.empty()) {
        const latency_summary m = s.summary();
        junit_property(out, prefix + "latency_min_ms", junit_ms(m.min));
        junit_property(out, prefix + "latency_avg_ms",
                       junit_ms(std::chrono::duration_cast<std::chrono::nanoseconds>(m.mean)));
        junit_property(out, prefix + "latency_p50_ms", junit_ms(m.p50));
        junit_property(out, prefix + "latency_p90_ms", junit_ms(m.p90));
        junit_property(out, prefix + "latency_p95_ms", junit_ms(m.p95));
        junit_property(out, prefix + "latency_p99_ms", junit_ms(m.p99));
        junit_property(out, prefix + "latency_p99.9_ms", junit_ms(m.p999));
        junit_property(out, prefix + "latency_max_ms", junit_ms(m.max));
    }
}

} // namespace detail

LOADKIT_DECL std::string to_junit(const run_report& report, const junit_options& options) {
    using namespace detail;
    const std::string name =
        !options.name.empty() ? options.name : (report.title.empty() ? "loadkit" : report.title);
    const std::string base =
        !options.classname.empty() ? options.classname : (report.title.empty() ? "loadkit" : report.title);
    const std::vector<junit_case> cases = junit_cases(report, base, options);
    std::size_t failures = 0;
    std::size_t errors = 0;
    std::size_t skipped = 0;
    for (const auto& c : cases) {
        failures += c.outcome == "failure" ? 1U : 0U;
        errors += c.outcome == "error" ? 1U : 0U;
        skipped += c.outcome == "skipped" ? 1U : 0U;
    }
    const std::string time = junit_seconds(report.result.duration);
    const std::string counts = " tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
                               std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\"";
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"" + xml_attribute(name) + "\"" + counts + " time=\"" + time + "\">\n";
    out += "  <testsuite name=\"" + xml_attribute(name) + "\"" + counts + " skipped=\"" +
           std::to_string(skipped) + "\" time=\"" + time + "\"";
    const std::string timestamp = human_utc(report.started, true);
    if (!timestamp.empty()) {
        out += " timestamp=\"" + timestamp + "\"";
    }
    if (!options.hostname.empty()) {
        out += " hostname=\"" + xml_attribute(options.hostname) + "\"";
    }
    out += " id=\"0\" package=\"" + xml_attribute(base) + "\">\n";
    if (options.properties) {
        const run_result& r = report.result;
        out += "    <properties>\n";
        junit_property(out, "loadkit.version",
                       std::to_string(version.major) + "." + std::to_string(version.minor) + "." +
                           std::to_string(version.patch));
        junit_property(out, "latency_model", to_string(r.model));
        junit_property(out, "stop_reason", to_string(r.reason));
        if (!r.reason_text.empty()) {
            junit_property(out, "stop_reason_text", r.reason_text);
        }
        junit_property(out, "duration_s", junit_seconds(r.duration));
        junit_property(out, "warmup_s", junit_seconds(r.warmup));
        for (const auto& sc : report.scenarios) {
            junit_property(out, "scenario." + sc.name, sc.profile);
        }
        junit_scope_properties(out, "", r.overall);
        if (options.per_tag_properties) {
            for (const auto& t : r.tags) {
                junit_scope_properties(out, "tag." + t.name + ".", t);
            }
        }
        out += "    </properties>\n";
    }
    for (const auto& c : cases) {
        out += "    <testcase name=\"" + xml_attribute(c.name) + "\" classname=\"" +
               xml_attribute(c.classname) + "\" time=\"" + c.time + "\"";
        if (c.outcome.empty() && c.body.empty()) {
            out += "/>\n";
            continue;
        }
        out += ">\n";
        if (!c.outcome.empty()) {
            out += "      <" + c.outcome + " message=\"" + xml_attribute(c.message) + "\"";
            if (!c.type.empty()) {
                out += " type=\"" + xml_attribute(c.type) + "\"";
            }
            out += c.outcome == "skipped" ? "/>\n" : ">" + xml_text(c.body) + "</" + c.outcome + ">\n";
        }
        if (c.outcome.empty() || c.outcome == "skipped") {
            out += "      <system-out>" + xml_text(c.body) + "</system-out>\n";
        }
        out += "    </testcase>\n";
    }
    if (options.console_summary) {
        console_options plain;
        plain.color = color_mode::never;
        out += "    <system-out>" + xml_text(to_console(report, plain)) + "</system-out>\n";
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_JUNIT_IPP
