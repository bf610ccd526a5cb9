// SPDX-License-Identifier: MIT
//
// The charts of the HTML report (report/html.hpp), each built from a run_report as a svg_chart
// (detail/report/svg/chart.hpp): the percentile spectrum per tag, throughput, latency and errors over
// time, memory with the leak trend, and the capacity-search curve.
#ifndef LOADKIT_DETAIL_REPORT_SVG_CHARTS_HPP
#define LOADKIT_DETAIL_REPORT_SVG_CHARTS_HPP

#include <loadkit/detail/report/svg/chart.hpp>
#include <loadkit/detail/report/svg/text.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// Tableau 10: distinct for the common forms of colour blindness, readable on white.
inline const char* chart_palette(std::size_t i) noexcept {
    static constexpr const char* colors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                             "#b07aa1", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"};
    return colors[i % 10];
}

inline double seconds_of(std::chrono::nanoseconds d) noexcept {
    return std::chrono::duration<double>(d).count();
}

// The tags to draw, most operations first, at most max_tags (the rest are in the tables).
inline std::vector<const tag_result*> chart_tags(const run_result& r, std::size_t max_tags) {
    std::vector<const tag_result*> tags;
    for (const auto& t : r.tags) {
        tags.push_back(&t);
    }
    std::stable_sort(tags.begin(), tags.end(),
                     [](const tag_result* a, const tag_result* b) { return a->count() > b->count(); });
    if (tags.size() > max_tags) {
        tags.resize(max_tags);
    }
    std::stable_sort(tags.begin(), tags.end(),
                     [](const tag_result* a, const tag_result* b) { return a->name < b->name; });
    return tags;
}

// Colour of a tag: by its position in run_result::tags, so every chart agrees.
inline const char* tag_color(const run_result& r, const tag_result* t) noexcept {
    for (std::size_t i = 0; i < r.tags.size(); ++i) {
        if (&r.tags[i] == t) {
            return chart_palette(i);
        }
    }
    return "#333333";
}

// value_at_percentile sampled along the "nines" axis x = log10(1 / (1 - p)).
inline std::vector<std::pair<double, double>> spectrum_points(const histogram& h, double max_nines) {
    std::vector<std::pair<double, double>> out;
    if (h.empty()) {
        return out;
    }
    constexpr int steps = 240;
    for (int i = 0; i <= steps; ++i) {
        const double x = max_nines * i / steps;
        // The last point is the maximum: the curve ends at 100 %, drawn at the axis' end.
        const double p = i == steps ? 100.0 : std::min(100.0, 100.0 * (1.0 - std::pow(10.0, -x)));
        out.emplace_back(x, static_cast<double>(h.value_at_percentile(p).count()));
    }
    return out;
}

inline svg_chart percentile_chart(const run_report& report, std::size_t max_tags) {
    const run_result& r = report.result;
    svg_chart c;
    c.id = "spectrum";
    c.title = r.model == latency_model::open ? "Latency by percentile (response time; dashed: service time)"
                                             : "Latency by percentile";
    c.x = {"percentile", svg_scale::nines, svg_unit::number};
    c.y = {"latency", svg_scale::linear, svg_unit::duration_ns};
    std::uint64_t most = r.overall.latency.count();
    const auto tags = chart_tags(r, max_tags);
    for (const tag_result* t : tags) {
        most = std::max(most, t->latency.count());
    }
    // As far as the data supports: 1 / (1 - p) <= count, 99 % at least, 99.9999 % at most.
    const double nines =
        std::clamp(std::ceil(std::log10(static_cast<double>(std::max<std::uint64_t>(most, 1)))), 2.0, 6.0);
    c.x.lo = 0.0;
    c.x.hi = nines;
    const auto add = [&](const std::string& name, const char* color, const histogram& h, bool dashed,
                         double width) {
        svg_series s{name, color, spectrum_points(h, nines)};
        s.dashed = dashed;
        s.stroke = width;
        c.series.push_back(std::move(s));
    };
    if (tags.size() != 1) {
        add("all", "#222222", r.overall.latency, false, 2.4);
    }
    for (const tag_result* t : tags) {
        add(t->name, tag_color(r, t), t->latency, false, 1.8);
    }
    if (r.model == latency_model::open) {
        if (tags.size() != 1 && r.overall.service_time) {
            add("all (service)", "#222222", *r.overall.service_time, true, 1.6);
            c.series.back().in_legend = false;
        }
        for (const tag_result* t : tags) {
            if (t->service_time) {
                add(t->name + " (service)", tag_color(r, t), *t->service_time, true, 1.4);
                c.series.back().in_legend = false;
            }
        }
    }
    c.empty_text = "no operations";
    return c;
}

// Per interval of a series: (mid time in s, value) for each interval with value(stats, seconds).
template <class F>
std::vector<std::pair<double, double>> over_time(const run_result& r, const interval_series& s, F value,
                                                 bool skip_empty = false) {
    std::vector<std::pair<double, double>> out;
    for (std::size_t i = 0; i < s.intervals.size(); ++i) {
        const double start = seconds_of(s.start_of(i));
        double length = seconds_of(s.width);
        const double left = seconds_of(r.duration) - start;
        if (left > 0.0 && left < length) {
            length = left;
        }
        if (skip_empty && s.intervals[i].latency.empty()) {
            continue;
        }
        out.emplace_back(start + length / 2, value(s.intervals[i], length));
    }
    return out;
}

inline void add_warmup_band(svg_chart& c, const run_result& r) {
    if (r.warmup > std::chrono::nanoseconds::zero()) {
        c.bands.push_back({0.0, seconds_of(r.warmup), "warm-up", "#888888"});
    }
}

inline svg_axis time_axis(const run_result& r) {
    return {"time since start", svg_scale::linear, svg_unit::seconds, 0.0,
            std::max(seconds_of(r.duration), seconds_of(r.overall.intervals.width))};
}

inline svg_chart throughput_chart(const run_report& report, std::size_t max_tags) {
    const run_result& r = report.result;
    svg_chart c;
    c.id = "throughput";
    c.title = "Throughput (completed operations per second)";
    c.x = time_axis(r);
    c.y = {"operations/s", svg_scale::linear, svg_unit::rate};
    const auto rate = [](const interval_stats& s, double len) {
        return static_cast<double>(s.count()) / len;
    };
    const auto tags = chart_tags(r, max_tags);
    if (tags.size() != 1) {
        svg_series all{"all", "#222222", over_time(r, r.overall.intervals, rate)};
        all.stroke = 2.2;
        c.series.push_back(std::move(all));
    }
    for (const tag_result* t : tags) {
        c.series.push_back({t->name, tag_color(r, t), over_time(r, t->intervals, rate)});
    }
    add_warmup_band(c, r);
    return c;
}

// Log scale when the values span more than ~1.5 decades (a spike would flatten the rest).
inline svg_scale latency_scale(const std::vector<svg_series>& series) {
    double lo = 1e300;
    double hi = 0.0;
    for (const auto& s : series) {
        for (const auto& p : s.points) {
            if (p.second > 0.0) {
                lo = std::min(lo, p.second);
                hi = std::max(hi, p.second);
            }
        }
    }
    return hi > 30.0 * lo ? svg_scale::log10 : svg_scale::linear;
}

inline svg_chart latency_chart(const run_report& report) {
    const run_result& r = report.result;
    svg_chart c;
    c.id = "latency";
    c.title = "Latency over time, all operations";
    c.x = time_axis(r);
    c.y = {"latency", svg_scale::linear, svg_unit::duration_ns};
    const struct {
        const char* name;
        double p;
        const char* color;
    } lines[] = {{"p50", 50.0, "#59a14f"}, {"p95", 95.0, "#f28e2b"}, {"p99", 99.0, "#e15759"}};
    for (const auto& l : lines) {
        const double p = l.p;
        c.series.push_back({l.name, l.color,
                            over_time(
                                r, r.overall.intervals,
                                [p](const interval_stats& s, double) {
                                    return static_cast<double>(s.latency.value_at_percentile(p).count());
                                },
                                true)});
        c.series.back().markers = c.series.back().points.size() <= 40;
    }
    c.y.scale = latency_scale(c.series);
    add_warmup_band(c, r);
    return c;
}

inline svg_chart tag_p99_chart(const run_report& report, std::size_t max_tags) {
    const run_result& r = report.result;
    svg_chart c;
    c.id = "p99-by-tag";
    c.width = 1160; // a full row: one line per operation needs the room
    c.height = 300;
    c.title = "p99 latency over time, by operation";
    c.x = time_axis(r);
    c.y = {"p99 latency", svg_scale::linear, svg_unit::duration_ns};
    for (const tag_result* t : chart_tags(r, max_tags)) {
        c.series.push_back({t->name, tag_color(r, t),
                            over_time(
                                r, t->intervals,
                                [](const interval_stats& s, double) {
                                    return static_cast<double>(s.latency.value_at_percentile(99.0).count());
                                },
                                true)});
    }
    c.y.scale = latency_scale(c.series);
    add_warmup_band(c, r);
    return c;
}

inline svg_chart errors_chart(const run_report& report) {
    const run_result& r = report.result;
    svg_chart c;
    c.id = "errors";
    c.title = "Errors, timeouts and dropped operations per second";
    c.x = time_axis(r);
    c.y = {"operations/s", svg_scale::linear, svg_unit::rate};
    const interval_series& s = r.overall.intervals;
    svg_series kinds[3] = {
        {"errors", "#e15759", {}}, {"timeouts", "#f28e2b", {}}, {"dropped", "#9c755f", {}}};
    for (auto& k : kinds) {
        k.kind = svg_kind::bars;
    }
    for (std::size_t i = 0; i < s.intervals.size(); ++i) {
        const double start = seconds_of(s.start_of(i));
        double length = seconds_of(s.width);
        const double left = seconds_of(r.duration) - start;
        length = left > 0.0 && left < length ? left : length;
        const interval_stats& st = s.intervals[i];
        const double values[3] = {static_cast<double>(st.errors) / length,
                                  static_cast<double>(st.timeouts) / length,
                                  static_cast<double>(st.dropped) / length};
        double base = 0.0;
        for (int k = 0; k < 3; ++k) {
            kinds[k].points.emplace_back(start, values[k]);
            kinds[k].bar_base.push_back(base);
            kinds[k].bar_width = length;
            base += values[k];
        }
    }
    for (auto& k : kinds) {
        c.series.push_back(std::move(k));
    }
    add_warmup_band(c, r);
    c.empty_text = "no errors";
    if (r.overall.failed() + r.overall.dropped == 0 &&
        (!r.overall.warmup || r.overall.warmup->failed() + r.overall.warmup->dropped == 0)) {
        c.series.clear();
    }
    return c;
}

// The Theil–Sen line through (median x, median floor) of the analysed window: the slope and level
// check_leak reports, drawn from the end of its warm-up cut to the last sample (x in seconds).
inline svg_series trend_series(const leak_trend& t, double x_last, const std::string& name,
                               const char* color) {
    const double mid = (t.warmup_end_x + x_last) / 2;
    svg_series s{name,
                 color,
                 {{t.warmup_end_x, t.level + t.slope * (t.warmup_end_x - mid)},
                  {x_last, t.level + t.slope * (x_last - mid)}}};
    s.dashed = true;
    s.stroke = 2.2;
    return s;
}

// Memory over time: x is seconds since the first sample, which is also what check_leak's x is
// taken to be when its unit is seconds (x_unit "s" or "B/s" style); other units get no trend line.
inline svg_chart memory_chart(const run_report& report) {
    svg_chart c;
    c.id = "memory";
    c.title = "Memory over time";
    c.width = 1160; // a full row of the report
    c.height = 330;
    c.x = {"time since first sample", svg_scale::linear, svg_unit::seconds};
    c.y = {"memory", svg_scale::linear, svg_unit::bytes};
    c.y.from_zero = false;
    if (report.resources.empty()) {
        return c;
    }
    const auto t0 = report.resources.front().at;
    svg_series rss{"RSS", "#4e79a7", {}};
    svg_series heap{"heap in use", "#f28e2b", {}};
    double x_last = 0.0;
    for (const auto& s : report.resources) {
        const double x = std::chrono::duration<double>(s.at - t0).count();
        x_last = std::max(x_last, x);
        if (s.rss_bytes) {
            rss.points.emplace_back(x, static_cast<double>(*s.rss_bytes));
        }
        if (s.heap_in_use_bytes) {
            heap.points.emplace_back(x, static_cast<double>(*s.heap_in_use_bytes));
        }
    }
    c.series.push_back(std::move(rss));
    c.series.push_back(std::move(heap));
    if (report.leak) {
        const leak_report& l = *report.leak;
        const bool seconds = l.x_unit == "s" || l.x_unit == "sec" || l.x_unit == "seconds";
        if (seconds) {
            if (l.rss && l.rss->windows > 0) {
                c.series.push_back(trend_series(
                    *l.rss, x_last, "RSS trend " + bytes_text(l.rss->slope * 3600, true) + "/h", "#2b4a6f"));
            }
            if (l.heap && l.heap->windows > 0) {
                c.series.push_back(trend_series(*l.heap, x_last,
                                                "heap trend " + bytes_text(l.heap->slope * 3600, true) + "/h",
                                                "#b3541e"));
            }
            const leak_trend* cut = l.heap ? &*l.heap : (l.rss ? &*l.rss : nullptr);
            if (cut != nullptr && cut->warmup_end_x > 0.0) {
                c.bands.push_back({0.0, cut->warmup_end_x, "leak check warm-up", "#888888"});
            }
        }
        c.title += std::string(" \xE2\x80\x94 ") + to_string(l.verdict);
    }
    return c;
}

inline void add_capacity_markers(svg_chart& c, const capacity_curve& curve) {
    if (curve.sustainable) {
        c.markers.push_back({*curve.sustainable, "sustainable " + trimmed(*curve.sustainable, 4), "#2e7d32"});
    }
    if (curve.knee && (!curve.sustainable || *curve.knee != *curve.sustainable)) {
        c.markers.push_back({*curve.knee, "knee " + trimmed(*curve.knee, 4), "#b26a00"});
    }
}

inline svg_chart capacity_throughput_chart(const capacity_curve& curve) {
    svg_chart c;
    c.id = "capacity-throughput";
    c.title = "Capacity: achieved vs offered load";
    c.x = {"offered load (" + curve.unit + ")", svg_scale::linear, svg_unit::number};
    c.y = {"achieved (ops/s)", svg_scale::linear, svg_unit::rate};
    svg_series pass{"met the SLO", "#59a14f", {}};
    svg_series fail{"failed the SLO", "#e15759", {}};
    svg_series line{"achieved", "#4e79a7", {}};
    pass.kind = svg_kind::points;
    fail.kind = svg_kind::points;
    double top = 0.0;
    for (const auto& s : curve.steps) {
        line.points.emplace_back(s.offered_rate, s.achieved_rate);
        (s.passed ? pass : fail).points.emplace_back(s.offered_rate, s.achieved_rate);
        top = std::max({top, s.offered_rate, s.achieved_rate});
    }
    if (curve.unit == "ops/s" && top > 0.0) {
        svg_series ideal{"achieved = offered", "#aaaaaa", {{0.0, 0.0}, {top, top}}};
        ideal.dashed = true;
        ideal.stroke = 1.2;
        c.series.push_back(std::move(ideal));
    }
    c.series.push_back(std::move(line));
    c.series.push_back(std::move(pass));
    c.series.push_back(std::move(fail));
    add_capacity_markers(c, curve);
    return c;
}

inline svg_chart capacity_latency_chart(const capacity_curve& curve) {
    svg_chart c;
    c.id = "capacity-latency";
    c.title = "Capacity: latency vs offered load";
    c.x = {"offered load (" + curve.unit + ")", svg_scale::linear, svg_unit::number};
    c.y = {"latency", svg_scale::linear, svg_unit::duration_ns};
    svg_series p50{"p50", "#59a14f", {}};
    svg_series p95{"p95", "#f28e2b", {}};
    svg_series p99{"p99", "#e15759", {}};
    for (const auto& s : curve.steps) {
        p50.points.emplace_back(s.offered_rate, static_cast<double>(s.p50.count()));
        p95.points.emplace_back(s.offered_rate, static_cast<double>(s.p95.count()));
        p99.points.emplace_back(s.offered_rate, static_cast<double>(s.p99.count()));
    }
    for (auto* s : {&p50, &p95, &p99}) {
        s->markers = true;
        c.series.push_back(std::move(*s));
    }
    c.y.scale = latency_scale(c.series);
    add_capacity_markers(c, curve);
    return c;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_SVG_CHARTS_HPP
