// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Bodies of report/compare.hpp.
#include <loadkit/detail/report/json/writer.hpp>
#include <loadkit/detail/report/xml.hpp>
#include <loadkit/detail/stats/change_intervals.hpp>
#include <loadkit/detail/stats/normal.hpp>
#include <loadkit/detail/text/units.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

[[noreturn]] inline void throw_compare_option(const char* field, const std::string& value,
                                              const char* expected) {
    throw std::invalid_argument(std::string("loadkit::compare_options: ") + field + " = " + value +
                                " is invalid (expected " + expected + ")");
}

// 99 -> "99", 99.9 -> "99.9": how percentiles are written in SLO text.
inline std::string percentile_text(double p) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", p);
    return text;
}

// A change on the scale its verdict is taken on: log(ratio) for relative metrics, the difference
// for absolute ones, with the interval and the threshold on the same scale.
struct scaled_change {
    double estimate = 0.0;
    double low = 0.0;
    double high = 0.0;
};

inline change_verdict verdict_of(const scaled_change& c, double threshold, bool higher_is_worse) {
    // Signed so that positive is worse.
    const double est = higher_is_worse ? c.estimate : -c.estimate;
    const double low = higher_is_worse ? c.low : -c.high;
    const double high = higher_is_worse ? c.high : -c.low;
    if (!(std::isfinite(low) && std::isfinite(high) && std::isfinite(est))) {
        return change_verdict::inconclusive;
    }
    if (low > 0.0 && est >= threshold) {
        return change_verdict::regressed;
    }
    if (high < 0.0 && est <= -threshold) {
        return change_verdict::improved;
    }
    if (threshold > 0.0 ? (low > -threshold && high < threshold) : (low <= 0.0 && high >= 0.0)) {
        return change_verdict::unchanged;
    }
    return change_verdict::inconclusive;
}

// Values below 1 ns count as 1 ns: a log needs a positive value, and no clock resolves less.
inline double log_ns(std::chrono::nanoseconds v) {
    return std::log(std::max(1.0, static_cast<double>(v.count())));
}

struct quantile_estimate {
    double value = 0.0;    // ns
    double log_se = 0.0;   // standard error of log(value)
    std::string shortfall; // why there is no standard error
};

inline quantile_estimate estimate_quantile(const histogram& h, double percentile, double confidence,
                                           double z) {
    quantile_estimate e;
    e.value = static_cast<double>(h.value_at_percentile(percentile).count());
    const std::uint64_t n = h.count();
    if (n == 0) {
        e.shortfall = "no operations";
        return e;
    }
    const rank_interval r = quantile_rank_interval(n, percentile / 100.0, confidence);
    if (r.lower == 0 || r.upper > n) {
        e.shortfall = std::to_string(n) + " samples bound no " + percentile_text(percentile) +
                      "th percentile interval at " + percentile_text(confidence * 100.0) + " %";
        return e;
    }
    const double nn = static_cast<double>(n);
    const auto at_rank = [&](std::uint64_t k) {
        // value_at_percentile(p) reads rank ceil(p / 100 * n): aim inside rank k's step.
        return h.value_at_percentile(std::min(100.0, (static_cast<double>(k) - 0.5) / nn * 100.0));
    };
    e.log_se = (log_ns(at_rank(r.upper)) - log_ns(at_rank(r.lower))) / (2.0 * z);
    return e;
}

inline double steady_interval_rate_log_se(const tag_result& t, const run_result& r, std::uint64_t count) {
    const interval_series& s = t.intervals;
    std::vector<double> counts;
    if (s.width.count() > 0) {
        for (std::size_t i = 0; i < s.intervals.size(); ++i) {
            const auto begin = s.width * static_cast<std::int64_t>(i);
            const auto end = begin + s.width;
            if (begin >= r.warmup && end <= r.duration) {
                counts.push_back(static_cast<double>(s.intervals[i].count()));
            }
        }
    }
    if (counts.size() >= 5) {
        double mean = 0.0;
        for (const double c : counts) {
            mean += c;
        }
        mean /= static_cast<double>(counts.size());
        double ss = 0.0;
        for (const double c : counts) {
            ss += (c - mean) * (c - mean);
        }
        const double sd = std::sqrt(ss / static_cast<double>(counts.size() - 1));
        if (mean > 0.0) {
            // Never below the Poisson floor: a perfectly paced open model has no spread between
            // intervals, yet its count over the run is still a count.
            return std::max(sd / std::sqrt(static_cast<double>(counts.size())) / mean,
                            1.0 / std::sqrt(static_cast<double>(std::max<std::uint64_t>(count, 1))));
        }
    }
    return 1.0 / std::sqrt(static_cast<double>(std::max<std::uint64_t>(count, 1)));
}

inline std::string signed_percent(double fraction) {
    char text[48];
    std::snprintf(text, sizeof text, "%+.1f %%", fraction * 100.0);
    return text;
}

inline std::string signed_points(double fraction) {
    char text[48];
    std::snprintf(text, sizeof text, "%+.2f pp", fraction * 100.0);
    return text;
}

inline void compare_tag(comparison& out, const std::string& tag, const tag_result& b, const tag_result& c,
                        const run_result& rb, const run_result& rc) {
    const compare_options& o = out.options;
    const double z = normal_quantile(0.5 + o.confidence / 2.0);
    const double threshold = std::log1p(o.min_change);
    for (const double p : o.percentiles) {
        metric_change m;
        m.tag = tag;
        m.metric = "p" + percentile_text(p);
        m.baseline_samples = b.latency.count();
        m.current_samples = c.latency.count();
        const quantile_estimate eb = estimate_quantile(b.latency, p, o.confidence, z);
        const quantile_estimate ec = estimate_quantile(c.latency, p, o.confidence, z);
        m.baseline = eb.value;
        m.current = ec.value;
        m.change = std::max(1.0, ec.value) / std::max(1.0, eb.value) - 1.0;
        if (!eb.shortfall.empty() || !ec.shortfall.empty()) {
            m.note = !eb.shortfall.empty() ? "baseline: " + eb.shortfall : "current: " + ec.shortfall;
            m.ci_low = -std::numeric_limits<double>::infinity();
            m.ci_high = std::numeric_limits<double>::infinity();
            m.verdict = change_verdict::inconclusive;
            out.metrics.push_back(std::move(m));
            continue;
        }
        const double log_ratio = std::log1p(m.change);
        // Both histograms' reading error (histogram.hpp: relative, at worst) widens the interval.
        const double reading =
            std::log1p(b.latency.max_relative_error()) + std::log1p(c.latency.max_relative_error());
        const double half = z * std::sqrt(eb.log_se * eb.log_se + ec.log_se * ec.log_se) + reading;
        const scaled_change s{log_ratio, log_ratio - half, log_ratio + half};
        m.ci_low = std::expm1(s.low);
        m.ci_high = std::expm1(s.high);
        m.verdict = verdict_of(s, threshold, true);
        out.metrics.push_back(std::move(m));
    }
    if (o.error_rate) {
        metric_change m;
        m.tag = tag;
        m.metric = "error_rate";
        m.relative = false;
        m.baseline_samples = b.count();
        m.current_samples = c.count();
        m.baseline = b.error_rate();
        m.current = c.error_rate();
        m.change = m.current - m.baseline;
        if (b.count() == 0 || c.count() == 0) {
            m.note = b.count() == 0 ? "baseline: no operations" : "current: no operations";
            m.ci_low = -1.0;
            m.ci_high = 1.0;
            m.verdict = change_verdict::inconclusive;
        } else {
            const proportion_interval d =
                newcombe_difference(b.failed(), b.count(), c.failed(), c.count(), z);
            m.ci_low = d.low;
            m.ci_high = d.high;
            m.verdict = verdict_of({m.change, d.low, d.high}, o.min_error_rate_change, true);
        }
        out.metrics.push_back(std::move(m));
    }
    if (o.throughput) {
        metric_change m;
        m.tag = tag;
        m.metric = "throughput";
        m.higher_is_worse = false;
        m.baseline_samples = b.count();
        m.current_samples = c.count();
        m.baseline = b.throughput();
        m.current = c.throughput();
        if (b.count() == 0 || c.count() == 0 || m.baseline <= 0.0 || m.current <= 0.0) {
            m.note =
                b.count() == 0 || m.baseline <= 0.0 ? "baseline: no operations" : "current: no operations";
            m.change = m.baseline > 0.0 ? m.current / m.baseline - 1.0 : 0.0;
            m.ci_low = -1.0;
            m.ci_high = std::numeric_limits<double>::infinity();
            m.verdict = change_verdict::inconclusive;
        } else {
            const double log_ratio = std::log(m.current / m.baseline);
            const double sb = steady_interval_rate_log_se(b, rb, b.count());
            const double sc = steady_interval_rate_log_se(c, rc, c.count());
            const double half = z * std::sqrt(sb * sb + sc * sc);
            m.change = std::expm1(log_ratio);
            m.ci_low = std::expm1(log_ratio - half);
            m.ci_high = std::expm1(log_ratio + half);
            m.verdict = verdict_of({log_ratio, log_ratio - half, log_ratio + half}, threshold, false);
        }
        out.metrics.push_back(std::move(m));
    }
}

// Student's t quantile: the Cornish–Fisher expansion in 1 / nu (Abramowitz & Stegun 26.7.5), within
// 1 % of the exact value for nu >= 2 at the usual confidences.
inline double student_t_quantile(double p, double nu) {
    const double z = normal_quantile(p);
    const double z2 = z * z;
    const double g1 = (z2 + 1.0) * z / 4.0;
    const double g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    const double g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    const double g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    return z + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu;
}

// One run's figure for one metric, on the scale its verdict is taken on (log for relative metrics,
// the proportion for the error rate), with its standard error there.
struct run_figure {
    double value = 0.0;  // in the metric's unit
    double scaled = 0.0; // log(value), or value for the error rate
    double se = 0.0;
    std::uint64_t samples = 0;
    std::string shortfall; // why there is no figure
};

inline run_figure percentile_figure(const histogram& h, double percentile, double confidence, double z) {
    const quantile_estimate e = estimate_quantile(h, percentile, confidence, z);
    return {e.value, std::log(std::max(1.0, e.value)), e.log_se, h.count(), e.shortfall};
}

inline run_figure error_rate_figure(const op_stats& t) {
    run_figure f;
    f.samples = t.count();
    if (t.count() == 0) {
        f.shortfall = "no operations";
        return f;
    }
    const double n = static_cast<double>(t.count());
    f.value = f.scaled = t.error_rate();
    // Agresti–Coull's adjustment keeps a run without errors from claiming no sampling error.
    const double adjusted = (static_cast<double>(t.failed()) + 2.0) / (n + 4.0);
    f.se = std::sqrt(adjusted * (1.0 - adjusted) / (n + 4.0));
    return f;
}

inline run_figure throughput_figure(const tag_result& t, const run_result& r) {
    run_figure f;
    f.samples = t.count();
    f.value = t.throughput();
    if (t.count() == 0 || f.value <= 0.0) {
        f.shortfall = "no operations";
        return f;
    }
    f.scaled = std::log(f.value);
    f.se = steady_interval_rate_log_se(t, r, t.count());
    return f;
}

// What one more run is expected to show, from the runs before it: the median figure, and the half
// width of the prediction interval at `confidence` (compare.hpp states the method).
struct prediction {
    double centre = 0.0;
    double half = 0.0;
};

inline double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t mid = v.size() / 2;
    return v.size() % 2 == 1 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
}

inline prediction predict(const std::vector<run_figure>& runs, double own_se, double confidence) {
    std::vector<double> scaled;
    double within = 0.0;
    for (const run_figure& f : runs) {
        scaled.push_back(f.scaled);
        within += f.se * f.se;
    }
    prediction p;
    p.centre = median_of(scaled);
    std::vector<double> deviations;
    for (const double v : scaled) {
        deviations.push_back(std::fabs(v - p.centre));
    }
    const double n = static_cast<double>(runs.size());
    // The larger of the robust spread (1.4826 MAD) and the standard deviation: the MAD of a few runs
    // is itself noisy (5 runs: 5.5 % false alarms at 95 % with it alone), and the deviation only
    // errs wide when one night was bad, which costs power, never a false alarm.
    double mean = 0.0;
    for (const double v : scaled) {
        mean += v;
    }
    mean /= n;
    double squares = 0.0;
    for (const double v : scaled) {
        squares += (v - mean) * (v - mean);
    }
    const double spread = std::max(1.4826 * median_of(deviations), std::sqrt(squares / (n - 1.0)));
    const double sigma = std::max({spread, std::sqrt(within / n), own_se});
    constexpr double pi = 3.14159265358979323846;
    p.half = student_t_quantile(0.5 + confidence / 2.0, n - 1.0) * sigma * std::sqrt(1.0 + pi / (2.0 * n));
    return p;
}

// The figures of one metric in every baseline run, or the first shortfall.
template <class Figure>
std::vector<run_figure> figures_of(const std::vector<const tag_result*>& tags,
                                   std::span<const run_result> runs, Figure figure, std::string& shortfall) {
    std::vector<run_figure> out;
    for (std::size_t i = 0; i < tags.size(); ++i) {
        run_figure f = figure(*tags[i], runs[i]);
        if (!f.shortfall.empty() && shortfall.empty()) {
            shortfall = "baseline run " + std::to_string(i + 1) + ": " + f.shortfall;
        }
        out.push_back(std::move(f));
    }
    return out;
}

inline void compare_tag_history(comparison& out, const std::string& tag,
                                const std::vector<const tag_result*>& bases, std::span<const run_result> runs,
                                const tag_result& c, const run_result& rc) {
    const compare_options& o = out.options;
    const double z = normal_quantile(0.5 + o.confidence / 2.0);
    const auto add = [&](std::string metric, bool relative, bool higher_is_worse, double threshold,
                         double reading, const std::vector<run_figure>& base, std::string shortfall,
                         const run_figure& cur) {
        metric_change m;
        m.tag = tag;
        m.metric = std::move(metric);
        m.relative = relative;
        m.higher_is_worse = higher_is_worse;
        m.current = cur.value;
        m.current_samples = cur.samples;
        for (const run_figure& f : base) {
            m.baseline_samples += f.samples;
        }
        if (shortfall.empty() && !cur.shortfall.empty()) {
            shortfall = "current: " + cur.shortfall;
        }
        if (!shortfall.empty()) {
            m.note = shortfall;
            m.ci_low = -std::numeric_limits<double>::infinity();
            m.ci_high = std::numeric_limits<double>::infinity();
            m.verdict = change_verdict::inconclusive;
            out.metrics.push_back(std::move(m));
            return;
        }
        const prediction p = predict(base, cur.se, o.confidence);
        const double d = cur.scaled - p.centre;
        const double half = p.half + reading;
        m.baseline = relative ? std::exp(p.centre) : p.centre;
        m.change = relative ? std::expm1(d) : d;
        m.ci_low = relative ? std::expm1(d - half) : d - half;
        m.ci_high = relative ? std::expm1(d + half) : d + half;
        m.verdict = verdict_of({d, d - half, d + half}, threshold, higher_is_worse);
        out.metrics.push_back(std::move(m));
    };
    const double threshold = std::log1p(o.min_change);
    for (const double pct : o.percentiles) {
        std::string shortfall;
        const auto base = figures_of(
            bases, runs,
            [&](const tag_result& t, const run_result&) {
                return percentile_figure(t.latency, pct, o.confidence, z);
            },
            shortfall);
        add("p" + percentile_text(pct), true, true, threshold,
            std::log1p(c.latency.max_relative_error()) +
                std::log1p(bases.front()->latency.max_relative_error()),
            base, shortfall, percentile_figure(c.latency, pct, o.confidence, z));
    }
    if (o.error_rate) {
        std::string shortfall;
        const auto base = figures_of(
            bases, runs, [](const tag_result& t, const run_result&) { return error_rate_figure(t); },
            shortfall);
        add("error_rate", false, true, o.min_error_rate_change, 0.0, base, shortfall, error_rate_figure(c));
    }
    if (o.throughput) {
        std::string shortfall;
        const auto base = figures_of(
            bases, runs, [](const tag_result& t, const run_result& r) { return throughput_figure(t, r); },
            shortfall);
        add("throughput", true, false, threshold, 0.0, base, shortfall, throughput_figure(c, rc));
    }
}

// The tag in every run, or nullptr when one run lacks it ("" is the whole run).
inline std::vector<const tag_result*> tag_in_all(std::span<const run_result> runs, const std::string& tag) {
    std::vector<const tag_result*> out;
    for (const run_result& r : runs) {
        const tag_result* t = r.scope(tag);
        if (t == nullptr) {
            return {};
        }
        out.push_back(t);
    }
    return out;
}

// The order-statistic upper bound of one run's percentile (its largest value when the sample is too
// small to bound it), in ns.
inline double quantile_upper_bound(const histogram& h, double percentile, double confidence) {
    const std::uint64_t n = h.count();
    if (n == 0) {
        return 0.0;
    }
    const rank_interval r = quantile_rank_interval(n, percentile / 100.0, confidence);
    if (r.upper > n) {
        return static_cast<double>(h.max().count());
    }
    const double p = (static_cast<double>(r.upper) - 0.5) / static_cast<double>(n) * 100.0;
    return static_cast<double>(h.value_at_percentile(std::min(100.0, p)).count());
}

inline double round_up_significant(double v, int digits) {
    if (!(v > 0.0) || !std::isfinite(v)) {
        return v;
    }
    const double step = std::pow(10.0, std::floor(std::log10(v)) - static_cast<double>(digits - 1));
    return std::ceil(v / step * (1.0 - 1e-12)) * step;
}

} // namespace detail

LOADKIT_DECL const char* to_string(change_verdict v) noexcept {
    switch (v) {
    case change_verdict::unchanged:
        return "no detectable change";
    case change_verdict::improved:
        return "improved";
    case change_verdict::regressed:
        return "regressed";
    case change_verdict::inconclusive:
        break;
    }
    return "inconclusive";
}

LOADKIT_DECL std::string metric_change::line(double confidence) const {
    std::string s = metric;
    s += ' ';
    s += tag.empty() ? std::string("(all)") : tag;
    s += ": ";
    const bool latency = metric.size() > 1 && metric[0] == 'p';
    const auto figure = [&](double v) {
        if (latency) {
            return detail::human_duration(v, false);
        }
        if (!relative) {
            return detail::human_percent(v);
        }
        return detail::human_rate(v);
    };
    s += figure(baseline) + " -> " + figure(current) + ", ";
    const auto change_text = [&](double v) {
        if (std::isinf(v)) {
            return std::string(v > 0 ? "+inf" : "-inf");
        }
        return relative ? detail::signed_percent(v) : detail::signed_points(v);
    };
    s += change_text(change);
    s += " (" + detail::percentile_text(confidence * 100.0) + " % CI " + change_text(ci_low) + " .. " +
         change_text(ci_high) + "): ";
    s += to_string(verdict);
    if (!note.empty()) {
        s += " (" + note + ")";
    }
    return s;
}

LOADKIT_DECL std::size_t comparison::count(change_verdict v) const noexcept {
    return static_cast<std::size_t>(std::count_if(metrics.begin(), metrics.end(),
                                                  [v](const metric_change& m) { return m.verdict == v; }));
}

LOADKIT_DECL int comparison::exit_code(bool fail_on_inconclusive) const noexcept {
    if (regressed()) {
        return 99;
    }
    return fail_on_inconclusive && count(change_verdict::inconclusive) > 0 ? 97 : 0;
}

LOADKIT_DECL void validate(const compare_options& o) {
    if (!(o.confidence >= 0.5 && o.confidence < 1.0)) {
        detail::throw_compare_option("confidence", detail::percentile_text(o.confidence),
                                     "0.5 <= confidence < 1");
    }
    if (!(o.min_change >= 0.0 && o.min_change < 100.0)) {
        detail::throw_compare_option("min_change", detail::percentile_text(o.min_change),
                                     "a fraction: 0 <= min_change < 100, e.g. 0.05 for 5 %");
    }
    if (!(o.min_error_rate_change >= 0.0 && o.min_error_rate_change < 1.0)) {
        detail::throw_compare_option("min_error_rate_change",
                                     detail::percentile_text(o.min_error_rate_change),
                                     "a fraction: 0 <= min_error_rate_change < 1");
    }
    for (std::size_t i = 0; i < o.percentiles.size(); ++i) {
        const double p = o.percentiles[i];
        if (!(p > 0.0 && p < 100.0)) {
            detail::throw_compare_option(("percentiles[" + std::to_string(i) + "]").c_str(),
                                         detail::percentile_text(p), "0 < percentile < 100");
        }
    }
}

LOADKIT_DECL comparison compare(const run_result& baseline, const run_result& current,
                                const compare_options& options) {
    validate(options);
    if (baseline.model != current.model && baseline.overall.count() > 0 && current.overall.count() > 0) {
        throw std::invalid_argument(std::string("loadkit::compare: the baseline measured ") +
                                    to_string(baseline.model) + " latency, the current run " +
                                    to_string(current.model) + ": not comparable");
    }
    comparison out;
    out.options = options;
    if (options.per_tag) {
        for (const tag_result& b : baseline.tags) {
            if (const tag_result* c = current.find(b.name)) {
                detail::compare_tag(out, b.name, b, *c, baseline, current);
            } else {
                out.only_in_baseline.push_back(b.name);
            }
        }
        for (const tag_result& c : current.tags) {
            if (baseline.find(c.name) == nullptr) {
                out.only_in_current.push_back(c.name);
            }
        }
    }
    detail::compare_tag(out, "", baseline.overall, current.overall, baseline, current);
    return out;
}

LOADKIT_DECL comparison compare(std::span<const run_result> baselines, const run_result& current,
                                const compare_options& options) {
    validate(options);
    if (baselines.empty()) {
        throw std::invalid_argument("loadkit::compare: no baseline runs");
    }
    if (baselines.size() < 3) {
        return compare(baselines.back(), current, options);
    }
    for (const run_result& b : baselines) {
        if (b.model != current.model && b.overall.count() > 0 && current.overall.count() > 0) {
            throw std::invalid_argument(std::string("loadkit::compare: a baseline run measured ") +
                                        to_string(b.model) + " latency, the current run " +
                                        to_string(current.model) + ": not comparable");
        }
    }
    comparison out;
    out.options = options;
    out.baseline_runs = baselines.size();
    if (options.per_tag) {
        for (const tag_result& c : current.tags) {
            const auto bases = detail::tag_in_all(baselines, c.name);
            if (bases.size() >= 3) {
                detail::compare_tag_history(out, c.name, bases, baselines, c, current);
            } else {
                out.only_in_current.push_back(c.name);
            }
        }
        for (const tag_result& b : baselines.back().tags) {
            if (current.find(b.name) == nullptr) {
                out.only_in_baseline.push_back(b.name);
            }
        }
    }
    detail::compare_tag_history(out, "", detail::tag_in_all(baselines, ""), baselines, current.overall,
                                current);
    return out;
}

LOADKIT_DECL std::vector<objective> suggest_objectives(std::span<const run_result> history,
                                                       const compare_options& options) {
    validate(options);
    if (history.empty()) {
        throw std::invalid_argument("loadkit::suggest_objectives: no runs in the history");
    }
    const double z = detail::normal_quantile(0.5 + options.confidence / 2.0);
    std::vector<std::string> tags;
    if (options.per_tag) {
        for (const tag_result& t : history.back().tags) {
            if (!detail::tag_in_all(history, t.name).empty()) {
                tags.push_back(t.name);
            }
        }
    }
    tags.emplace_back();
    std::vector<objective> out;
    for (const std::string& tag : tags) {
        const auto runs = detail::tag_in_all(history, tag);
        for (const double pct : options.percentiles) {
            double upper = 0.0;
            if (runs.size() >= 3) {
                std::vector<detail::run_figure> figures;
                for (const tag_result* t : runs) {
                    figures.push_back(detail::percentile_figure(t->latency, pct, options.confidence, z));
                }
                const detail::prediction pred = detail::predict(figures, 0.0, options.confidence);
                upper = std::exp(pred.centre + pred.half);
            } else {
                for (const tag_result* t : runs) {
                    upper =
                        std::max(upper, detail::quantile_upper_bound(t->latency, pct, options.confidence));
                }
            }
            if (!(upper > 0.0)) {
                continue;
            }
            const double limit = detail::round_up_significant(upper * (1.0 + options.min_change), 3);
            const auto ns = std::chrono::nanoseconds{static_cast<std::int64_t>(std::min(limit, 9.0e18))};
            out.push_back(tag.empty() ? (p(pct) < ns) : (p(pct).on(tag) < ns));
        }
        if (options.error_rate) {
            double upper = 0.0;
            if (runs.size() >= 3) {
                std::vector<detail::run_figure> figures;
                for (const tag_result* t : runs) {
                    figures.push_back(detail::error_rate_figure(*t));
                }
                const detail::prediction pr = detail::predict(figures, 0.0, options.confidence);
                upper = pr.centre + pr.half;
            } else {
                for (const tag_result* t : runs) {
                    upper = std::max(upper, detail::wilson_interval(t->failed(), t->count(), z).high);
                }
            }
            const double limit =
                std::min(1.0, detail::round_up_significant(upper + options.min_error_rate_change, 3));
            out.push_back(tag.empty() ? (error_rate() < limit) : (error_rate().on(tag) < limit));
        }
    }
    return out;
}

namespace detail {

inline const char* verdict_key(change_verdict v) noexcept {
    switch (v) {
    case change_verdict::unchanged:
        return "unchanged";
    case change_verdict::improved:
        return "improved";
    case change_verdict::regressed:
        return "regressed";
    case change_verdict::inconclusive:
        break;
    }
    return "inconclusive";
}

inline std::string comparison_tally(const comparison& c) {
    std::string s =
        std::to_string(c.count(change_verdict::regressed)) + " regressed, " +
        std::to_string(c.count(change_verdict::improved)) + " improved, " +
        std::to_string(c.count(change_verdict::unchanged)) + " no detectable change, " +
        std::to_string(c.count(change_verdict::inconclusive)) + " inconclusive (" +
        percentile_text(c.options.confidence * 100.0) + " % confidence; smallest change that matters " +
        percentile_text(c.options.min_change * 100.0) + " %, error rate " +
        percentile_text(c.options.min_error_rate_change * 100.0) + " points" +
        (c.baseline_runs > 1 ? "; baseline: the median of " + std::to_string(c.baseline_runs) + " runs"
                             : "") +
        ")";
    return s;
}

} // namespace detail

LOADKIT_DECL std::string to_text(const comparison& c) {
    struct row {
        std::string cells[7];
    };
    std::vector<row> rows;
    rows.push_back({{"tag", "metric", "baseline", "current", "change",
                     detail::percentile_text(c.options.confidence * 100.0) + " % interval", "verdict"}});
    for (const metric_change& m : c.metrics) {
        const bool latency = m.relative && m.higher_is_worse;
        const auto figure = [&](double v) {
            return latency ? detail::human_duration(v, false)
                           : (m.relative ? detail::human_rate(v) : detail::human_percent(v));
        };
        const auto change_text = [&](double v) {
            if (std::isinf(v)) {
                return std::string(v > 0 ? "+inf" : "-inf");
            }
            return m.relative ? detail::signed_percent(v) : detail::signed_points(v);
        };
        std::string verdict = to_string(m.verdict);
        if (!m.note.empty()) {
            verdict += " (" + m.note + ")";
        }
        rows.push_back(
            {{m.tag.empty() ? std::string("(all)") : m.tag, m.metric, figure(m.baseline), figure(m.current),
              change_text(m.change), change_text(m.ci_low) + " .. " + change_text(m.ci_high), verdict}});
    }
    std::size_t width[7] = {};
    for (const row& r : rows) {
        for (std::size_t i = 0; i < 6; ++i) {
            width[i] = std::max(width[i], r.cells[i].size());
        }
    }
    std::string out;
    for (const row& r : rows) {
        for (std::size_t i = 0; i < 7; ++i) {
            const std::string& cell = r.cells[i];
            const bool right = i >= 2 && i <= 4;
            if (i == 6) {
                out += cell;
                break;
            }
            const std::string pad(width[i] - cell.size(), ' ');
            out += right ? pad + cell : cell + pad;
            out += "  ";
        }
        out += '\n';
    }
    for (const std::string& t : c.only_in_baseline) {
        out += "tag \"" + t + "\" is only in the baseline: not compared\n";
    }
    for (const std::string& t : c.only_in_current) {
        out += "tag \"" + t + "\" is only in the current run: not compared\n";
    }
    out += detail::comparison_tally(c) + '\n';
    return out;
}

LOADKIT_DECL std::string to_json(const comparison& c) {
    std::string out;
    detail::json_writer w(out);
    w.begin_object();
    w.member("loadkit_comparison", 1);
    w.member("confidence", c.options.confidence);
    w.member("min_change", c.options.min_change);
    w.member("min_error_rate_change", c.options.min_error_rate_change);
    w.member("baseline_runs", static_cast<std::uint64_t>(c.baseline_runs));
    w.key("percentiles");
    w.begin_array(true);
    for (const double p : c.options.percentiles) {
        w.value(p);
    }
    w.end_array();
    w.key("metrics");
    w.begin_array();
    for (const metric_change& m : c.metrics) {
        w.begin_object();
        w.member("tag", m.tag);
        w.member("metric", m.metric);
        w.member("baseline", m.baseline);
        w.member("current", m.current);
        w.member("change", m.change);
        w.member("ci_low", m.ci_low);
        w.member("ci_high", m.ci_high);
        w.member("relative", m.relative);
        w.member("higher_is_worse", m.higher_is_worse);
        w.member("verdict", detail::verdict_key(m.verdict));
        w.member("baseline_samples", m.baseline_samples);
        w.member("current_samples", m.current_samples);
        if (!m.note.empty()) {
            w.member("note", m.note);
        }
        w.end_object();
    }
    w.end_array();
    const auto names = [&](const char* key, const std::vector<std::string>& v) {
        w.key(key);
        w.begin_array(true);
        for (const std::string& s : v) {
            w.value(s);
        }
        w.end_array();
    };
    names("only_in_baseline", c.only_in_baseline);
    names("only_in_current", c.only_in_current);
    w.member("regressed", static_cast<std::uint64_t>(c.count(change_verdict::regressed)));
    w.member("exit_code", c.exit_code());
    w.end_object();
    out += '\n';
    return out;
}

LOADKIT_DECL std::string to_junit(const comparison& c, const std::string& suite) {
    std::string cases;
    std::size_t failures = 0;
    std::size_t skipped = 0;
    for (const metric_change& m : c.metrics) {
        const std::string tag = m.tag.empty() ? std::string("(all)") : m.tag;
        cases += "  <testcase name=\"" + detail::xml_attribute(m.metric + " " + tag) + "\" classname=\"" +
                 detail::xml_attribute(suite + "." + tag) + "\" time=\"0\"";
        const std::string line = m.line(c.options.confidence);
        if (m.verdict == change_verdict::regressed) {
            ++failures;
            cases += ">\n    <failure message=\"" + detail::xml_attribute(line) +
                     "\" type=\"regression\"/>\n  </testcase>\n";
        } else if (m.verdict == change_verdict::inconclusive) {
            ++skipped;
            cases += ">\n    <skipped message=\"" + detail::xml_attribute(line) + "\"/>\n  </testcase>\n";
        } else {
            cases += ">\n    <system-out>" + detail::xml_text(line) + "</system-out>\n  </testcase>\n";
        }
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
    out += "<testsuite name=\"" + detail::xml_attribute(suite) + "\" tests=\"" +
           std::to_string(c.metrics.size()) + "\" failures=\"" + std::to_string(failures) +
           "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"0\">\n";
    out += cases;
    out += "  <system-out>" + detail::xml_text(detail::comparison_tally(c)) + "</system-out>\n";
    out += "</testsuite>\n</testsuites>\n";
    return out;
}

} // namespace v0_1
} // namespace loadkit
