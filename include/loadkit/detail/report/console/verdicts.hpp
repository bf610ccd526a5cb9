// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The judging half of the console summary (report/console.hpp): the process's resources over the
// run, the capacity-search curve, and the verdicts last (SLO objectives, leak trend, stuck
// operations, then one PASSED/FAILED line with the exit code), so that they are what a terminal
// shows when the run ends.
#ifndef LOADKIT_DETAIL_REPORT_CONSOLE_VERDICTS_HPP
#define LOADKIT_DETAIL_REPORT_CONSOLE_VERDICTS_HPP

#include <loadkit/detail/report/console/results.hpp>
#include <loadkit/detail/report/console/table.hpp>
#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// First, last and largest reading of one field over the samples that have it.
template <class T> struct console_span {
    std::optional<T> first;
    std::optional<T> last;
    std::optional<T> most;
};
template <class T, class Field>
console_span<T> console_series(const std::vector<process_sample>& samples, Field field) {
    console_span<T> out;
    for (const auto& s : samples) {
        const std::optional<T>& value = s.*field;
        if (!value) {
            continue;
        }
        if (!out.first) {
            out.first = value;
        }
        out.last = value;
        out.most = !out.most || *out.most < *value ? value : out.most;
    }
    return out;
}

inline void console_resources(std::string& out, const run_report& report, const console_view& v) {
    const auto& samples = report.resources;
    if (samples.empty()) {
        return;
    }
    const console_style& s = v.style;
    const auto span = samples.back().at - samples.front().at;
    console_title(out, v,
                  "Resources (" + human_count(samples.size()) + " samples over " +
                      human_span(span, s.unicode) + ", this process)");
    const std::string arrow = std::string(" ") + s.arrow() + " ";
    const auto row = [&](const char* name, const std::string& text) {
        out += "  " + console_pad(name, 12) + console_wrap(text, s.width, 14) + "\n";
    };
    const auto memory = [&](const console_span<std::uint64_t>& m) {
        const double delta = static_cast<double>(*m.last) - static_cast<double>(*m.first);
        return human_bytes(static_cast<double>(*m.first)) + arrow +
               human_bytes(static_cast<double>(*m.last)) + " (" + human_bytes_delta(delta) + ")";
    };
    const auto rss = console_series<std::uint64_t>(samples, &process_sample::rss_bytes);
    const auto peak = console_series<std::uint64_t>(samples, &process_sample::peak_rss_bytes);
    if (rss.first) {
        const std::uint64_t top = peak.most ? std::max(*peak.most, *rss.most) : *rss.most;
        row("RSS", memory(rss) + ", peak " + human_bytes(static_cast<double>(top)));
    }
    const auto heap = console_series<std::uint64_t>(samples, &process_sample::heap_in_use_bytes);
    if (heap.first) {
        row("heap", memory(heap) + ", most " + human_bytes(static_cast<double>(*heap.most)));
    }
    const auto user = console_series<std::chrono::microseconds>(samples, &process_sample::cpu_user);
    const auto sys = console_series<std::chrono::microseconds>(samples, &process_sample::cpu_system);
    if (user.first && sys.first) {
        const auto u = *user.last - *user.first;
        const auto k = *sys.last - *sys.first;
        std::string text = "user " + human_span(u, s.unicode) + ", system " + human_span(k, s.unicode);
        const double wall = std::chrono::duration<double>(span).count();
        if (wall > 0.0) {
            const double busy = std::chrono::duration<double>(u + k).count() / wall;
            text += " (" + human_significant(busy * 100.0, 3) + "% of one core)";
        }
        row("CPU", text);
    }
    const auto count_row = [&](const char* name, const console_span<std::uint32_t>& c) {
        if (c.first) {
            row(name, std::to_string(*c.first) + arrow + std::to_string(*c.last) + " (most " +
                          std::to_string(*c.most) + ")");
        }
    };
    count_row("threads", console_series<std::uint32_t>(samples, &process_sample::threads));
    count_row("open files", console_series<std::uint32_t>(samples, &process_sample::open_fds));
}

inline void console_capacity(std::string& out, const run_report& report, const console_view& v) {
    if (!report.capacity || report.capacity->steps.empty()) {
        return;
    }
    const capacity_curve& c = *report.capacity;
    const console_style& s = v.style;
    const bool vus = c.unit == "VUs";
    const auto offered = [&](double x) { return vus ? human_si(x) + " VUs" : human_si(x) + "/s"; };
    console_title(out, v,
                  "Capacity search" +
                      (c.objective.empty() ? std::string() : " (holding " + console_safe(c.objective) + ")"));
    console_table t({{"offered"},
                     {"achieved"},
                     {"p50", true, 2},
                     {"p95"},
                     {"p99"},
                     {"error rate", true, 1},
                     {"verdict", false, 0, true, 8}});
    for (const auto& step : c.steps) {
        std::string mark;
        if (c.sustainable && *c.sustainable == step.offered_rate) {
            mark = std::string(s.unicode ? "\xE2\x96\xB6" : ">") + " sustainable";
        } else if (c.knee && *c.knee == step.offered_rate) {
            mark = std::string(s.unicode ? "\xE2\x96\xB6" : ">") + " knee";
        }
        t.add_row({{offered(step.offered_rate)},
                   {human_rate(step.achieved_rate)},
                   {human_duration(step.p50, s.unicode)},
                   {human_duration(step.p95, s.unicode)},
                   {human_duration(step.p99, s.unicode)},
                   {human_percent(step.error_rate)},
                   {(mark.empty() ? std::string() : mark + "  ") +
                        console_safe(step.verdict.empty() ? (step.passed ? "PASS" : "FAIL") : step.verdict),
                    step.passed ? "32" : "31"}});
    }
    out += t.render(s);
    std::string line;
    if (c.sustainable) {
        line += "sustainable: " + offered(*c.sustainable);
    } else {
        line += "sustainable: none of the levels met the objective";
    }
    if (c.knee) {
        line += std::string(" ") + (s.unicode ? "\xC2\xB7" : "-") +
                " knee (latency climbs faster than load): " + offered(*c.knee);
    }
    out += "  " + s.paint(line, "1") + "\n";
}

// One verdict line: a mark, then text wrapped under itself.
inline void console_mark_line(std::string& out, const console_view& v, const char* label, const char* mark,
                              const char* sgr, const std::string& text) {
    const console_style& s = v.style;
    const std::string head = "  " + console_pad(label, 6) + mark + " ";
    const std::size_t indent = console_width(head);
    out += "  " + s.paint(console_pad(label, 6), "1") + s.paint(mark, sgr) + " " +
           s.paint(console_wrap(console_safe(text), s.width, indent), sgr) + "\n";
}

inline void console_verdicts(std::string& out, const run_report& report, const console_view& v) {
    const console_style& s = v.style;
    console_title(out, v, "Verdict");
    std::size_t objectives = 0;
    std::size_t failed = 0;
    if (report.slo) {
        const char* label = "SLO";
        for (const auto& o : report.slo->verdicts) {
            ++objectives;
            failed += o.passed ? 0 : 1;
            const bool sure = o.statistical == verdict::pass;
            console_mark_line(out, v, label, o.passed ? s.pass_mark() : s.fail_mark(),
                              o.passed ? (sure || !o.binomial ? "32" : "33") : "31", o.line);
            label = "";
        }
    }
    if (report.leak) {
        const leak_verdict lv = report.leak->verdict;
        console_mark_line(out, v, "leak",
                          lv == leak_verdict::no_leak
                              ? s.pass_mark()
                              : (lv == leak_verdict::leak ? s.fail_mark() : s.maybe_mark()),
                          lv == leak_verdict::no_leak ? "32" : (lv == leak_verdict::leak ? "31" : "33"),
                          report.leak->describe());
    }
    const std::size_t hung = report.hung();
    const std::size_t slow_listed = report.stuck.size() - hung;
    const std::uint64_t slow = std::max<std::uint64_t>(report.past_hang_limit, slow_listed);
    if (hung > 0) {
        console_mark_line(out, v, "stuck", s.fail_mark(), "31",
                          human_count(hung) +
                              (hung == 1 ? " operation was stuck:" : " operations were stuck:"));
    }
    if (slow > 0) {
        console_mark_line(out, v, "slow", s.maybe_mark(), "33",
                          human_count(slow) + (slow == 1 ? " operation" : " operations") +
                              " ran past the hang limit, then finished (slow, not hung" +
                              (slow > slow_listed && slow_listed > 0 ? "; the first ones below)" : ")") +
                              (slow_listed > 0 ? ":" : ""));
    }
    for (const bool finished : {false, true}) {
        for (const auto& st : report.stuck) {
            if (st.finished != finished) {
                continue;
            }
            std::string where = console_safe(st.scenario);
            where += (where.empty() || st.tag.empty() ? "" : " / ") + console_safe(st.tag);
            std::string text = where + ": VU " + std::to_string(st.virtual_user) + ", iteration " +
                               std::to_string(st.iteration) + (st.finished ? ", took " : ", running for ") +
                               human_span(st.elapsed, s.unicode);
            if (st.abandoned) {
                text += " (abandoned: still running when the run returned; counted as a timeout)";
            }
            out += std::string(10, ' ') + console_wrap(text, s.width, 12, 10) + "\n";
        }
    }
    if (!report.slo && !report.leak && report.stuck.empty() && report.past_hang_limit == 0) {
        out += "  " +
               s.paint("nothing judged: no SLO objectives, no leak check, no hang watchdog findings", "2") +
               "\n";
    }
    out += "  " + s.paint(s.rule(s.width > 4 ? s.width - 4 : s.width), "2") + "\n";
    std::string result;
    std::vector<std::string> why;
    if (failed > 0) {
        why.push_back(std::to_string(failed) + " of " + std::to_string(objectives) +
                      (objectives == 1 ? " objective failed" : " objectives failed"));
    } else if (objectives > 0) {
        why.push_back(std::to_string(objectives) + (objectives == 1 ? " objective met" : " objectives met"));
    }
    if (report.leak && report.leak->verdict == leak_verdict::leak) {
        why.push_back("memory leak");
    } else if (report.leak && report.leak->verdict == leak_verdict::inconclusive) {
        why.push_back("leak check inconclusive");
    }
    if (hung > 0) {
        why.push_back(std::to_string(hung) + " stuck");
    }
    if (report.result.reason != stop_reason::completed && report.result.reason != stop_reason::running) {
        why.push_back(std::string("stopped early (") + to_string(report.result.reason) + ")");
    }
    const bool passed = report.passed();
    result = passed ? "PASSED" : "FAILED";
    for (std::size_t i = 0; i < why.size(); ++i) {
        result += (i == 0 ? ": " : ", ") + why[i];
    }
    result += " (exit code " + std::to_string(report.exit_code()) + ")";
    out += "  " + s.paint(console_wrap(result, s.width, 4, 2), passed ? "1;32" : "1;31") + "\n";
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_CONSOLE_VERDICTS_HPP
