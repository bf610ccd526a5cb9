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

#include <loadkit/config.hpp>
#include <loadkit/core_types.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

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

LOADKIT_DECL const char* to_string(leak_cause c) noexcept;

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

// The verdict on RSS and/or heap samples (either may be empty). Throws std::invalid_argument for
// invalid options or a non-finite sample; never for too few samples (that is `inconclusive`).
LOADKIT_DECL leak_report check_leak(std::span<const leak_sample> rss, std::span<const leak_sample> heap = {},
                                    const leak_options& options = {});

namespace detail {
// "" when t's interval at `confidence` is bounded; otherwise why not, for reporters to print in its
// place ("not available: 4 windows, needs 6"): too few floor windows give too few pairwise slopes.
LOADKIT_DECL std::string leak_interval_missing(const leak_trend& t, double confidence);
} // namespace detail

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/leak.ipp>
#endif

#endif // LOADKIT_LEAK_HPP
