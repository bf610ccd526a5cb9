// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::check_leak — does memory keep growing? A trend verdict on (x, bytes) samples of RSS
// and/or heap in use, where x is iterations or seconds:
//
//   std::vector<loadkit::leak_sample> heap;            // e.g. every 100 iterations:
//   heap.push_back({i, probe.heap_in_use_bytes().value_or(0)});
//   loadkit::leak_report r = loadkit::check_leak({}, heap, {.x_unit = "iter"});
//   if (r.verdict == loadkit::leak_verdict::leak) std::puts(r.describe().c_str());
//   // "leak: heap floor slope +80.0 B/iter (95% CI +80.0..+80.0), +1.52 MiB over the run (effect
//   //  floor 256 KiB)" -- 64 B malloc'd per iteration, 80 B per glibc chunk (tests/test_leak.cpp)
//
// Method, per series (research notes part 2; each step answers a measured failure of the naive test):
//  1. Floor series: the minimum of each of K equal-count windows. Minima ignore GC/allocator sawtooth
//     and transient buffers and keep what stays allocated (HPjmeter's "heap after GC" lower envelope,
//     without needing GC events). K is min(max_windows, n / window_samples) or a half, quarter...
//     of it (down to min_windows): the one whose slope is predicted most precise, i.e. with the most
//     effective points (points / the step-3 correlation factor) times the squared span analysed.
//     Correlated noise keeps K fine; a cycle longer than a window makes fine minima alike and K coarse.
//  2. Warm-up: cut the start of the floor where the line fits worst, by MSER (White 1997) with a line
//     instead of a mean (detail/stats/leak_stats.hpp), then further while the rest still bends down
//     significantly — rather than a fixed fraction: an unfinished warm-up fools every raw trend test
//     (about 100 % false positives in the notes' simulation). Growth that still slows down after the
//     largest allowed cut is `inconclusive` (warm-up not over), never `leak`.
//  3. Theil–Sen slope of the remaining floor with Sen's confidence interval from the Mann–Kendall
//     variance (Sen 1968), widened for serial correlation (Hamed & Rao 1998); robust to 29 % outliers.
//  4. Leak only if the one-sided lower bound on the slope is above 0 AND slope * (the run's x span)
//     reaches the effect floor max(min_relative_growth * level, min_absolute_growth): significant but
//     irrelevant growth (a cache settling by 0.1 %) is not a leak.
// With both series the heap decides; RSS that grows while the heap is flat is allocator retention or
// fragmentation (freed memory the allocator keeps; research notes 2.4), reported as such, not as a leak.
// Cost: O(n) for n samples in x order (O(n log n) otherwise), then O(K^2) per resolution tried.
//
// Measured (tests/test_leak.cpp; seeded, 1,000 trials per case of 1,000 samples; level 200 MB, noise
// sigma 2 MB, effect floor 2 % = 4 MB over the run): false positives 0.0 % (target <= 1 %) on white
// noise, AR(1) phi = 0.9, GC sawtooth (short and long cycles), plateau steps and an unfinished warm-up;
// detection at 1.5x the effect floor 100 % (white, sawtooth), 96 % (after plateau steps, after a
// warm-up, under AR(1)). AR(1) phi = 0.9 leaves ~53 effective samples of 1,000: even an efficient
// estimate of the 6 MB growth has a 0.96 MB standard error, so ~98 % is the ceiling at this floor.
// Limits, measured the same way (5,000 trials):
//  - AR(1) noise larger than the effect floor (the notes' hardest model, marginal sigma 4.6 MB) wanders
//    like a trend: 1.2 % false positives over 2,000 samples, ~4 % over 1,000, ~10 % over 120.
//  - A warm-up still settling under AR(1) noise is flagged ~15 % of the time: set min_warmup.
//  - Windows must span a sawtooth cycle to see a leak under it (5 cycles per run: 15 % detection);
//    raise window_samples to two cycles' worth of samples.
//  - Fewer than ~500 samples weaken warm-up detection (unfinished warm-up: 1.6 % at 400, 7 % at 200).
#ifndef LOADKIT_LEAK_HPP
#define LOADKIT_LEAK_HPP

#include <loadkit/core_types.hpp>
#include <loadkit/detail/stats/leak_stats.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

// One observation: x (iterations, seconds, any increasing unit) and memory in bytes. Constructible
// from any arithmetic pair, so {i, sample.rss_bytes.value()} needs no casts.
struct leak_sample {
    double x = 0.0;
    double bytes = 0.0;

    constexpr leak_sample() noexcept = default;
    template <class X, class B>
    requires std::is_arithmetic_v<X> && std::is_arithmetic_v<B>
    constexpr leak_sample(X at, B value) noexcept
        : x(static_cast<double>(at)), bytes(static_cast<double>(value)) {}
};

namespace detail {
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};

template <class V> std::optional<double> leak_value(const V& v) {
    if constexpr (is_optional<V>::value) {
        return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
    } else {
        static_assert(std::is_arithmetic_v<V>, "make_leak_series: x_of / bytes_of must return a number or "
                                               "a std::optional of one");
        return static_cast<double>(v);
    }
}
} // namespace detail

// A series from any range of records, e.g. process_sampler::samples():
//   auto t0 = samples.front().at;
//   auto rss = loadkit::make_leak_series(samples,
//       [&](const auto& s) { return std::chrono::duration<double>(s.at - t0).count(); },
//       [](const auto& s) { return s.rss_bytes; });
// x_of and bytes_of return a number or a std::optional of one; records with an empty one are skipped.
template <class Range, class XOf, class BytesOf>
std::vector<leak_sample> make_leak_series(const Range& records, XOf x_of, BytesOf bytes_of) {
    std::vector<leak_sample> out;
    for (const auto& record : records) {
        const std::optional<double> x = detail::leak_value(x_of(record));
        const std::optional<double> bytes = detail::leak_value(bytes_of(record));
        if (x && bytes) {
            out.push_back({*x, *bytes});
        }
    }
    return out;
}

// Configuration; check_leak validates it and throws std::invalid_argument naming the field and value.
struct leak_options {
    // One-sided confidence that the slope is above 0 before a leak is declared; the reported interval
    // is two-sided at the same level. 0.5 < confidence < 1.
    double confidence = 0.95;
    // Effect floor: slope * (the run's x span) must reach max(min_relative_growth * level,
    // min_absolute_growth), level being the median of the floor series. 256 KiB default: two of
    // glibc's 128 KiB heap-top steps, below which RSS moves without anyone leaking.
    double min_relative_growth = 0.02;
    double min_absolute_growth = 256.0 * 1024.0;
    // If > 0, report slope * horizon as the projected growth over that many x units (e.g. 86400 for
    // a day when x is seconds).
    double horizon = 0.0;
    // Warm-up the caller knows about: samples with x < first x + min_warmup are dropped before the
    // automatic detection, which may cut more.
    double min_warmup = 0.0;
    // The automatic warm-up cut takes at most this fraction of the floor series, 0 .. 0.9 (0: off).
    double max_warmup_fraction = 0.5;
    // Floor windows: at least window_samples samples each (make a window span two or more GC or
    // allocator cycles), at most max_windows of them (Theil–Sen is O(windows^2)), and at least
    // min_windows analysed after warm-up, or the series is inconclusive.
    std::size_t window_samples = 8;
    std::size_t max_windows = 100;
    std::size_t min_windows = 8;
    // Unit of x in describe(): "B/iter", "B/s".
    std::string x_unit = "iter";
};

// What grew, when both series are known.
enum class leak_cause {
    none,                     // nothing grows beyond the effect floor
    heap_growth,              // heap in use grows (RSS too, or RSS not given): a leak
    heap_growth_not_resident, // heap grows, RSS flat so far: a leak not yet paged in; run longer
    allocator_retention,      // RSS grows, heap flat: the allocator keeps freed memory; not a leak
    rss_growth,               // RSS grows and no heap series was given: a leak or retention
};

inline const char* to_string(leak_cause c) noexcept {
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

// The analysis of one series. Slopes are in bytes per x unit; growth and floors in bytes.
struct leak_trend {
    leak_verdict verdict = leak_verdict::inconclusive;
    std::size_t samples = 0;          // given
    std::size_t analysed_samples = 0; // after the known warm-up (min_warmup)
    std::size_t samples_needed = 0;   // min_windows * window_samples: fewer is inconclusive
    std::size_t windows = 0;          // floor points before the warm-up cut
    std::size_t warmup_windows = 0;   // floor points cut as warm-up
    double warmup_end_x = 0.0;        // x of the first analysed floor point
    double slope = 0.0;               // Theil–Sen on the analysed floor
    double ci_low = 0.0;              // two-sided interval at options.confidence
    double ci_high = 0.0;
    double lower_bound = 0.0;          // one-sided bound at options.confidence; a leak needs > 0
    double level = 0.0;                // median of the analysed floor
    double run_span = 0.0;             // last x - first x over all samples given
    double growth = 0.0;               // slope * run_span
    double effect_floor = 0.0;         // max(min_relative_growth * level, min_absolute_growth)
    double projected_growth = 0.0;     // slope * options.horizon (0 without a horizon)
    double lag1_autocorrelation = 0.0; // of the detrended floor; > 0 widened the interval
    // Growth that still slows down after the largest allowed warm-up cut: a warm-up that has not
    // ended, reported as inconclusive rather than as a leak. Run longer.
    bool warmup_unfinished = false;
};

struct leak_report {
    leak_verdict verdict = leak_verdict::inconclusive;
    leak_cause cause = leak_cause::none;
    std::optional<leak_trend> rss;  // present when RSS samples were given
    std::optional<leak_trend> heap; // present when heap samples were given
    double confidence = 0.95;
    double min_relative_growth = 0.02;
    double horizon = 0.0;
    std::string x_unit = "iter";

    // One line, e.g. "no leak: heap floor slope +0.3 B/iter (95% CI -1.1..+1.7), +2.0 KiB over the
    // run, below the effect floor 256 KiB".
    std::string describe() const;
};

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
inline std::string leak_slope_text(const leak_trend& t, const leak_report& r) {
    const leak_quantity slope = leak_scaled(t.slope);
    const leak_quantity low = leak_scaled(t.ci_low);
    const leak_quantity high = leak_scaled(t.ci_high);
    const auto bound = [&](const leak_quantity& q) {
        return std::string(q.unit) == slope.unit || q.number.find("inf") != std::string::npos
                   ? q.number
                   : q.number + " " + q.unit;
    };
    return slope.number + " " + slope.unit + "/" + r.x_unit + " (" + leak_number(r.confidence * 100.0) +
           "% CI " + bound(low) + ".." + bound(high) + ")";
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

} // namespace detail

// The verdict on RSS and/or heap samples (either may be empty). Throws std::invalid_argument for
// invalid options or a non-finite sample; never for too few samples (that is `inconclusive`).
inline leak_report check_leak(std::span<const leak_sample> rss, std::span<const leak_sample> heap = {},
                              const leak_options& options = {}) {
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

inline std::string leak_report::describe() const {
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

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_LEAK_HPP
