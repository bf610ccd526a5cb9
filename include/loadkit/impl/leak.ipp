// SPDX-License-Identifier: MIT
// The bodies of leak.hpp: option checks, the per-series trend analysis (floor windows, warm-up cut,
// Theil–Sen; the statistics are in detail/stats/leak_stats.hpp), the verdict over RSS and heap, and
// its one-line description. Included at the end of leak.hpp in header-only mode, by impl/src.hpp
// otherwise.
#ifndef LOADKIT_IMPL_LEAK_IPP
#define LOADKIT_IMPL_LEAK_IPP

#include <loadkit/core_types.hpp>
#include <loadkit/detail/stats/leak_stats.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL const char* to_string(leak_cause c) noexcept {
    switch (c) {
    case leak_cause::none:
        return "none";
    case leak_cause::heap_growth:
        return "heap growth";
    case leak_cause::heap_growth_not_resident:
        return "heap growth, not yet resident";
    case leak_cause::allocator_retention:
        return "allocator retention";
    case leak_cause::rss_growth:
        return "RSS growth";
    }
    return "?";
}

namespace detail {

[[noreturn]] inline void throw_leak_option(const char* field, const std::string& value,
                                           const char* expected) {
    throw std::invalid_argument(std::string("loadkit::leak_options: ") + field + " = " + value +
                                " (expected " + expected + ")");
}

inline std::string leak_number(double v, const char* format = "%g") {
    char text[48];
    std::snprintf(text, sizeof text, format, v);
    return text;
}

inline void validate(const leak_options& o) {
    if (!(o.confidence > 0.5 && o.confidence < 1.0)) {
        throw_leak_option("confidence", leak_number(o.confidence), "0.5 < confidence < 1");
    }
    if (!(o.min_relative_growth >= 0.0 && std::isfinite(o.min_relative_growth))) {
        throw_leak_option("min_relative_growth", leak_number(o.min_relative_growth), "a finite value >= 0");
    }
    if (!(o.min_absolute_growth >= 0.0 && std::isfinite(o.min_absolute_growth))) {
        throw_leak_option("min_absolute_growth", leak_number(o.min_absolute_growth), "a finite value >= 0");
    }
    if (!(o.horizon >= 0.0 && std::isfinite(o.horizon))) {
        throw_leak_option("horizon", leak_number(o.horizon), "a finite value >= 0");
    }
    if (!(o.min_warmup >= 0.0 && std::isfinite(o.min_warmup))) {
        throw_leak_option("min_warmup", leak_number(o.min_warmup), "a finite value >= 0");
    }
    if (!(o.max_warmup_fraction >= 0.0 && o.max_warmup_fraction <= 0.9)) {
        throw_leak_option("max_warmup_fraction", leak_number(o.max_warmup_fraction), "0 .. 0.9");
    }
    if (o.window_samples < 1) {
        throw_leak_option("window_samples", std::to_string(o.window_samples), ">= 1");
    }
    if (o.min_windows < 4) {
        throw_leak_option("min_windows", std::to_string(o.min_windows), ">= 4");
    }
    if (o.max_windows < o.min_windows || o.max_windows > 1000) {
        throw_leak_option("max_windows", std::to_string(o.max_windows), "min_windows .. 1000");
    }
}

inline leak_trend analyse_leak_series(std::span<const leak_sample> samples, const leak_options& o) {
    leak_trend t;
    t.samples = samples.size();
    std::vector<leak_sample> sorted(samples.begin(), samples.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (!std::isfinite(sorted[i].x) || !std::isfinite(sorted[i].bytes)) {
            throw std::invalid_argument("loadkit::check_leak: sample " + std::to_string(i) + " is (" +
                                        leak_number(sorted[i].x) + ", " + leak_number(sorted[i].bytes) +
                                        "); x and bytes must be finite");
        }
    }
    const auto by_x = [](const leak_sample& a, const leak_sample& b) { return a.x < b.x; };
    if (!std::is_sorted(sorted.begin(), sorted.end(), by_x)) {
        std::stable_sort(sorted.begin(), sorted.end(), by_x);
    }
    if (sorted.empty()) {
        return t;
    }
    t.run_span = sorted.back().x - sorted.front().x;
    const double warm_x = sorted.front().x + o.min_warmup;
    const auto first = o.min_warmup > 0.0
                           ? std::lower_bound(sorted.begin(), sorted.end(), leak_sample{warm_x, 0.0}, by_x)
                           : sorted.begin();
    std::vector<double> xs;
    std::vector<double> ys;
    xs.reserve(static_cast<std::size_t>(sorted.end() - first));
    ys.reserve(xs.capacity());
    for (auto it = first; it != sorted.end(); ++it) {
        xs.push_back(it->x);
        ys.push_back(it->bytes);
    }
    t.analysed_samples = xs.size();
    const std::size_t most_windows = std::min(o.max_windows, xs.size() / o.window_samples);
    t.windows = most_windows;
    t.samples_needed = o.min_windows * o.window_samples;
    if (most_windows < o.min_windows) {
        return t; // inconclusive: too few samples
    }
    // Floor resolution: every number of windows from the finest allowed, halving down to min_windows,
    // is analysed; the one kept measures the slope most precisely by prediction: the most effective
    // floor points (points / Hamed–Rao factor, i.e. what correlation leaves of them) times the squared
    // x span analysed, as a slope's variance goes with 1 / (points * span^2). Slowly wandering noise
    // keeps the finest floor (its correlation is priced by the factor, and coarser minima throw
    // points away: AR(1) phi 0.9 detection 93 % -> 97 %); a sawtooth cycle longer than a window makes
    // fine minima so alike that coarser windows win. The score depends on the estimated correlation
    // and the warm-up cut, not on the scatter, so it does not pick whichever interval came out
    // narrowest by chance.
    const double z = detail::normal_quantile(o.confidence);
    struct choice {
        std::size_t windows = 0;
        std::size_t cut = 0;
        bool still_curved = false;
        detail::floor_series floor;
        detail::sen_slope sen;
        double precision = 0.0;
    } best;
    for (std::size_t windows = most_windows; windows >= o.min_windows; windows /= 2) {
        choice c;
        c.windows = windows;
        c.floor = detail::window_minima(xs, ys, windows);
        // Warm-up: MSER's cut, then further while what remains still bends down significantly (a
        // warm-up that has not settled: a line through it would report its tail as growth).
        const auto by_fraction =
            static_cast<std::size_t>(o.max_warmup_fraction * static_cast<double>(windows));
        const std::size_t d_max = std::min(by_fraction, windows - o.min_windows);
        const auto tail_x = [&](std::size_t d) { return std::span<const double>(c.floor.x).subspan(d); };
        const auto tail_y = [&](std::size_t d) { return std::span<const double>(c.floor.y).subspan(d); };
        c.cut = detail::mser_line_truncation(c.floor.x, c.floor.y, d_max);
        c.still_curved = detail::curvature_t(tail_x(c.cut), tail_y(c.cut)) < -z;
        while (c.still_curved && c.cut < d_max) {
            ++c.cut;
            c.still_curved = detail::curvature_t(tail_x(c.cut), tail_y(c.cut)) < -z;
        }
        c.sen = detail::theil_sen(tail_x(c.cut), tail_y(c.cut), o.confidence);
        const double points = static_cast<double>(c.floor.x.size() - c.cut);
        const double span = c.floor.x.back() - c.floor.x[c.cut];
        c.precision = points / c.sen.inflation * span * span;
        if (best.windows == 0 || c.precision > best.precision) { // ties keep the finer floor
            best = std::move(c);
        }
    }
    t.windows = best.windows;
    t.warmup_windows = best.cut;
    const std::span<const double> fx = std::span<const double>(best.floor.x).subspan(best.cut);
    const std::span<const double> fy = std::span<const double>(best.floor.y).subspan(best.cut);
    t.warmup_end_x = fx.front();
    const detail::sen_slope& sen = best.sen;
    if (std::isnan(sen.slope)) {
        return t; // every analysed sample at one x: no trend can be measured
    }
    t.slope = sen.slope;
    t.ci_low = sen.ci_low;
    t.ci_high = sen.ci_high;
    t.lower_bound = sen.lower_bound;
    t.lag1_autocorrelation = sen.lag1;
    std::vector<double> levels(fy.begin(), fy.end());
    t.level = detail::median_in_place(levels);
    t.growth = t.slope * t.run_span;
    t.effect_floor = std::max(o.min_relative_growth * std::abs(t.level), o.min_absolute_growth);
    t.projected_growth = t.slope * o.horizon;
    const bool grows = t.lower_bound > 0.0 && t.growth >= t.effect_floor;
    t.warmup_unfinished = grows && best.still_curved;
    t.verdict = t.warmup_unfinished ? leak_verdict::inconclusive
                : grows             ? leak_verdict::leak
                                    : leak_verdict::no_leak;
    return t;
}

// Binary units, three significant digits: {"+1.25", "MiB"}, {"-512", "B"}, {"+64.1", "B"}.
struct leak_quantity {
    std::string number;
    const char* unit;
};

inline leak_quantity leak_scaled(double v, bool sign = true) {
    if (std::isinf(v)) {
        return {v > 0 ? "+inf" : "-inf", "B"};
    }
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double magnitude = std::abs(v);
    std::size_t u = 0;
    while (magnitude >= 1024.0 && u + 1 < std::size(units)) {
        magnitude /= 1024.0;
        ++u;
    }
    const char* format = magnitude >= 99.95 ? "%.0f" : magnitude >= 9.995 ? "%.1f" : "%.2f";
    const bool negative = v < 0 && leak_number(magnitude, format) != leak_number(0.0, format);
    const std::string prefix = negative ? "-" : sign ? "+" : "";
    return {prefix + leak_number(magnitude, format), units[u]};
}

inline std::string leak_bytes(double v, bool sign = true) {
    const leak_quantity q = leak_scaled(v, sign);
    return q.number + " " + q.unit;
}

// "+64.1 B/iter (95% CI +63.9..+64.3)"; interval bounds carry their own unit when it differs.
// Without bounds: "+0.3 B/iter (95% CI not available: 4 windows, needs 6)".
inline std::string leak_slope_text(const leak_trend& t, const leak_report& r) {
    const leak_quantity slope = leak_scaled(t.slope);
    const std::string head =
        slope.number + " " + slope.unit + "/" + r.x_unit + " (" + leak_number(r.confidence * 100.0) + "% CI ";
    if (const std::string missing = leak_interval_missing(t, r.confidence); !missing.empty()) {
        return head + missing + ")";
    }
    const leak_quantity low = leak_scaled(t.ci_low);
    const leak_quantity high = leak_scaled(t.ci_high);
    const auto bound = [&](const leak_quantity& q) {
        return std::string(q.unit) == slope.unit ? q.number : q.number + " " + q.unit;
    };
    return head + bound(low) + ".." + bound(high) + ")";
}

inline std::string leak_growth_text(const leak_trend& t, const leak_report& r) {
    std::string s = leak_bytes(t.growth) + " over the run";
    if (r.horizon > 0.0) {
        s += ", " + leak_bytes(t.projected_growth) + " per " + leak_number(r.horizon) + " " + r.x_unit;
    }
    return s;
}

inline std::string leak_floor_text(const leak_trend& t) {
    return "effect floor " + leak_bytes(t.effect_floor, false);
}

LOADKIT_DECL std::string leak_interval_missing(const leak_trend& t, double confidence) {
    if (std::isfinite(t.ci_low) && std::isfinite(t.ci_high)) {
        return {};
    }
    const std::size_t windows = t.windows - t.warmup_windows;
    const std::size_t needed = sen_interval_min_points(confidence);
    return windows < needed
               ? "not available: " + std::to_string(windows) + " windows, needs " + std::to_string(needed)
               : "not available: " + std::to_string(windows) +
                     " windows are too few for their serial correlation";
}

} // namespace detail

LOADKIT_DECL leak_report check_leak(std::span<const leak_sample> rss, std::span<const leak_sample> heap,
                                    const leak_options& options) {
    detail::validate(options);
    leak_report r;
    r.confidence = options.confidence;
    r.min_relative_growth = options.min_relative_growth;
    r.horizon = options.horizon;
    r.x_unit = options.x_unit;
    if (!rss.empty()) {
        r.rss = detail::analyse_leak_series(rss, options);
    }
    if (!heap.empty()) {
        r.heap = detail::analyse_leak_series(heap, options);
    }
    const bool rss_known = r.rss && r.rss->verdict != leak_verdict::inconclusive;
    const bool heap_known = r.heap && r.heap->verdict != leak_verdict::inconclusive;
    const bool rss_grows = rss_known && r.rss->verdict == leak_verdict::leak;
    if (heap_known) { // the heap decides; RSS explains
        if (r.heap->verdict == leak_verdict::leak) {
            r.verdict = leak_verdict::leak;
            r.cause =
                rss_known && !rss_grows ? leak_cause::heap_growth_not_resident : leak_cause::heap_growth;
        } else {
            r.verdict = leak_verdict::no_leak;
            r.cause = rss_grows ? leak_cause::allocator_retention : leak_cause::none;
        }
    } else if (rss_known) {
        r.verdict = rss_grows ? leak_verdict::leak : leak_verdict::no_leak;
        r.cause = rss_grows ? leak_cause::rss_growth : leak_cause::none;
    }
    return r;
}

LOADKIT_DECL std::string leak_report::describe() const {
    const bool heap_decides = heap && heap->verdict != leak_verdict::inconclusive;
    const bool rss_decides = !heap_decides && rss && rss->verdict != leak_verdict::inconclusive;
    if (verdict == leak_verdict::inconclusive || !(heap_decides || rss_decides)) {
        const leak_trend* any = heap ? &*heap : rss ? &*rss : nullptr;
        if (any == nullptr) {
            return "inconclusive: no samples";
        }
        const std::string name = heap ? "heap" : "RSS";
        if (any->warmup_unfinished) {
            return "inconclusive: " + name + " floor still grows but ever more slowly (" +
                   detail::leak_slope_text(*any, *this) +
                   " after the largest warm-up cut, at x = " + detail::leak_number(any->warmup_end_x) +
                   "): warm-up not over; run longer or set min_warmup";
        }
        return "inconclusive: " + name + " has " + std::to_string(any->analysed_samples) +
               " samples after the known warm-up, needs " + std::to_string(any->samples_needed) +
               " (min_windows x window_samples)";
    }
    const leak_trend& t = heap_decides ? *heap : *rss;
    const std::string name = heap_decides ? "heap" : "RSS";
    if (verdict == leak_verdict::leak) {
        std::string line = "leak: " + name + " floor slope " + detail::leak_slope_text(t, *this) + ", " +
                           detail::leak_growth_text(t, *this) + " (" + detail::leak_floor_text(t) + ")";
        if (cause == leak_cause::heap_growth_not_resident) {
            line += "; RSS is flat so far (not yet resident; run longer)";
        } else if (cause == leak_cause::rss_growth) {
            line += "; no heap series to tell a leak from allocator retention";
        }
        return line;
    }
    if (cause == leak_cause::allocator_retention) {
        return "no leak (allocator retention): RSS floor slope " + detail::leak_slope_text(*rss, *this) +
               " grows but heap is flat: " + detail::leak_slope_text(*heap, *this);
    }
    std::string line = "no leak: " + name + " floor slope " + detail::leak_slope_text(t, *this) + ", " +
                       detail::leak_growth_text(t, *this);
    if (t.growth < t.effect_floor) {
        line += ", below the " + detail::leak_floor_text(t);
    } else {
        line += ", not significant at " + detail::leak_number(confidence * 100.0) + "%";
    }
    return line;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_LEAK_IPP
