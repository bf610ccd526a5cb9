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

inline std::string summary_row(const std::string& name, const char* color, const op_stats& s, bool total) {
    std::string o = total ? "<tr class=\"total\">" : "<tr>";
    o += "<td class=\"name\">" + (color != nullptr ? html_swatch(color) : std::string()) + html_text(name) +
         "</td>";
    o += "<td>" + count_text(s.count()) + "</td>";
    o += "<td" + std::string(s.errors > 0 ? " class=\"bad\"" : "") + ">" + count_text(s.errors) + "</td>";
    o += "<td" + std::string(s.timeouts > 0 ? " class=\"bad\"" : "") + ">" + count_text(s.timeouts) + "</td>";
    o += "<td>" + count_text(s.dropped) + "</td>";
    o += "<td" + std::string(s.failed() > 0 ? " class=\"bad\"" : "") + ">" + percent_text(s.error_rate()) +
         "</td>";
    o += "<td>" + rate_text(s.throughput()) + "</td>";
    return o + latency_cells(s.latency) + "</tr>";
}

inline std::string summary_table(const run_result& r) {
    std::string o = "<div class=\"scroll\"><table><thead><tr><th class=\"name\">operation</th><th>count</th>"
                    "<th>errors</th><th>timeouts</th><th>dropped</th><th>error %</th><th>rate</th>";
    o += std::string(latency_head()) + "</tr></thead><tbody>";
    for (const auto& t : r.tags) {
        o += summary_row(t.name, tag_color(r, &t), t, false);
    }
    o += summary_row("all", nullptr, r.overall, true);
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

#endif // LOADKIT_IMPL_REPORT_HTML_IPP
