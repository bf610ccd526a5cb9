// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::compare — did this run get worse than the baseline? Per tag and overall, for the latency
// percentiles asked for (default p50, p95, p99), the error rate and the throughput: baseline,
// current, the change with a confidence interval, and a verdict at the stated confidence that
// tells a change that matters (at least min_change) from noise:
//
//   loadkit::comparison c = loadkit::compare(baseline.result, current.result, {.min_change = 0.05});
//   for (const auto& m : c.metrics) std::puts(m.line().c_str());
//   return c.exit_code(); // 99 when something regressed, else 0
//
//   "p99 checkout: 41.2 ms -> 48.6 ms, +18.0 % (95 % CI +11.2 % .. +25.1 %): regressed"
//
// Methods (each interval at `confidence`, two-sided):
//  - percentile q: the distribution-free order-statistic interval of each run's q-quantile (exact
//    binomial ranks, read from the lossless histogram), turned into a standard error of its log and
//    combined for the log of the ratio (Price & Bonett 2002, "Estimating the ratio of two medians";
//    the same for any quantile). The change is current / baseline - 1.
//  - error rate: Newcombe's hybrid score interval for a difference of proportions (Newcombe 1998,
//    method 10, from Wilson intervals). The change is current - baseline, in absolute terms.
//  - throughput: the ratio of operations per second; its log's standard error from the spread of
//    the per-interval counts of each run's time series (at least 5 full intervals after the
//    warm-up; fewer: Poisson counts, sqrt(n)).
// Assumed: the operations of a run are independent draws (latencies that come in correlated bursts
// make the intervals too narrow: a regression seen once deserves a second run before a bisect); the
// histograms' relative error (histogram.hpp) widens every latency interval by both runs' error.
// Few samples widen the intervals; a percentile whose interval needs a rank beyond the run's
// sample count (p99 below ~370 samples at 95 %) is `inconclusive` with a note.
//
// Verdict of one metric, with d = min_change (min_error_rate_change for error rates) and the change
// signed so that positive is worse (latency and errors up, throughput down):
//   regressed       the interval lies above 0 (worse at `confidence`) and the estimate is >= d;
//   improved        the interval lies below 0 and the estimate is <= -d;
//   unchanged       the interval lies within (-d, +d): no change that matters ("no detectable
//                   change"); with d = 0: the interval contains 0;
//   inconclusive    anything else: too few samples to tell whether a change of d happened.
// Two runs of one distribution are called regressed at most (1 - confidence) / 2 of the time per
// metric (tests/test_compare.cpp measures it).
#ifndef LOADKIT_REPORT_COMPARE_HPP
#define LOADKIT_REPORT_COMPARE_HPP

#include <loadkit/config.hpp>
#include <loadkit/objective.hpp>
#include <loadkit/result.hpp>
#include <loadkit/version.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// Configuration; compare() validates it and throws std::invalid_argument naming the field and value.
struct compare_options {
    std::vector<double> percentiles{50.0, 95.0, 99.0}; // each in (0, 100)
    double confidence = 0.95;                          // of every interval, in [0.5, 1)
    double min_change = 0.05;                          // smallest relative change that matters, >= 0
    double min_error_rate_change = 0.001;              // ... of the error rate, absolute (0.1 points)
    bool error_rate = true;
    bool throughput = true;
    bool per_tag = true; // each tag found in both runs, then the whole run ("" tag)
};

enum class change_verdict : std::uint8_t { unchanged, improved, regressed, inconclusive };

[[nodiscard]] LOADKIT_DECL const char* to_string(change_verdict v) noexcept; // "no detectable change" ...

// One metric of one tag in both runs.
struct metric_change {
    std::string tag;    // "" for the whole run
    std::string metric; // "p99", "error_rate", "throughput"
    // Figures in the metric's unit: nanoseconds for percentiles, a fraction for the error rate,
    // operations per second for throughput.
    double baseline = 0.0;
    double current = 0.0;
    // Relative (current / baseline - 1) for percentiles and throughput, absolute (current -
    // baseline) for the error rate; the interval is in the same terms.
    double change = 0.0;
    double ci_low = 0.0;
    double ci_high = 0.0;
    bool relative = true;
    bool higher_is_worse = true; // false for throughput
    change_verdict verdict = change_verdict::inconclusive;
    std::uint64_t baseline_samples = 0;
    std::uint64_t current_samples = 0;
    std::string note; // why a verdict is inconclusive, when it is for want of data

    // e.g. "p99 checkout: 41.2 ms -> 48.6 ms, +18.0 % (95 % CI +11.2 % .. +25.1 %): regressed"
    [[nodiscard]] LOADKIT_DECL std::string line(double confidence = 0.95) const;
};

struct comparison {
    compare_options options;
    std::vector<metric_change>
        metrics; // per tag (sorted by name), then the whole run; metrics in options order
    std::vector<std::string> only_in_baseline; // tags one run has and the other has not: not compared
    std::vector<std::string> only_in_current;
    std::size_t baseline_runs = 1; // how many runs the baseline figures come from

    [[nodiscard]] LOADKIT_DECL std::size_t count(change_verdict v) const noexcept;
    [[nodiscard]] bool regressed() const noexcept { return count(change_verdict::regressed) > 0; }
    // 99 when a metric regressed (as a failed SLO), else 0; with fail_on_inconclusive, 97 when a
    // metric is inconclusive and none regressed.
    [[nodiscard]] LOADKIT_DECL int exit_code(bool fail_on_inconclusive = false) const noexcept;
};

// Compares current against baseline. Throws std::invalid_argument for invalid options, or when the
// two results were measured under different latency models (open vs closed: not comparable).
[[nodiscard]] LOADKIT_DECL comparison compare(const run_result& baseline, const run_result& current,
                                              const compare_options& options = {});

// Compares current against several baseline runs (the last N nights). Each metric's baseline is
// the median of the runs' figures (log scale for latencies and throughput), so one bad night does
// not move it, and the interval is a prediction interval for one more night: the spread between
// the runs (the larger of 1.4826 x their median absolute deviation and their standard deviation,
// never below a run's own sampling error) times sqrt(1 + pi / 2N) (the median's own error), with
// Student's t at N - 1 degrees of
// freedom. A metric that wanders from night to night thus needs a larger change to count as a
// regression than one run's sampling error alone would say. A tag needs 3 runs that have it; with
// fewer baseline runs the newest is compared alone (single-run compare above). The current run must
// not be among the baselines.
[[nodiscard]] LOADKIT_DECL comparison compare(std::span<const run_result> baselines,
                                              const run_result& current, const compare_options& options = {});

// SLO objectives suggested by history (at least one run): for each percentile, p < the upper end of
// the prediction interval for one more run (as compare() computes it; one run: the order-statistic
// upper bound) times 1 + min_change; error_rate < the upper end + min_error_rate_change. Limits are
// rounded up to 3 significant digits; the objectives' text() is SLO text to paste
// ("checkout: p99 < 48.7ms"). Per tag (those in every run) and for the whole run.
[[nodiscard]] LOADKIT_DECL std::vector<objective> suggest_objectives(std::span<const run_result> history,
                                                                     const compare_options& options = {});

// Validates the options as compare() does.
LOADKIT_DECL void validate(const compare_options& options);

// The comparison as people read it: one row per metric (tag, metric, baseline, current, change,
// interval, verdict), the tags only one run has, and a last line with the counts per verdict.
[[nodiscard]] LOADKIT_DECL std::string to_text(const comparison& c);
// As JSON ("loadkit_comparison": 1): the options, one object per metric with the fields of
// metric_change (verdict as the enum's name: "unchanged", "improved", "regressed", "inconclusive";
// unbounded interval ends as "Infinity"/"-Infinity"), the unmatched tags and the exit code.
[[nodiscard]] LOADKIT_DECL std::string to_json(const comparison& c);
// As JUnit XML: one testcase per metric, named "p99 checkout" with classname "<suite>.<tag>"; a
// regression is a <failure>, an inconclusive metric <skipped>, the others pass.
[[nodiscard]] LOADKIT_DECL std::string to_junit(const comparison& c,
                                                const std::string& suite = "loadkit.compare");

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_compare.ipp>
#endif

#endif // LOADKIT_REPORT_COMPARE_HPP
