// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The measurement half of the console summary (report/console.hpp): the heading and stop reason,
// scenarios, the latency model in words, counts and rates per tag, latency figures per tag, the
// charts, errors by category with their sample messages, and the warm-up beside the steady state.
// Each section appends to `out` and is skipped when the run has nothing for it.
#ifndef LOADKIT_DETAIL_REPORT_CONSOLE_RESULTS_HPP
#define LOADKIT_DETAIL_REPORT_CONSOLE_RESULTS_HPP

#include <loadkit/detail/report/console/chart.hpp>
#include <loadkit/detail/report/console/table.hpp>
#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/result.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// The console options, resolved (colour decided, values validated).
struct console_view {
    console_style style;
    bool percentile_chart = true;
    bool distribution_chart = true;
    std::size_t chart_height = 10;
    std::size_t max_error_messages = 3;
};

inline void console_title(std::string& out, const console_view& v, const std::string& text) {
    out += '\n';
    out += v.style.paint(console_wrap(text, v.style.width, 2, 0), "1");
    out += '\n';
}

// The tags a table lists: each tag, then "all" when there is more than one (or none).
struct console_scope {
    std::string name;
    const tag_result* data;
    bool total;
};
inline std::vector<console_scope> console_scopes(const run_result& r) {
    std::vector<console_scope> out;
    for (const auto& t : r.tags) {
        out.push_back({console_safe(t.name.empty() ? "(untagged)" : t.name), &t, false});
    }
    if (r.tags.size() != 1) {
        out.push_back({"all", &r.overall, true});
    }
    return out;
}

inline const char* console_stop_sgr(stop_reason reason) noexcept {
    return reason == stop_reason::error || reason == stop_reason::slo_abort ? "1;31" : "1;33";
}

inline std::string console_stop_text(const run_result& r, const console_style& s) {
    const std::string why = r.reason_text.empty() ? std::string() : " (" + console_safe(r.reason_text) + ")";
    const std::string partial = std::string(" ") + s.dash() + " partial result";
    switch (r.reason) {
    case stop_reason::completed:
        return {};
    case stop_reason::running:
        return "live snapshot: the run is still going" + why;
    case stop_reason::deadline:
        return "stopped early: deadline reached" + why + partial;
    case stop_reason::interrupted:
        return "stopped early: interrupted" + why + partial;
    case stop_reason::slo_abort:
        return "stopped early: aborted by an SLO objective" + why + partial;
    case stop_reason::error:
        return "stopped early: error" + why + partial;
    }
    return {};
}

inline void console_heading(std::string& out, const run_report& report, const console_view& v) {
    const console_style& s = v.style;
    const run_result& r = report.result;
    std::string head = "loadkit";
    if (!report.title.empty()) {
        head += std::string(" ") + s.dash() + " " + console_safe(report.title);
    }
    head = console_fit(head, s.width > 4 ? s.width - 4 : s.width, s.unicode);
    const std::size_t used = console_width(head) + 1;
    out += s.paint(head, "1") + " " + s.paint(s.rule(s.width > used ? s.width - used : 0), "2") + "\n";
    std::string facts;
    const std::string started = human_utc(report.started);
    if (!started.empty()) {
        facts += "started " + started + " " + (s.unicode ? "\xC2\xB7" : "-") + " ";
    }
    facts += "ran " + human_span(r.duration, s.unicode);
    if (r.warmup.count() > 0) {
        facts += " (warm-up " + human_span(r.warmup, s.unicode) + ")";
    }
    facts += std::string(" ") + (s.unicode ? "\xC2\xB7" : "-") + " " + to_string(r.model) + " model";
    if (r.reason == stop_reason::completed) {
        facts += std::string(" ") + (s.unicode ? "\xC2\xB7" : "-") + " completed";
    }
    out += "  " + console_wrap(facts, s.width, 2) + "\n";
    // One test split over processes: which part this is, and how far from the common start.
    std::string part;
    if (report.segment) {
        part = "segment " + console_safe(report.segment->describe());
    }
    if (report.start_skew) {
        char skew[48];
        std::snprintf(skew, sizeof skew, "start skew %+.1f ms",
                      static_cast<double>(report.start_skew->count()) / 1e6);
        part += (part.empty() ? "" : ", ") + std::string(skew);
    }
    if (!part.empty()) {
        out += "  " + console_wrap(part, s.width, 2) + "\n";
    }
    const std::string stop = console_stop_text(r, s);
    if (!stop.empty()) {
        out += "  " + s.paint(console_wrap(stop, s.width, 4, 2), console_stop_sgr(r.reason)) + "\n";
    }
}

inline void console_scenarios(std::string& out, const run_report& report, const console_view& v) {
    if (report.scenarios.empty()) {
        return;
    }
    const console_style& s = v.style;
    console_title(out, v, "Scenarios");
    std::size_t name_width = 0;
    for (const auto& sc : report.scenarios) {
        name_width = std::max(name_width, console_width(console_safe(sc.name)));
    }
    name_width = std::min<std::size_t>(name_width, 24);
    for (const auto& sc : report.scenarios) {
        std::string line = console_pad(console_fit(console_safe(sc.name), name_width, s.unicode), name_width);
        std::string what = console_safe(sc.profile);
        what += std::string(what.empty() ? "" : ", ") + to_string(sc.model) + " model";
        if (sc.start_offset.count() > 0) {
            what += ", starts at +" + human_span(sc.start_offset, s.unicode);
        }
        out += "  " + s.paint(line, "1") + "  " + console_wrap(what, s.width, name_width + 4) + "\n";
        if (!sc.operations.empty()) {
            std::string ops = "operations: ";
            for (std::size_t i = 0; i < sc.operations.size(); ++i) {
                ops += (i > 0 ? ", " : "") + console_safe(sc.operations[i]);
            }
            out += std::string(name_width + 4, ' ') +
                   console_wrap(ops, s.width, name_width + 6, name_width + 4) + "\n";
        }
    }
}

inline void console_model(std::string& out, const run_report& report, const console_view& v) {
    const console_style& s = v.style;
    const std::string text =
        report.result.model == latency_model::open
            ? "open model: latency is the response time, from each operation's intended start (time "
              "queued behind a slow system counts: no coordinated omission); service time, from the "
              "actual start, is shown apart."
            : "closed model: latency is closed-loop (from the actual start): a stalled system also "
              "slows the load, so the tail may read low (coordinated omission); an open-model profile "
              "measures response time.";
    out += "  " + s.paint(console_wrap(text, s.width, 2), "2") + "\n";
}

inline void console_throughput(std::string& out, const run_report& report, const console_view& v) {
    const run_result& r = report.result;
    const console_style& s = v.style;
    std::string title = "Throughput and errors";
    if (r.warmup.count() > 0) {
        title += " (steady state, after a " + human_span(r.warmup, s.unicode) + " warm-up)";
    }
    console_title(out, v, title);
    const bool show_dropped = r.model == latency_model::open || r.overall.dropped > 0;
    const bool show_timeouts = r.overall.timeouts > 0;
    // 0 scheduled in the whole run: nothing counted them (a recorder written to directly).
    const bool show_scheduled =
        show_dropped && r.overall.scheduled + (r.overall.warmup ? r.overall.warmup->scheduled : 0) > 0;
    std::vector<console_column> columns{
        {"tag", false, 0, true, 10}, {"count"}, {"ok"}, {"failed"}, {"error rate"}, {"throughput"}};
    if (show_timeouts) {
        columns.push_back({"timeouts", true, 2});
    }
    if (show_scheduled) {
        columns.push_back({"scheduled", true, 3});
    }
    if (show_dropped) {
        columns.push_back({"dropped", true, 1});
    }
    console_table t(std::move(columns));
    for (const auto& scope : console_scopes(r)) {
        if (scope.total) {
            t.add_rule();
        }
        const tag_result& d = *scope.data;
        const char* rate_sgr = d.failed() == 0 ? nullptr : (d.error_rate() >= 0.01 ? "31" : "33");
        std::vector<console_cell> cells{{scope.name, scope.total ? "1" : nullptr},
                                        {human_count(d.count())},
                                        {human_count(d.ok)},
                                        {human_count(d.failed()), rate_sgr},
                                        {human_percent(d.error_rate()), rate_sgr},
                                        {human_rate(d.throughput())}};
        if (show_timeouts) {
            cells.push_back({human_count(d.timeouts)});
        }
        if (show_scheduled) {
            cells.push_back({human_count(d.scheduled)});
        }
        if (show_dropped) {
            cells.push_back({human_count(d.dropped), d.dropped > 0 ? "33" : nullptr});
        }
        t.add_row(std::move(cells));
    }
    out += t.render(s);
    // Over the whole run: an operation in flight at the warm-up's end is scheduled in one window
    // and ends in the other. 0 scheduled: nothing counted them (a recorder written to directly).
    const op_stats none;
    const op_stats& warm = r.overall.warmup ? *r.overall.warmup : none;
    const std::uint64_t issued = r.overall.scheduled + warm.scheduled;
    const std::uint64_t ended = r.overall.accounted() + warm.accounted();
    if (issued != 0 && issued != ended) {
        const std::string text =
            "accounting: " + human_count(issued) + " operations were scheduled but " + human_count(ended) +
            " ended (ok + errors + timeouts + dropped); " +
            (issued > ended ? human_count(issued - ended) + " are unaccounted for."
                            : human_count(ended - issued) + " more were filed than issued.");
        out += "  " + s.paint(console_wrap(text, s.width, 2), "31") + "\n";
    }
    if (r.overall.dropped > 0) {
        const std::uint64_t scheduled =
            r.overall.scheduled != 0 ? r.overall.scheduled : r.overall.count() + r.overall.dropped;
        const std::string text =
            human_count(r.overall.dropped) +
            " operations were dropped (scheduled, never started: every in-flight slot was busy), " +
            human_percent(static_cast<double>(r.overall.dropped) / static_cast<double>(scheduled)) + " of " +
            human_count(scheduled) + " scheduled; the offered load was not met.";
        out += "  " + s.paint(console_wrap(text, s.width, 2), "33") + "\n";
    }
}

inline void console_latency_table(std::string& out, const run_report& report, const console_view& v,
                                  bool service) {
    const run_result& r = report.result;
    const console_style& s = v.style;
    console_table t({{"tag", false, 0, true, 10},
                     {"min", true, 3},
                     {"avg"},
                     {"p50"},
                     {"p90", true, 4},
                     {"p95"},
                     {"p99"},
                     {"p99.9", true, 2},
                     {"max"},
                     {"stddev", true, 1}});
    for (const auto& scope : console_scopes(r)) {
        const histogram* h = service ? (scope.data->service_time ? &*scope.data->service_time : nullptr)
                                     : &scope.data->latency;
        if (scope.total) {
            t.add_rule();
        }
        if (h == nullptr || h->empty()) {
            t.add_row({{scope.name, scope.total ? "1" : nullptr},
                       {"-"},
                       {"-"},
                       {"-"},
                       {"-"},
                       {"-"},
                       {"-"},
                       {"-"},
                       {"-"},
                       {"-"}});
            continue;
        }
        const latency_summary m = summarize(*h);
        const auto d = [&](auto x) { return console_cell{human_duration(x, s.unicode), nullptr}; };
        t.add_row({{scope.name, scope.total ? "1" : nullptr},
                   d(m.min),
                   d(m.mean),
                   d(m.p50),
                   d(m.p90),
                   d(m.p95),
                   d(m.p99),
                   d(m.p999),
                   d(m.max),
                   d(m.stddev)});
    }
    out += t.render(s);
}

inline void console_latency(std::string& out, const run_report& report, const console_view& v) {
    const run_result& r = report.result;
    const bool open = r.model == latency_model::open;
    console_title(out, v,
                  open ? "Response time (from the intended start)" : "Latency (from the actual start)");
    console_latency_table(out, report, v, false);
    if (open) {
        console_title(out, v, "Service time (from the actual start)");
        console_latency_table(out, report, v, true);
    }
    const histogram& h = r.overall.latency;
    if (h.empty()) {
        return;
    }
    const std::string what = open ? "response time" : "latency";
    if (v.percentile_chart) {
        console_title(out, v,
                      "Percentile spectrum (" + what + ", all " + human_count(h.count()) +
                          " operations; max " + human_duration(h.max(), v.style.unicode) +
                          (console_chart_log_scale(h) ? "; log latency axis)" : ")"));
        out += console_percentile_chart(h, v.style, v.style.width, v.chart_height);
    }
    if (v.distribution_chart) {
        console_title(out, v, "Distribution (" + what + ", log-spaced bins)");
        out += console_distribution_chart(h, v.style, v.style.width, v.chart_height);
    }
}

inline void console_errors(std::string& out, const run_report& report, const console_view& v) {
    const run_result& r = report.result;
    const console_style& s = v.style;
    if (r.overall.failed() == 0 && r.tags.empty()) {
        return;
    }
    std::uint64_t failed = 0;
    for (const auto& scope : console_scopes(r)) {
        failed += scope.total ? 0 : scope.data->failed();
    }
    if (r.tags.empty()) {
        failed = r.overall.failed();
    }
    if (failed == 0) {
        return;
    }
    console_title(out, v,
                  "Errors (" + human_count(failed) + " of " + human_count(r.overall.count()) +
                      " operations, " + human_percent(r.overall.error_rate()) + ")");
    struct entry {
        std::string tag;
        std::string category;
        std::uint64_t count;
        const error_category* detail;
    };
    std::vector<entry> entries;
    for (const auto& scope : console_scopes(r)) {
        if (scope.total && !r.tags.empty()) {
            continue;
        }
        const tag_result& d = *scope.data;
        for (const auto& c : d.error_categories) {
            if (c.count == 0) {
                continue; // only seen during the warm-up
            }
            entries.push_back({scope.name, console_safe(c.name), c.count, &c});
        }
        if (d.timeouts > 0) {
            entries.push_back({scope.name, "(timeout)", d.timeouts, nullptr});
        }
    }
    std::size_t tag_width = 0;
    std::size_t category_width = 0;
    for (const auto& e : entries) {
        tag_width = std::max(tag_width, console_width(e.tag));
        category_width = std::max(category_width, console_width(e.category));
    }
    tag_width = std::min<std::size_t>(tag_width, s.width / 4);
    category_width = std::min<std::size_t>(category_width, s.width / 4);
    tag_width = std::max<std::size_t>(tag_width, 3);
    category_width = std::max<std::size_t>(category_width, 8);
    const std::size_t message_indent = 2 + tag_width + 2;
    out += "  " + s.paint(console_pad("tag", tag_width), "1") + "  " +
           s.paint(console_pad("category", category_width), "1") + "  " +
           s.paint(console_pad("count", 9, true), "1") + "  " + s.paint(console_pad("share", 7, true), "1") +
           "\n";
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const entry& e = entries[i];
        const std::string tag = i > 0 && e.tag == entries[i - 1].tag ? std::string() : e.tag;
        out +=
            "  " + console_pad(console_fit(tag, tag_width, s.unicode), tag_width) + "  " +
            s.paint(console_pad(console_fit(e.category, category_width, s.unicode), category_width), "31") +
            "  " + console_pad(human_count(e.count), 9, true) + "  " +
            console_pad(human_percent(static_cast<double>(e.count) / static_cast<double>(failed)), 7, true) +
            "\n";
        if (e.detail == nullptr || v.max_error_messages == 0) {
            continue;
        }
        std::vector<const error_message*> messages;
        for (const auto& m : e.detail->messages) {
            messages.push_back(&m);
        }
        std::stable_sort(messages.begin(), messages.end(),
                         [](const error_message* a, const error_message* b) { return a->count > b->count; });
        std::uint64_t shown = 0;
        for (std::size_t k = 0; k < messages.size() && k < v.max_error_messages; ++k) {
            const std::string n = console_pad(human_count(messages[k]->count) + s.times(), 9, true);
            const std::size_t room = s.width > message_indent + 12 ? s.width - message_indent - 11 : 20;
            out += std::string(message_indent, ' ') + n + "  " +
                   s.paint(console_fit(console_safe(messages[k]->text), room, s.unicode), "2") + "\n";
            shown += messages[k]->count;
        }
        const std::uint64_t rest = e.count > shown ? e.count - shown : 0;
        if (rest > 0 && shown > 0) {
            out += std::string(message_indent, ' ') + console_pad(human_count(rest) + s.times(), 9, true) +
                   "  " + s.paint("(other or no message)", "2") + "\n";
        }
    }
}

inline void console_warmup(std::string& out, const run_report& report, const console_view& v) {
    const run_result& r = report.result;
    const console_style& s = v.style;
    if (r.warmup.count() <= 0 || !r.overall.warmup) {
        return;
    }
    console_title(out, v,
                  "Warm-up vs steady state (cold: the first " + human_span(r.warmup, s.unicode) + ")");
    console_table t({{"tag", false, 0, true, 10},
                     {"phase", false},
                     {"count"},
                     {"error rate", true, 2},
                     {"throughput", true, 3},
                     {"p50"},
                     {"p95"},
                     {"p99", true, 4},
                     {"max", true, 5},
                     {"p95 cold/warm", true, 1}});
    for (const auto& scope : console_scopes(r)) {
        const tag_result& d = *scope.data;
        if (!d.warmup) {
            continue;
        }
        const latency_summary cold = d.warmup->summary();
        const latency_summary warm = d.summary();
        const auto row = [&](const char* phase, const op_stats& o, const latency_summary& m, bool first) {
            const auto dur = [&](std::chrono::nanoseconds x) {
                return console_cell{o.latency.empty() ? "-" : human_duration(x, s.unicode), nullptr};
            };
            std::string ratio;
            if (first && warm.p95.count() > 0 && cold.count > 0) {
                ratio =
                    human_significant(
                        static_cast<double>(cold.p95.count()) / static_cast<double>(warm.p95.count()), 3) +
                    s.times();
            }
            t.add_row({{first ? scope.name : "", scope.total ? "1" : nullptr},
                       {phase, first ? "33" : nullptr},
                       {human_count(o.count())},
                       {human_percent(o.error_rate())},
                       {human_rate(o.throughput())},
                       dur(m.p50),
                       dur(m.p95),
                       dur(m.p99),
                       dur(m.max),
                       {ratio}});
        };
        row("cold", *d.warmup, cold, true);
        row("warm", d, warm, false);
    }
    out += t.render(s);
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_CONSOLE_RESULTS_HPP
