// SPDX-License-Identifier: MIT
//
// loadkit::to_html's body (declared in report/html.hpp): the page, its tables and style, around the
// SVG charts of detail/report/svg/.
// The body of report/html.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_REPORT_HTML_IPP
#define LOADKIT_IMPL_REPORT_HTML_IPP

#include <loadkit/detail/report/svg/chart.hpp>
#include <loadkit/detail/report/svg/charts.hpp>
#include <loadkit/detail/report/svg/text.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

inline std::string html_text(std::string_view s) { return html_escape(s); }

inline std::string utc_text(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto s = floor<seconds>(t);
    const sys_days day = floor<days>(s);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{s - day};
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d UTC", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return text;
}

// A run length: "12.5 s", "4 min 05 s", "2 h 07 min".
inline std::string span_text(std::chrono::nanoseconds d) {
    const double s = std::chrono::duration<double>(d).count();
    if (s < 60.0) {
        return fixed_significant(s, 3) + " s";
    }
    const auto total = static_cast<long long>(std::llround(s));
    char text[48];
    if (total < 3600) {
        std::snprintf(text, sizeof text, "%lld min %02lld s", total / 60, total % 60);
    } else {
        std::snprintf(text, sizeof text, "%lld h %02lld min", total / 3600, total % 3600 / 60);
    }
    return text;
}

inline std::string ns_text(std::chrono::nanoseconds d) {
    return duration_text(static_cast<double>(d.count()));
}

inline std::string html_badge(std::string_view text, std::string_view kind) {
    return "<span class=\"badge " + std::string(kind) + "\">" + html_text(text) + "</span>";
}

inline std::string verdict_badge(verdict v) {
    return html_badge(to_string(v), v == verdict::pass ? "pass" : (v == verdict::fail ? "fail" : "warn"));
}

inline std::string html_swatch(const char* color) {
    return "<span class=\"swatch\" style=\"background:" + std::string(color) + "\"></span>";
}

inline std::string chart_block(const svg_chart& c) { return "<figure>" + render_svg(c) + "</figure>"; }

inline std::string latency_cells(const histogram& l) {
    const latency_summary s = summarize(l);
    const std::string dash = "\xE2\x80\x93";
    std::string o = "<td>" + (s.count == 0 ? dash : ns_text(s.min)) + "</td><td>" +
                    (s.count == 0 ? dash : duration_text(s.mean.count())) + "</td>";
    for (const auto d : {s.p50, s.p90, s.p95, s.p99, s.p999, s.max}) {
        o += "<td>" + (s.count == 0 ? dash : ns_text(d)) + "</td>";
    }
    return o;
}

inline const char* latency_head() {
    return "<th>min</th><th>mean</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</"
           "th>";
}

inline std::string summary_row(const std::string& name, const char* color, const op_stats& s, bool total,
                               bool scheduled) {
    std::string o = total ? "<tr class=\"total\">" : "<tr>";
    o += "<td class=\"name\">" + (color != nullptr ? html_swatch(color) : std::string()) + html_text(name) +
         "</td>";
    o += "<td>" + count_text(s.count()) + "</td>";
    o += "<td" + std::string(s.errors > 0 ? " class=\"bad\"" : "") + ">" + count_text(s.errors) + "</td>";
    o += "<td" + std::string(s.timeouts > 0 ? " class=\"bad\"" : "") + ">" + count_text(s.timeouts) + "</td>";
    o += "<td>" + count_text(s.dropped) + "</td>";
    if (scheduled) {
        o += "<td>" + count_text(s.scheduled) + "</td>";
    }
    o += "<td" + std::string(s.failed() > 0 ? " class=\"bad\"" : "") + ">" + percent_text(s.error_rate()) +
         "</td>";
    o += "<td>" + rate_text(s.throughput()) + "</td>";
    return o + latency_cells(s.latency) + "</tr>";
}

inline std::string summary_table(const run_result& r) {
    // 0 scheduled in the whole run: nothing counted them (a recorder written to directly).
    const bool scheduled = r.overall.scheduled + (r.overall.warmup ? r.overall.warmup->scheduled : 0) > 0;
    std::string o = "<div class=\"scroll\"><table><thead><tr><th class=\"name\">operation</th><th>count</th>"
                    "<th>errors</th><th>timeouts</th><th>dropped</th>";
    o += scheduled ? "<th>scheduled</th><th>error %</th><th>rate</th>" : "<th>error %</th><th>rate</th>";
    o += std::string(latency_head()) + "</tr></thead><tbody>";
    for (const auto& t : r.tags) {
        o += summary_row(t.name, tag_color(r, &t), t, false, scheduled);
    }
    o += summary_row("all", nullptr, r.overall, true, scheduled);
    o += "</tbody></table></div>";
    if (r.model == latency_model::open) {
        o += "<h3>Service time (from the actual start; the table above has the response time from the "
             "intended "
             "start)</h3><div class=\"scroll\"><table><thead><tr><th class=\"name\">operation</th>" +
             std::string(latency_head()) + "</tr></thead><tbody>";
        for (const auto& t : r.tags) {
            if (t.service_time) {
                o += "<tr><td class=\"name\">" + html_swatch(tag_color(r, &t)) + html_text(t.name) + "</td>" +
                     latency_cells(*t.service_time) + "</tr>";
            }
        }
        if (r.overall.service_time) {
            o += "<tr class=\"total\"><td class=\"name\">all operations</td>" +
                 latency_cells(*r.overall.service_time) + "</tr>";
        }
        o += "</tbody></table></div>";
    }
    bool warm = false;
    for (const auto& t : r.tags) {
        warm = warm || (t.warmup && t.warmup->count() + t.warmup->dropped > 0);
    }
    if (warm) {
        o += "<h3>Warm-up (" + html_text(span_text(r.warmup)) +
             ", excluded from the figures above)</h3><div class=\"scroll\"><table><thead><tr>"
             "<th "
             "class=\"name\">operation</th><th>count</th><th>errors</th><th>timeouts</th><th>p50</"
             "th><th>p99</th>"
             "<th>max</th></tr></thead><tbody>";
        for (const auto& t : r.tags) {
            if (t.warmup) {
                const latency_summary s = summarize(t.warmup->latency);
                o += "<tr><td class=\"name\">" + html_swatch(tag_color(r, &t)) + html_text(t.name) +
                     "</td><td>" + count_text(t.warmup->count()) + "</td><td>" +
                     count_text(t.warmup->errors) + "</td><td>" + count_text(t.warmup->timeouts) +
                     "</td><td>" + ns_text(s.p50) + "</td><td>" + ns_text(s.p99) + "</td><td>" +
                     ns_text(s.max) + "</td></tr>";
            }
        }
        o += "</tbody></table></div>";
    }
    return o;
}

inline std::string errors_table(const run_result& r) {
    std::string rows;
    for (const auto& t : r.tags) {
        for (const auto& c : t.error_categories) {
            std::string samples;
            for (const auto& m : c.messages) {
                samples += "<li><code>" + (m.text.empty() ? std::string("(no message)") : html_text(m.text)) +
                           "</code> \xC3\x97" + count_text(m.count) + "</li>";
            }
            if (c.other_messages > 0) {
                samples +=
                    "<li class=\"muted\">" + count_text(c.other_messages) + " more with other messages</li>";
            }
            rows += "<tr><td class=\"name\">" + html_swatch(tag_color(r, &t)) + html_text(t.name) +
                    "</td><td class=\"name\">" + html_text(c.name) + "</td><td>" + count_text(c.count) +
                    "</td><td class=\"name\"><ul>" + samples + "</ul></td></tr>";
        }
    }
    if (rows.empty()) {
        return "<p class=\"muted\">No errors in the steady state.</p>";
    }
    return "<div class=\"scroll\"><table><thead><tr><th class=\"name\">operation</th><th "
           "class=\"name\">category</th>"
           "<th>count</th><th class=\"name\">sample messages</th></tr></thead><tbody>" +
           rows + "</tbody></table></div>";
}

inline std::string slo_table(const slo_report& slo) {
    std::string o =
        "<div class=\"scroll\"><table><thead><tr><th class=\"name\">verdict</th><th class=\"name\">"
        "statistical</th><th class=\"name\">objective and measurement</th></tr></thead><tbody>";
    for (const auto& v : slo.verdicts) {
        o += "<tr><td class=\"name\">" + html_badge(v.passed ? "PASS" : "FAIL", v.passed ? "pass" : "fail") +
             "</td><td class=\"name\">" + verdict_badge(v.statistical) + "</td><td class=\"name\"><code>" +
             html_text(v.line) + "</code></td></tr>";
    }
    return o + "</tbody></table></div>";
}

inline std::string leak_table(const leak_report& l) {
    const bool seconds = l.x_unit == "s" || l.x_unit == "sec" || l.x_unit == "seconds";
    const std::string per = seconds ? "/h" : "/" + l.x_unit;
    const double scale = seconds ? 3600.0 : 1.0;
    std::string o =
        "<p>" +
        html_badge(to_string(l.verdict), l.verdict == leak_verdict::leak
                                             ? "fail"
                                             : (l.verdict == leak_verdict::no_leak ? "pass" : "warn")) +
        " <code>" + html_text(l.describe()) + "</code></p>";
    o += "<div class=\"scroll\"><table><thead><tr><th class=\"name\">series</th><th "
         "class=\"name\">verdict</th>"
         "<th>slope</th><th>" +
         html_text(trimmed(100.0 * l.confidence, 4)) +
         "% interval</th><th>growth over run</th>"
         "<th>effect floor</th><th>level</th><th>samples</th><th>warm-up cut</th></tr></thead><tbody>";
    for (const auto& [name, trend] :
         {std::pair<const char*, const std::optional<leak_trend>*>{"RSS", &l.rss},
          std::pair<const char*, const std::optional<leak_trend>*>{"heap", &l.heap}}) {
        if (!*trend) {
            continue;
        }
        const leak_trend& t = **trend;
        std::string interval = detail::leak_interval_missing(t, l.confidence);
        if (interval.empty()) {
            interval = bytes_text(t.ci_low * scale, true) + " .. " + bytes_text(t.ci_high * scale, true);
        }
        o += "<tr><td class=\"name\">" + std::string(name) + "</td><td class=\"name\">" +
             html_text(to_string(t.verdict)) + "</td><td>" +
             html_text(bytes_text(t.slope * scale, true) + per) + "</td><td>" + html_text(interval) +
             "</td><td>" + html_text(bytes_text(t.growth, true)) + "</td><td>" +
             html_text(bytes_text(t.effect_floor)) + "</td><td>" + html_text(bytes_text(t.level)) +
             "</td><td>" + count_text(t.samples) + "</td><td>" + count_text(t.warmup_windows) + " of " +
             count_text(t.windows) + " windows</td></tr>";
    }
    return o + "</tbody></table></div>";
}

inline std::string capacity_table(const capacity_curve& c) {
    std::string o = "<div class=\"scroll\"><table><thead><tr><th>offered (" + html_text(c.unit) +
                    ")</th><th>achieved</th><th>p50</th><th>p95</th><th>p99</th><th>error rate</th>"
                    "<th class=\"name\">verdict</th></tr></thead><tbody>";
    for (const auto& s : c.steps) {
        const bool best = c.sustainable && *c.sustainable == s.offered_rate;
        o += std::string(best ? "<tr class=\"best\">" : "<tr>") + "<td>" +
             html_text(trimmed(s.offered_rate, 4)) + "</td><td>" + html_text(rate_text(s.achieved_rate)) +
             "</td><td>" + ns_text(s.p50) + "</td><td>" + ns_text(s.p95) + "</td><td>" + ns_text(s.p99) +
             "</td><td>" + percent_text(s.error_rate) + "</td><td class=\"name\">" +
             html_badge(s.passed ? "PASS" : "FAIL", s.passed ? "pass" : "fail") + " <code>" +
             html_text(s.verdict) + "</code></td></tr>";
    }
    return o + "</tbody></table></div>";
}

inline std::string stuck_table(const std::vector<stuck_operation>& stuck) {
    std::string o =
        "<div class=\"scroll\"><table><thead><tr><th class=\"name\">scenario</th><th class=\"name\">"
        "operation</th><th>virtual user</th><th>iteration</th><th>ran for</th><th class=\"name\">"
        "state</th></tr></thead><tbody>";
    for (const auto& s : stuck) {
        o += "<tr><td class=\"name\">" + html_text(s.scenario) + "</td><td class=\"name\">" +
             html_text(s.tag) + "</td><td>" + count_text(s.virtual_user) + "</td><td>" +
             count_text(s.iteration) + "</td><td>" + ns_text(s.elapsed) + "</td><td class=\"name\">" +
             (s.abandoned ? html_badge("abandoned", "fail")
                          : (s.finished ? html_badge("finished", "warn") : html_badge("reported", "warn"))) +
             "</td></tr>";
    }
    return o + "</tbody></table></div>";
}

inline std::string scenarios_table(const std::vector<scenario_summary>& scenarios) {
    std::string o =
        "<div class=\"scroll\"><table><thead><tr><th class=\"name\">scenario</th><th class=\"name\">"
        "profile</th><th class=\"name\">model</th><th>starts at</th><th class=\"name\">operations</th>"
        "</tr></thead><tbody>";
    for (const auto& s : scenarios) {
        std::string ops;
        for (const auto& op : s.operations) {
            ops += (ops.empty() ? "" : ", ") + html_text(op);
        }
        o += "<tr><td class=\"name\">" + html_text(s.name) + "</td><td class=\"name\">" +
             html_text(s.profile) + "</td><td class=\"name\">" + to_string(s.model) + "</td><td>" +
             span_text(s.start_offset) + "</td><td class=\"name\">" + ops + "</td></tr>";
    }
    return o + "</tbody></table></div>";
}

inline std::string html_card(std::string_view label, const std::string& value, std::string_view kind = "") {
    return "<div class=\"card" + (kind.empty() ? std::string() : " " + std::string(kind)) +
           "\"><div class=\"label\">" + html_text(label) + "</div><div class=\"value\">" + html_text(value) +
           "</div></div>";
}

inline constexpr std::string_view html_style =
    "body{margin:0;background:#f4f5f7;color:#1f2328;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
    "Helvetica,Arial,sans-serif}"
    "main{max-width:1220px;margin:0 auto;padding:20px 24px 40px}"
    "header{display:flex;flex-wrap:wrap;align-items:center;gap:8px 18px;margin-bottom:14px}"
    "h1{font-size:24px;margin:0;font-weight:650}h2{font-size:17px;margin:28px 0 10px;font-weight:650}"
    "h3{font-size:14px;margin:16px 0 8px;font-weight:600;color:#444}"
    ".meta{color:#57606a;width:100%;margin:0}"
    ".verdict{font-size:15px;font-weight:700;padding:4px 14px;border-radius:16px}"
    ".verdict.pass{background:#dcf5e3;color:#176b33}.verdict.fail{background:#fde2e1;color:#a4221b}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(118px,1fr));gap:10px;margin-top:14px}"
    ".card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:10px 14px}"
    ".card .label{color:#57606a;font-size:12px}.card "
    ".value{font-size:20px;font-weight:650;white-space:nowrap}"
    ".card.bad .value{color:#b3261e}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:12px;margin-bottom:12px}"
    "figure{margin:0;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:6px;overflow:hidden}"
    "svg.chart{display:block;width:100%;height:auto}"
    ".scroll{overflow-x:auto;background:#fff;border:1px solid #dde1e6;border-radius:8px}"
    "table{border-collapse:collapse;width:100%;font-size:12.5px}"
    "th,td{padding:5px 8px;text-align:right;white-space:nowrap;border-bottom:1px solid #eceef1}"
    "th{background:#f6f8fa;font-weight:600;color:#444}th.name,td.name{text-align:left}"
    "td.name{white-space:normal;min-width:11em;max-width:420px;overflow-wrap:anywhere}"
    "tr.total td{font-weight:650;background:#fafbfc}tr.best td{background:#eaf7ee}"
    "td.bad{color:#b3261e}.muted{color:#6e7781}"
    "td ul{margin:0;padding-left:16px}code{font:12px/1.4 "
    "ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "overflow-wrap:anywhere}"
    ".badge{display:inline-block;font-size:11px;font-weight:700;padding:1px 7px;border-radius:10px}"
    ".badge.pass{background:#dcf5e3;color:#176b33}.badge.fail{background:#fde2e1;color:#a4221b}"
    ".badge.warn{background:#fff1cc;color:#7a5300}"
    ".swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:0}"
    "footer{margin-top:30px;color:#6e7781;font-size:12px}";

} // namespace detail

LOADKIT_DECL std::string to_html(const run_report& report, const html_options& options) {
    using namespace detail;
    if (options.max_chart_tags < 1) {
        throw std::invalid_argument("loadkit::html_options: max_chart_tags = 0 (expected >= 1)");
    }
    const run_result& r = report.result;
    const std::string title = !options.title.empty()
                                  ? options.title
                                  : (!report.title.empty() ? report.title : std::string("loadkit report"));
    const bool passed = report.passed();
    std::string o;
    o.reserve(200000);
    o += "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta "
         "charset=\"utf-8\"/>"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>" +
         html_text(title) + "</title><style>" + std::string(html_style) + "</style></head><body><main>\n";

    // Header and verdict.
    o += "<header><h1>" + html_text(title) + "</h1><span class=\"verdict " + (passed ? "pass" : "fail") +
         "\">" + (passed ? "PASSED" : "FAILED (exit code " + std::to_string(report.exit_code()) + ")") +
         "</span>";
    std::string meta = "started " + utc_text(report.started) + " \xC2\xB7 ran " + span_text(r.duration);
    if (r.warmup > std::chrono::nanoseconds::zero()) {
        meta += " (warm-up " + span_text(r.warmup) + ")";
    }
    meta +=
        std::string(" \xC2\xB7 ") + to_string(r.model) + " model \xC2\xB7 stopped: " + to_string(r.reason);
    if (!r.reason_text.empty()) {
        meta += " (" + r.reason_text + ")";
    }
    o += "<p class=\"meta\">" + html_text(meta) + "</p></header>\n";
    if (report.slo) {
        o += "<h2>Service level objectives</h2>" + slo_table(*report.slo) + "\n";
    }

    // Headline figures (steady state).
    const op_stats& all = r.overall;
    const latency_summary s = summarize(all.latency);
    o += "<div class=\"cards\">" + html_card("operations", count_text(all.count())) +
         html_card("throughput", rate_text(all.throughput())) +
         html_card("error rate", percent_text(all.error_rate()), all.failed() > 0 ? "bad" : "") +
         html_card("p50", ns_text(s.p50)) + html_card("p95", ns_text(s.p95)) +
         html_card("p99", ns_text(s.p99)) + html_card("max", ns_text(s.max));
    if (report.leak) {
        o += html_card("memory", to_string(report.leak->verdict),
                       report.leak->verdict == leak_verdict::leak ? "bad" : "");
    }
    if (report.hung() > 0) {
        o += html_card("stuck operations", count_text(report.hung()), "bad");
    }
    if (report.past_hang_limit > 0) {
        o += html_card("past the hang limit, finished", count_text(report.past_hang_limit));
    }
    o += "</div>\n";

    // Latency.
    const std::size_t max_tags = options.max_chart_tags;
    o += "<h2>Latency</h2><div class=\"grid\">" + chart_block(percentile_chart(report, max_tags)) +
         chart_block(latency_chart(report)) + "</div>\n";
    if (r.tags.size() > 1) {
        o += "<div class=\"grid\">" + chart_block(tag_p99_chart(report, max_tags)) + "</div>\n";
    }
    o += "<h2>Operations</h2>" + summary_table(r) + "\n";
    o += "<h2>Throughput and errors over time</h2><div class=\"grid\">" +
         chart_block(throughput_chart(report, max_tags)) + chart_block(errors_chart(report));
    o += "</div>\n<h2>Errors by category</h2>" + errors_table(r) + "\n";
    if (!report.resources.empty() || report.leak) {
        o += "<h2>Memory</h2>";
        if (!report.resources.empty()) {
            o += "<div class=\"grid\">" + chart_block(memory_chart(report)) + "</div>";
        }
        if (report.leak) {
            o += "<h3>Leak check</h3>" + leak_table(*report.leak);
        }
        o += "\n";
    }
    if (report.capacity) {
        const capacity_curve& c = *report.capacity;
        o += "<h2>Capacity search</h2><p>";
        if (!c.objective.empty()) {
            o += "Objective held: <code>" + html_text(c.objective) + "</code>. ";
        }
        o += c.sustainable ? "Highest load that met it: <strong>" +
                                 html_text(trimmed(*c.sustainable, 4) + " " + c.unit) + "</strong>."
                           : std::string("No level met it.");
        o += "</p><div class=\"grid\">" + chart_block(capacity_throughput_chart(c)) +
             chart_block(capacity_latency_chart(c)) + "</div>" + capacity_table(c) + "\n";
    }
    if (!report.stuck.empty()) {
        o += "<h2>Stuck operations</h2>" + stuck_table(report.stuck) + "\n";
    }
    if (!report.scenarios.empty()) {
        o += "<h2>Scenarios</h2>" + scenarios_table(report.scenarios) + "\n";
    }
    o += "<footer>Generated by loadkit " + std::to_string(LOADKIT_VERSION_MAJOR) + "." +
         std::to_string(LOADKIT_VERSION_MINOR) + "." + std::to_string(LOADKIT_VERSION_PATCH) +
         ". Latency figures are histogram values within the histograms' relative error (" +
         html_text(percent_text(r.overall.latency.max_relative_error())) +
         " for the tables, 0.39% for the over-time charts); warm-up operations are excluded from the "
         "tables and headline figures.</footer>\n</main></body></html>\n";
    return o;
}

} // namespace v0_1
} // namespace loadkit

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// The figures of one tag ("" = the whole run) in one run; absent when the run lacks the tag.
struct trend_point {
    bool present = false;
    double p50 = 0.0;
    double p95 = 0.0;
    double p99 = 0.0;
    double throughput = 0.0;
    double error_rate = 0.0;
};

inline trend_point trend_point_of(const run_result& r, const std::string& tag) {
    trend_point p;
    const tag_result* t = r.scope(tag);
    if (t == nullptr || t->count() == 0) {
        return p;
    }
    const latency_summary s = summarize(t->latency);
    p.present = true;
    p.p50 = static_cast<double>(s.p50.count());
    p.p95 = static_cast<double>(s.p95.count());
    p.p99 = static_cast<double>(s.p99.count());
    p.throughput = t->throughput();
    p.error_rate = t->error_rate();
    return p;
}

// Each run against the runs before it (its window), as a nightly job would have judged it; runs of
// another latency model than their window cannot be compared and stay unjudged.
inline std::vector<std::optional<comparison>> judge_trend(std::span<const trend_run> runs,
                                                          const trend_options& o) {
    std::vector<std::optional<comparison>> judged(runs.size());
    for (std::size_t i = o.min_history; i < runs.size(); ++i) {
        std::vector<run_result> before;
        for (std::size_t j = i > o.window ? i - o.window : 0; j < i; ++j) {
            before.push_back(runs[j].report.result);
        }
        try {
            judged[i] = compare(before, runs[i].report.result, o.compare);
        } catch (const std::invalid_argument&) {
        }
    }
    return judged;
}

inline std::string trend_judgement(const std::optional<comparison>& judged, std::size_t index,
                                   std::size_t min_history) {
    if (!judged) {
        return index < min_history ? "<span class=\"muted\">not judged: " + std::to_string(index) +
                                         (index == 1 ? " run" : " runs") + " before it</span>"
                                   : "<span class=\"muted\">not comparable (another latency model)</span>";
    }
    const comparison& c = *judged;
    std::string text;
    for (const metric_change& m : c.metrics) {
        if (m.verdict == change_verdict::regressed) {
            text += (text.empty() ? "" : "<br/>") + html_badge("regressed", "fail") + " " +
                    html_text(m.line(c.options.confidence));
        }
    }
    if (text.empty()) {
        text = html_badge("no regression", "pass") + " <span class=\"muted\">" +
               std::to_string(c.count(change_verdict::improved)) + " improved, " +
               std::to_string(c.count(change_verdict::inconclusive)) + " inconclusive (against " +
               std::to_string(c.baseline_runs) + (c.baseline_runs == 1 ? " run" : " runs") + ")</span>";
    }
    return text;
}

} // namespace detail

LOADKIT_DECL std::string to_trend_html(std::span<const trend_run> runs, const trend_options& options) {
    using namespace detail;
    if (options.window < 1) {
        throw std::invalid_argument("loadkit::trend_options: window = 0 (expected >= 1)");
    }
    if (options.max_chart_tags < 1) {
        throw std::invalid_argument("loadkit::trend_options: max_chart_tags = 0 (expected >= 1)");
    }
    if (options.min_history < 1 || options.min_history > options.window) {
        throw std::invalid_argument(
            "loadkit::trend_options: min_history = " + std::to_string(options.min_history) +
            " (expected 1 .. window = " + std::to_string(options.window) + ")");
    }
    validate(options.compare);
    const std::vector<std::optional<comparison>> judged = judge_trend(runs, options);
    const auto regressed = [&](std::size_t run, const std::string& tag, std::string_view metric) {
        if (!judged[run]) {
            return false;
        }
        for (const metric_change& m : judged[run]->metrics) {
            if (m.tag == tag && m.metric == metric && m.verdict == change_verdict::regressed) {
                return true;
            }
        }
        return false;
    };
    // The whole run, then the newest run's tags, most operations first.
    std::vector<std::string> tags{std::string()};
    if (!runs.empty()) {
        for (const tag_result* t : chart_tags(runs.back().report.result, options.max_chart_tags)) {
            tags.push_back(t->name);
        }
    }
    std::string o;
    o += "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta "
         "charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, "
         "initial-scale=1\"/><title>" +
         html_text(options.title) + "</title><style>" + std::string(html_style) +
         "</style></head><body><main>\n";
    const std::size_t worse =
        runs.empty() || !judged.back() ? 0 : judged.back()->count(change_verdict::regressed);
    o += "<header><h1>" + html_text(options.title) + "</h1><span class=\"verdict " +
         (worse == 0 ? "pass" : "fail") + "\">" +
         (runs.empty() ? std::string("no runs")
          : worse == 0 ? std::string("newest run: no regression")
                       : "newest run: " + std::to_string(worse) + " regressed") +
         "</span>";
    std::string meta = std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs");
    if (!runs.empty()) {
        meta += ", " + utc_text(runs.front().report.started) + " to " + utc_text(runs.back().report.started);
    }
    meta += " \xC2\xB7 each run judged against up to " + std::to_string(options.window) +
            " runs before it at " + trimmed(options.compare.confidence * 100.0, 4) +
            " % confidence; smallest change that matters " + trimmed(options.compare.min_change * 100.0, 4) +
            " %";
    o += "<p class=\"meta\">" + html_text(meta) + "</p></header>\n";

    std::size_t chart_id = 0;
    const auto chart = [&](std::string title, svg_axis y) {
        svg_chart c;
        c.id = "trend" + std::to_string(chart_id++);
        c.title = std::move(title);
        c.x = svg_axis{.label = "run", .unit = svg_unit::number, .from_zero = false};
        c.y = std::move(y);
        return c;
    };
    for (const std::string& tag : tags) {
        const std::string name = tag.empty() ? std::string("all operations") : tag;
        svg_chart latency = chart("latency of " + name + " by run (regressions marked)",
                                  {.label = "latency", .unit = svg_unit::duration_ns});
        svg_chart rates =
            chart("throughput of " + name + " by run", {.label = "throughput", .unit = svg_unit::rate});
        svg_chart errors =
            chart("error rate of " + name + " by run", {.label = "error rate", .unit = svg_unit::fraction});
        const char* names[] = {"p50", "p95", "p99"};
        for (std::size_t k = 0; k < 3; ++k) {
            latency.series.push_back({.name = names[k], .color = chart_palette(k), .markers = true});
        }
        rates.series.push_back({.name = "throughput", .color = chart_palette(0), .markers = true});
        errors.series.push_back({.name = "error rate", .color = chart_palette(3), .markers = true});
        svg_series marks{.name = "regressed", .color = "#b3261e", .kind = svg_kind::points};
        svg_series rate_marks = marks;
        svg_series error_marks = marks;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const trend_point p = trend_point_of(runs[i].report.result, tag);
            if (!p.present) {
                continue;
            }
            const double x = static_cast<double>(i + 1);
            const double values[] = {p.p50, p.p95, p.p99};
            for (std::size_t k = 0; k < 3; ++k) {
                latency.series[k].points.emplace_back(x, values[k]);
                if (regressed(i, tag, names[k])) {
                    marks.points.emplace_back(x, values[k]);
                    marks.notes.emplace_back(names[k]);
                }
            }
            rates.series[0].points.emplace_back(x, p.throughput);
            errors.series[0].points.emplace_back(x, p.error_rate);
            if (regressed(i, tag, "throughput")) {
                rate_marks.points.emplace_back(x, p.throughput);
                rate_marks.notes.emplace_back();
            }
            if (regressed(i, tag, "error_rate")) {
                error_marks.points.emplace_back(x, p.error_rate);
                error_marks.notes.emplace_back();
            }
        }
        latency.series.push_back(std::move(marks));
        rates.series.push_back(std::move(rate_marks));
        errors.series.push_back(std::move(error_marks));
        o += "<h2>" + html_text(name) + "</h2><div class=\"grid\">" + chart_block(latency) +
             chart_block(rates) + chart_block(errors) + "</div>\n";
    }

    o += "<h2>Runs, newest first</h2><div class=\"scroll\"><table><thead><tr><th>#</th><th "
         "class=\"name\">run</th>"
         "<th class=\"name\">started</th><th>operations</th><th>p50</th><th>p95</th><th>p99</th><th>error "
         "rate</th>"
         "<th>throughput</th><th class=\"name\">against the runs before it</th></tr></thead><tbody>";
    for (std::size_t i = runs.size(); i-- > 0;) {
        const run_report& r = runs[i].report;
        const latency_summary s = summarize(r.result.overall.latency);
        const std::string label = runs[i].label.empty() ? utc_text(r.started) : runs[i].label;
        o += "<tr><td>" + std::to_string(i + 1) + "</td><td class=\"name\">" +
             (runs[i].link.empty()
                  ? html_text(label)
                  : "<a href=\"" + html_text(runs[i].link) + "\">" + html_text(label) + "</a>") +
             "</td><td class=\"name\">" + html_text(utc_text(r.started)) + "</td><td>" +
             count_text(r.result.overall.count()) + "</td><td>" + ns_text(s.p50) + "</td><td>" +
             ns_text(s.p95) + "</td><td>" + ns_text(s.p99) + "</td><td>" +
             percent_text(r.result.overall.error_rate()) + "</td><td>" +
             rate_text(r.result.overall.throughput()) + "</td><td class=\"name\">" +
             trend_judgement(judged[i], i, options.min_history) + "</td></tr>";
    }
    o += "</tbody></table></div>\n<footer>loadkit " + std::to_string(version.major) + "." +
         std::to_string(version.minor) + "." + std::to_string(version.patch) +
         " \xC2\xB7 comparison methods: loadkit/report/compare.hpp</footer>\n</main></body></html>\n";
    return o;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_HTML_IPP
