// SPDX-License-Identifier: MIT
//
// run_report -> JSON, schema "loadkit-report" version 4 (docs/report.schema.json describes every
// member; report/json.hpp is the public entry point). Histograms are written as their
// configuration plus the non-empty counters, which is all a reader needs to rebuild them exactly;
// the "summary" objects repeat figures for people and tools like jq and are never read back.
#ifndef LOADKIT_DETAIL_REPORT_JSON_REPORT_WRITE_HPP
#define LOADKIT_DETAIL_REPORT_JSON_REPORT_WRITE_HPP

#include <loadkit/detail/report/json/writer.hpp>
#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

// loadkit::json_options (report/json.hpp) as the writer uses them: that header's body includes this
// one, so the writer takes the settings, not the public struct.
struct json_write_settings {
    int indent = 2;
    bool summaries = true;
    bool intervals = true;
};

inline constexpr std::string_view json_schema_name = "loadkit-report";
// 2: stuck operations say whether they finished; the report counts past_hang_limit.
// 3: scheduled counts. 4: the execution segment, start_at and the start's skew.
inline constexpr std::uint64_t json_schema_version = 4;

// Enumerations by name, indexed by the enumerator's value.
inline constexpr std::array<std::string_view, 2> json_latency_models{"closed", "open"};
inline constexpr std::array<std::string_view, 6> json_stop_reasons{"running",     "completed", "deadline",
                                                                   "interrupted", "slo_abort", "error"};
inline constexpr std::array<std::string_view, 13> json_slo_metrics{
    "percentile",     "mean",          "min",          "max",        "stddev",
    "fraction_below", "error_rate",    "success_rate", "throughput", "count",
    "dropped",        "memory_growth", "leak"};
inline constexpr std::array<std::string_view, 6> json_slo_ops{"<", "<=", ">", ">=", "==", "!="};
inline constexpr std::array<std::string_view, 3> json_verdicts{"pass", "fail", "inconclusive"};
inline constexpr std::array<std::string_view, 3> json_leak_verdicts{"no_leak", "leak", "inconclusive"};
inline constexpr std::array<std::string_view, 5> json_leak_causes{
    "none", "heap_growth", "heap_growth_not_resident", "allocator_retention", "rss_growth"};

template <class E, std::size_t N>
std::string_view json_name(E e, const std::array<std::string_view, N>& names) noexcept {
    const auto i = static_cast<std::size_t>(e);
    return i < N ? names[i] : std::string_view("unknown");
}

inline std::uint64_t json_u64(std::size_t n) noexcept { return static_cast<std::uint64_t>(n); }

// The counter layout of sparse_histogram (interval histograms): 2 significant digits, any value.
inline histogram_layout json_sparse_layout() {
    return make_histogram_layout(2, 0.0, std::numeric_limits<std::int64_t>::max());
}

// "2024-05-01T12:34:56.789Z" (UTC, milliseconds), for people; the reader uses started_unix_ns.
inline std::string json_utc_text(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto since = duration_cast<milliseconds>(t.time_since_epoch());
    const auto day = floor<days>(since);
    const year_month_day date{sys_days{day}};
    const hh_mm_ss<milliseconds> time{since - day};
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return text;
}

class json_report_writer {
public:
    json_report_writer(std::string& out, const json_write_settings& settings)
        : w_(out, settings.indent), o_(settings) {}

    void report(const run_report& r) {
        w_.begin_object();
        w_.member("schema", json_schema_name);
        w_.member("version", json_schema_version);
        w_.member("generator", "loadkit " + std::to_string(version.major) + "." +
                                   std::to_string(version.minor) + "." + std::to_string(version.patch));
        if (o_.summaries) {
            w_.key("summary");
            w_.begin_object();
            w_.member("passed", r.passed());
            w_.member("exit_code", r.exit_code());
            w_.member("started_utc", json_utc_text(r.started));
            w_.end_object();
        }
        w_.member("title", r.title);
        w_.member("started_unix_ns",
                  std::chrono::duration_cast<std::chrono::nanoseconds>(r.started.time_since_epoch()).count());
        w_.key("start_at_unix_ns");
        if (r.start_at) {
            w_.value(static_cast<std::int64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(r.start_at->time_since_epoch())
                    .count()));
        } else {
            w_.null();
        }
        w_.key("start_skew_ns");
        if (r.start_skew) {
            w_.value(static_cast<std::int64_t>(r.start_skew->count()));
        } else {
            w_.null();
        }
        w_.key("segment");
        if (r.segment) {
            segment(*r.segment);
        } else {
            w_.null();
        }
        w_.key("scenarios");
        w_.begin_array();
        for (const auto& s : r.scenarios) {
            scenario(s);
        }
        w_.end_array();
        w_.key("result");
        result(r.result);
        w_.key("slo");
        if (r.slo) {
            slo(*r.slo);
        } else {
            w_.null();
        }
        w_.key("resources");
        w_.begin_array();
        for (const auto& s : r.resources) {
            resource(s);
        }
        w_.end_array();
        w_.key("leak");
        if (r.leak) {
            leak(*r.leak);
        } else {
            w_.null();
        }
        w_.key("stuck");
        w_.begin_array();
        for (const auto& s : r.stuck) {
            stuck(s);
        }
        w_.end_array();
        w_.member("past_hang_limit", r.past_hang_limit);
        w_.key("capacity");
        if (r.capacity) {
            capacity(*r.capacity);
        } else {
            w_.null();
        }
        w_.end_object();
    }

private:
    void segment(const segment_assignment& a) {
        w_.begin_object(true);
        w_.member("text", a.segment.text());
        for (const bool first : {true, false}) {
            const segment_bound b = first ? a.segment.from() : a.segment.to();
            w_.key(first ? "from" : "to");
            w_.begin_array(true);
            w_.value(b.num);
            w_.value(b.den);
            w_.end_array();
        }
        w_.member("source", a.source);
        for (const bool first : {true, false}) {
            const std::optional<std::uint64_t>& n = first ? a.rank : a.size;
            w_.key(first ? "rank" : "size");
            if (n) {
                w_.value(*n);
            } else {
                w_.null();
            }
        }
        w_.end_object();
    }

    void scenario(const scenario_summary& s) {
        w_.begin_object();
        w_.member("name", s.name);
        w_.member("profile", s.profile);
        w_.member("model", json_name(s.model, json_latency_models));
        w_.member("start_offset_ns", s.start_offset.count());
        w_.key("operations");
        w_.begin_array(true);
        for (const auto& op : s.operations) {
            w_.value(op);
        }
        w_.end_array();
        w_.end_object();
    }

    void result(const run_result& r) {
        w_.begin_object();
        w_.member("model", json_name(r.model, json_latency_models));
        w_.member("reason", json_name(r.reason, json_stop_reasons));
        w_.member("reason_text", r.reason_text);
        w_.member("duration_ns", r.duration.count());
        w_.member("warmup_ns", r.warmup.count());
        w_.key("overall");
        tag(r.overall);
        w_.key("tags");
        w_.begin_array();
        for (const auto& t : r.tags) {
            tag(t);
        }
        w_.end_array();
        w_.end_object();
    }

    void tag(const tag_result& t) {
        w_.begin_object();
        w_.member("name", t.name);
        stats(t);
        w_.key("warmup");
        if (t.warmup) {
            w_.begin_object();
            stats(*t.warmup);
            w_.end_object();
        } else {
            w_.null();
        }
        w_.key("intervals");
        series(o_.intervals ? t.intervals : interval_series{});
        w_.end_object();
    }

    // The members op_stats and tag_result share.
    void stats(const op_stats& s) {
        if (o_.summaries) {
            w_.key("summary");
            w_.begin_object(true);
            w_.member("count", s.count());
            w_.member("failed", s.failed());
            w_.member("error_rate", s.error_rate());
            w_.key("throughput_per_s");
            w_.fixed(s.throughput(), 3);
            w_.end_object();
        }
        w_.member("ok", s.ok);
        w_.member("errors", s.errors);
        w_.member("timeouts", s.timeouts);
        w_.member("dropped", s.dropped);
        w_.member("scheduled", s.scheduled);
        w_.member("duration_ns", s.duration.count());
        w_.key("error_categories");
        w_.begin_array();
        for (const auto& c : s.error_categories) {
            w_.begin_object(true);
            w_.member("name", c.name);
            w_.member("count", c.count);
            w_.member("other_messages", c.other_messages);
            w_.key("messages");
            w_.begin_array();
            for (const auto& m : c.messages) {
                w_.begin_object();
                w_.member("text", m.text);
                w_.member("count", m.count);
                w_.end_object();
            }
            w_.end_array();
            w_.end_object();
        }
        w_.end_array();
        w_.key("latency");
        dense(s.latency);
        w_.key("service_time");
        if (s.service_time) {
            dense(*s.service_time);
        } else {
            w_.null();
        }
    }

    // The counters as HdrHistogram's counts array (index i holds [lowest_of(i), highest_of(i)]),
    // run-length encoded as its V2 encoding does (HdrHistogram EncodableHistogram): from index 0, a
    // count > 0 for each occupied counter and -k for k empty ones in a row; trailing ones omitted.
    template <class H> void counts(const H& h, const histogram_layout& layout) {
        w_.key("counts");
        w_.begin_array(true, true);
        std::uint64_t next = 0;
        h.for_each_bucket([&](const histogram_bucket& b) {
            const std::uint64_t i = layout.index_of(static_cast<std::uint64_t>(b.lowest.count()));
            if (i > next) {
                w_.value(-static_cast<std::int64_t>(i - next));
            }
            w_.value(b.count);
            next = i + 1;
        });
        w_.end_array();
    }
    template <class H> void figures(const H& h) {
        w_.member("p50", h.value_at_percentile(50.0).count());
        w_.member("p90", h.value_at_percentile(90.0).count());
        w_.member("p95", h.value_at_percentile(95.0).count());
        w_.member("p99", h.value_at_percentile(99.0).count());
        w_.member("p999", h.value_at_percentile(99.9).count());
        w_.member("max", h.max().count());
    }

    void dense(const histogram& h) {
        w_.begin_object();
        if (o_.summaries) {
            w_.key("summary");
            w_.begin_object(true);
            w_.member("unit", "ns");
            w_.member("significant_digits", h.significant_digits());
            w_.member("max_relative_error", h.max_relative_error());
            w_.member("count", h.count());
            w_.member("min", h.min().count());
            w_.key("mean");
            w_.fixed(h.mean().count(), 1);
            figures(h);
            w_.key("stddev");
            w_.fixed(h.stddev().count(), 1);
            w_.end_object();
        }
        w_.member("sub_bucket_count", json_u64(h.sub_bucket_count()));
        w_.member("highest_ns", h.highest().count());
        w_.member("count", h.count());
        w_.member("min_ns", h.min().count());
        w_.member("max_ns", h.max().count());
        w_.member("clamped_low", h.clamped_low_count());
        w_.member("clamped_high", h.clamped_high_count());
        counts(h, make_histogram_layout(0, h.max_relative_error(), h.highest().count()));
        w_.end_object();
    }

    void series(const interval_series& s) {
        static const histogram_layout sparse_layout = json_sparse_layout();
        w_.begin_object();
        w_.member("width_ns", s.width.count());
        w_.member("max_intervals", json_u64(s.max_intervals));
        w_.member("sub_bucket_count", std::uint64_t{1} << sparse_histogram::sub_bucket_bits);
        w_.key("intervals");
        w_.begin_array();
        for (std::size_t i = 0; i < s.intervals.size(); ++i) {
            const interval_stats& st = s.intervals[i];
            w_.begin_object(true);
            w_.member("start_ns", s.start_of(i).count());
            w_.member("ok", st.ok);
            w_.member("errors", st.errors);
            w_.member("timeouts", st.timeouts);
            w_.member("dropped", st.dropped);
            w_.member("scheduled", st.scheduled);
            w_.key("latency");
            w_.begin_object();
            if (o_.summaries && !st.latency.empty()) {
                w_.key("summary");
                w_.begin_object();
                w_.member("min", st.latency.min().count());
                w_.key("mean");
                w_.fixed(st.latency.mean().count(), 1);
                figures(st.latency);
                w_.end_object();
            }
            w_.member("count", st.latency.count());
            counts(st.latency, sparse_layout);
            w_.end_object();
            w_.end_object();
        }
        w_.end_array();
        w_.end_object();
    }

    void objective_(const objective& o) {
        w_.begin_object();
        w_.member("text", o.text());
        w_.member("metric", json_name(o.metric, json_slo_metrics));
        w_.member("parameter", o.parameter);
        w_.member("op", json_name(o.op, json_slo_ops));
        w_.member("limit", o.limit);
        w_.member("tag", o.tag);
        w_.member("confidence", o.confidence);
        w_.member("abort_on_fail", o.abort_on_fail);
        w_.member("abort_grace_ns", o.abort_grace.count());
        w_.member("abort_when_confident", o.abort_when_confident);
        w_.member("source", o.source);
        w_.end_object();
    }

    void slo(const slo_report& s) {
        w_.begin_object();
        if (o_.summaries) {
            w_.key("summary");
            w_.begin_object(true);
            w_.member("passed", s.passed());
            w_.member("statistical", json_name(s.statistical(), json_verdicts));
            w_.end_object();
        }
        w_.key("verdicts");
        w_.begin_array();
        for (const auto& v : s.verdicts) {
            w_.begin_object();
            w_.member("line", v.line);
            w_.key("objective");
            objective_(v.target);
            w_.member("passed", v.passed);
            w_.member("statistical", json_name(v.statistical, json_verdicts));
            w_.member("has_data", v.has_data);
            w_.member("measured", v.measured);
            w_.member("limit", v.limit);
            w_.member("binomial", v.binomial);
            w_.member("trials", v.trials);
            w_.member("bad", v.bad);
            w_.member("allowed_bad", v.allowed_bad);
            w_.member("bad_upper", v.bad_upper);
            w_.member("bad_lower", v.bad_lower);
            w_.end_object();
        }
        w_.end_array();
        w_.end_object();
    }

    template <class T> void optional_member(std::string_view name, const std::optional<T>& v) {
        w_.key(name);
        if (v) {
            w_.value(static_cast<std::uint64_t>(*v));
        } else {
            w_.null();
        }
    }

    void resource(const process_sample& s) {
        w_.begin_object(true);
        w_.member("at_ns",
                  std::chrono::duration_cast<std::chrono::nanoseconds>(s.at.time_since_epoch()).count());
        optional_member("rss_bytes", s.rss_bytes);
        optional_member("peak_rss_bytes", s.peak_rss_bytes);
        optional_member("heap_in_use_bytes", s.heap_in_use_bytes);
        w_.key("cpu_user_us");
        s.cpu_user ? w_.value(s.cpu_user->count()) : w_.null();
        w_.key("cpu_system_us");
        s.cpu_system ? w_.value(s.cpu_system->count()) : w_.null();
        optional_member("threads", s.threads);
        optional_member("open_fds", s.open_fds);
        optional_member("loadkit_bytes", s.loadkit_bytes);
        w_.end_object();
    }

    void trend(const std::optional<leak_trend>& t) {
        if (!t) {
            w_.null();
            return;
        }
        w_.begin_object();
        w_.member("verdict", json_name(t->verdict, json_leak_verdicts));
        w_.member("samples", json_u64(t->samples));
        w_.member("analysed_samples", json_u64(t->analysed_samples));
        w_.member("samples_needed", json_u64(t->samples_needed));
        w_.member("windows", json_u64(t->windows));
        w_.member("warmup_windows", json_u64(t->warmup_windows));
        w_.member("warmup_end_x", t->warmup_end_x);
        w_.member("slope", t->slope);
        w_.member("ci_low", t->ci_low);
        w_.member("ci_high", t->ci_high);
        w_.member("lower_bound", t->lower_bound);
        w_.member("level", t->level);
        w_.member("run_span", t->run_span);
        w_.member("growth", t->growth);
        w_.member("effect_floor", t->effect_floor);
        w_.member("projected_growth", t->projected_growth);
        w_.member("lag1_autocorrelation", t->lag1_autocorrelation);
        w_.member("warmup_unfinished", t->warmup_unfinished);
        w_.end_object();
    }

    void leak(const leak_report& l) {
        w_.begin_object();
        if (o_.summaries) {
            w_.member("description", l.describe());
        }
        w_.member("verdict", json_name(l.verdict, json_leak_verdicts));
        w_.member("cause", json_name(l.cause, json_leak_causes));
        w_.member("confidence", l.confidence);
        w_.member("min_relative_growth", l.min_relative_growth);
        w_.member("horizon", l.horizon);
        w_.member("x_unit", l.x_unit);
        w_.key("rss");
        trend(l.rss);
        w_.key("heap");
        trend(l.heap);
        w_.end_object();
    }

    void stuck(const stuck_operation& s) {
        w_.begin_object(true);
        w_.member("scenario", s.scenario);
        w_.member("tag", s.tag);
        w_.member("virtual_user", s.virtual_user);
        w_.member("iteration", s.iteration);
        w_.member("elapsed_ns", s.elapsed.count());
        w_.member("abandoned", s.abandoned);
        w_.member("finished", s.finished);
        w_.end_object();
    }

    void capacity(const capacity_curve& c) {
        w_.begin_object();
        w_.member("unit", c.unit);
        w_.member("objective", c.objective);
        w_.key("sustainable");
        c.sustainable ? w_.value(*c.sustainable) : w_.null();
        w_.key("knee");
        c.knee ? w_.value(*c.knee) : w_.null();
        w_.key("steps");
        w_.begin_array();
        for (const auto& s : c.steps) {
            w_.begin_object(true);
            w_.member("offered_rate", s.offered_rate);
            w_.member("achieved_rate", s.achieved_rate);
            w_.member("p50_ns", s.p50.count());
            w_.member("p95_ns", s.p95.count());
            w_.member("p99_ns", s.p99.count());
            w_.member("error_rate", s.error_rate);
            w_.member("passed", s.passed);
            w_.member("verdict", s.verdict);
            w_.end_object();
        }
        w_.end_array();
        w_.end_object();
    }

    json_writer w_;
    json_write_settings o_;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_JSON_REPORT_WRITE_HPP
