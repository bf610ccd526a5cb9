// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The statistics behind loadkit::check_leak (leak.hpp): window minima, warm-up truncation, the
// Theil–Sen slope with Sen's confidence interval (the normal quantile is in normal.hpp). Users never
// name these; tests do. Every function here works on plain (x, y) arrays sorted by x.
#ifndef LOADKIT_DETAIL_STATS_LEAK_STATS_HPP
#define LOADKIT_DETAIL_STATS_LEAK_STATS_HPP

#include <loadkit/detail/stats/normal.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// Median of a non-empty array (reorders it). Mean of the two middle values for an even length.
inline double median_in_place(std::vector<double>& v) {
    const std::size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
    const double upper = v[mid];
    if (v.size() % 2 == 1) {
        return upper;
    }
    const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
    return lower + (upper - lower) / 2.0;
}

// The floor series: the sample with the smallest y in each of `windows` consecutive, equal-count
// windows (sizes differ by at most one). The lower envelope ignores what rises and falls within a
// window (GC or allocator sawtooth, transient buffers) and keeps what every window has to carry:
// the idea of HPjmeter's "heap after GC" regression, without needing GC events.
struct floor_series {
    std::vector<double> x;
    std::vector<double> y;
};

inline floor_series window_minima(std::span<const double> x, std::span<const double> y, std::size_t windows) {
    floor_series out;
    const std::size_t n = x.size();
    if (windows == 0 || n == 0) {
        return out;
    }
    windows = std::min(windows, n);
    out.x.reserve(windows);
    out.y.reserve(windows);
    for (std::size_t w = 0; w < windows; ++w) {
        const std::size_t begin = w * n / windows;
        const std::size_t end = (w + 1) * n / windows;
        std::size_t best = begin;
        for (std::size_t i = begin + 1; i < end; ++i) {
            if (y[i] < y[best]) {
                best = i;
            }
        }
        out.x.push_back(x[best]);
        out.y.push_back(y[best]);
    }
    return out;
}

// Warm-up truncation: the d in [0, d_max] minimising SSR_d / m_d^2, where SSR_d is the residual sum of
// squares of the least-squares line through points d..m-1 and m_d = m - d of them remain.
// This is MSER (White 1997, "An effective truncation heuristic for bias reduction in simulation
// output"; Hoad, Robinson & Davies 2010 rank it first among warm-up rules) with the mean replaced
// by a line, so that a steady leak is not mistaken for warm-up: a linear series has SSR_d ~ m_d
// sigma^2 and the criterion prefers keeping everything, while a curved start (a warm-up ramp)
// leaves residuals that are only removed by cutting it. O(m * d_max); m is the floor length.
inline std::size_t mser_line_truncation(std::span<const double> x, std::span<const double> y,
                                        std::size_t d_max) {
    const std::size_t m = x.size();
    if (m < 4) {
        return 0;
    }
    d_max = std::min(d_max, m - 4); // at least four points stay
    std::size_t best_d = 0;
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t d = 0; d <= d_max; ++d) {
        const double count = static_cast<double>(m - d);
        double mx = 0.0;
        double my = 0.0;
        for (std::size_t i = d; i < m; ++i) {
            mx += x[i];
            my += y[i];
        }
        mx /= count;
        my /= count;
        double sxx = 0.0;
        double sxy = 0.0;
        double syy = 0.0;
        for (std::size_t i = d; i < m; ++i) {
            const double dx = x[i] - mx;
            const double dy = y[i] - my;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        if (sxx <= 0.0) {
            continue;
        }
        const double ssr = std::max(0.0, syy - sxy * sxy / sxx);
        const double criterion = ssr / ((count - 2.0) * sxx); // the slope's squared standard error
        if (criterion < best) {                               // strict: ties keep the earlier (smaller) cut
            best = criterion;
            best_d = d;
        }
    }
    return best_d;
}

// Lag-1 autocorrelation of a series, bias-corrected for a short AR(1) sample (+ (1 + 4 rho) / m,
// Marriott & Pope 1954) and capped at 0.95. Used to widen intervals, never to narrow them.
inline double lag1_autocorrelation(std::span<const double> r) noexcept {
    const std::size_t m = r.size();
    if (m < 4) {
        return 0.0;
    }
    double mean = 0.0;
    for (double v : r) {
        mean += v;
    }
    mean /= static_cast<double>(m);
    double num = 0.0;
    double den = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        den += (r[i] - mean) * (r[i] - mean);
        if (i + 1 < m) {
            num += (r[i] - mean) * (r[i + 1] - mean);
        }
    }
    const double rho_hat = den > 0.0 ? num / den : 0.0;
    return std::min(0.95, rho_hat + (1.0 + 4.0 * rho_hat) / static_cast<double>(m));
}

// Is the series significantly concave (growth slowing down: a warm-up still settling)? The t statistic
// of the quadratic term of a least-squares fit y = a + b x + c x^2 (orthogonal polynomials), its
// standard error widened by the AR(1) variance factor (1 + rho) / (1 - rho) of the residuals so that
// correlated noise does not pass for curvature. Returns t (negative: concave).
inline double curvature_t(std::span<const double> x, std::span<const double> y) {
    const std::size_t m = x.size();
    if (m < 5) {
        return 0.0;
    }
    const double md = static_cast<double>(m);
    double mx = 0.0;
    double my = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        mx += x[i];
        my += y[i];
    }
    mx /= md;
    my /= md;
    // q1 = x - mean; q2 = q1^2 minus its projections on 1 and q1.
    double s11 = 0.0;
    double s12 = 0.0;
    double mean_sq = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        const double u = x[i] - mx;
        s11 += u * u;
        s12 += u * u * u;
        mean_sq += u * u;
    }
    mean_sq /= md;
    if (s11 <= 0.0) {
        return 0.0;
    }
    std::vector<double> q2(m);
    double s22 = 0.0;
    double b1 = 0.0;
    double b2 = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        const double u = x[i] - mx;
        q2[i] = u * u - mean_sq - (s12 / s11) * u;
        s22 += q2[i] * q2[i];
        b1 += u * (y[i] - my);
        b2 += q2[i] * (y[i] - my);
    }
    if (s22 <= 0.0) {
        return 0.0;
    }
    b1 /= s11;
    b2 /= s22;
    std::vector<double> residual(m);
    double ssr = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        residual[i] = y[i] - my - b1 * (x[i] - mx) - b2 * q2[i];
        ssr += residual[i] * residual[i];
    }
    const double rho = std::max(0.0, lag1_autocorrelation(residual));
    const double variance = ssr / (md - 3.0) / s22 * (1.0 + rho) / (1.0 - rho);
    if (!(variance > 0.0)) {
        return b2 < 0.0 ? -std::numeric_limits<double>::infinity()
                        : (b2 > 0.0 ? std::numeric_limits<double>::infinity() : 0.0);
    }
    return b2 / std::sqrt(variance);
}

// Theil–Sen slope with Sen's confidence interval, corrected for serial correlation.
//   slope  = median of (y_j - y_i) / (x_j - x_i) over pairs with x_i < x_j (Theil 1950; Sen 1968).
//   Sen's interval: with S the Mann–Kendall statistic, Var S = [m(m-1)(2m+5) - sum_t t(t-1)(2t+5)] / 18
//   (t: sizes of tied groups in y; Kendall 1975), C = z * sqrt(Var S) and N' pairwise slopes, the
//   bounds are the order statistics of rank (N' - C) / 2 and (N' + C) / 2 + 1, interpolated between
//   neighbours (Gilbert 1987, "Statistical Methods for Environmental Pollution Monitoring", 16.5).
//   Serial correlation: Var S is multiplied by Hamed & Rao's factor n/n* (J. Hydrology 204, 1998)
//   1 + 2 / (m(m-1)(m-2)) sum_k (m-k)(m-k-1)(m-k-2) rho_k, with rho_k = rho^k from the lag-1
//   autocorrelation of the detrended series (an AR(1) reading, as Yue & Wang 2004 do), bias-corrected
//   (+ (1 + 4 rho) / m, Marriott & Pope 1954) and used only when positive: it only ever widens.
// O(m^2) for m points (pairs, then selection of five ranks); m is bounded by the number of windows.
struct sen_slope {
    double slope = std::numeric_limits<double>::quiet_NaN();
    double lower_bound = -std::numeric_limits<double>::infinity(); // one-sided at `confidence`
    double ci_low = -std::numeric_limits<double>::infinity();      // two-sided at `confidence`
    double ci_high = std::numeric_limits<double>::infinity();
    double s = 0.0;         // Mann–Kendall S
    double var_s = 0.0;     // after the correlation correction
    double inflation = 1.0; // Hamed–Rao factor applied to Var S (>= 1)
    double lag1 = 0.0;      // bias-corrected lag-1 autocorrelation of the detrended series
    std::size_t pairs = 0;  // N'
};

// Order statistics of 1-based, possibly fractional ranks, interpolated between neighbours, by
// selection (nth_element) rather than a full sort: O(N') for the handful of ranks needed. Outside
// [1, N'] a bound is unbounded (the data cannot support that confidence). Reorders `values`.
class rank_selector {
public:
    explicit rank_selector(std::vector<double>& values) : v_(values) {}

    double at(double r) {
        const double n = static_cast<double>(v_.size());
        if (!(r >= 1.0)) {
            return -std::numeric_limits<double>::infinity();
        }
        if (r > n) {
            return std::numeric_limits<double>::infinity();
        }
        const double whole = std::floor(r);
        const auto i = static_cast<std::size_t>(whole) - 1;
        const double frac = r - whole;
        const double lower = select(i);
        if (frac == 0.0 || i + 1 >= v_.size()) {
            return lower;
        }
        return lower + frac * (select(i + 1) - lower);
    }

private:
    // nth_element leaves every earlier element <= and every later one >= the selected one, so a
    // later query only needs to search the side its index lies on.
    double select(std::size_t i) {
        auto first = v_.begin();
        auto last = v_.end();
        for (std::size_t known : known_) {
            if (known < i) {
                first = std::max(first, v_.begin() + static_cast<std::ptrdiff_t>(known) + 1);
            } else if (known > i) {
                last = std::min(last, v_.begin() + static_cast<std::ptrdiff_t>(known));
            } else {
                return v_[i];
            }
        }
        std::nth_element(first, v_.begin() + static_cast<std::ptrdiff_t>(i), last);
        known_.push_back(i);
        return v_[i];
    }

    std::vector<double>& v_;
    std::vector<std::size_t> known_;
};

inline sen_slope theil_sen(std::span<const double> x, std::span<const double> y, double confidence) {
    sen_slope out;
    const std::size_t m = x.size();
    if (m < 2) {
        return out;
    }
    std::vector<double> slopes;
    slopes.reserve(m * (m - 1) / 2);
    double s = 0.0;
    for (std::size_t i = 0; i + 1 < m; ++i) {
        for (std::size_t j = i + 1; j < m; ++j) {
            const double dy = y[j] - y[i];
            s += static_cast<double>((dy > 0.0) - (dy < 0.0));
            const double dx = x[j] - x[i];
            if (dx > 0.0) {
                slopes.push_back(dy / dx);
            }
        }
    }
    out.s = s;
    out.pairs = slopes.size();
    if (slopes.empty()) {
        return out;
    }
    const std::size_t np = slopes.size();
    const double n_prime = static_cast<double>(np);
    rank_selector ranks(slopes);
    out.slope = ranks.at((n_prime + 1.0) / 2.0); // the median: mean of the middle two for even N'

    // Var S with the correction for ties in y.
    const double md = static_cast<double>(m);
    double var_s = md * (md - 1.0) * (2.0 * md + 5.0);
    {
        std::vector<double> sorted_y(y.begin(), y.end());
        std::sort(sorted_y.begin(), sorted_y.end());
        for (std::size_t i = 0; i < m;) {
            std::size_t j = i + 1;
            while (j < m && sorted_y[j] == sorted_y[i]) {
                ++j;
            }
            const double t = static_cast<double>(j - i);
            var_s -= t * (t - 1.0) * (2.0 * t + 5.0);
            i = j;
        }
    }
    var_s /= 18.0;

    // Serial correlation of the detrended series (lag 1, AR(1) reading).
    if (m >= 4) {
        std::vector<double> r(m);
        for (std::size_t i = 0; i < m; ++i) {
            r[i] = y[i] - out.slope * x[i];
        }
        const double rho = lag1_autocorrelation(r);
        out.lag1 = rho;
        if (rho > 0.0) {
            double sum = 0.0;
            double rho_k = 1.0;
            for (std::size_t k = 1; k + 2 < m; ++k) {
                rho_k *= rho;
                const double mk = static_cast<double>(m - k);
                sum += mk * (mk - 1.0) * (mk - 2.0) * rho_k;
            }
            out.inflation = 1.0 + 2.0 * sum / (md * (md - 1.0) * (md - 2.0));
        }
    }
    out.var_s = var_s * out.inflation;

    const double sd = std::sqrt(std::max(0.0, out.var_s));
    const double c_one = normal_quantile(confidence) * sd;
    const double c_two = normal_quantile(0.5 + confidence / 2.0) * sd;
    if (sd == 0.0) { // every y equal: every pairwise slope is 0
        out.lower_bound = out.ci_low = ranks.at(1.0);
        out.ci_high = ranks.at(n_prime);
        return out;
    }
    out.lower_bound = ranks.at((n_prime - c_one) / 2.0);
    out.ci_low = ranks.at((n_prime - c_two) / 2.0);
    out.ci_high = ranks.at((n_prime + c_two) / 2.0 + 1.0);
    return out;
}

// The fewest points whose Sen interval at `confidence` is bounded: theil_sen's lower rank
// (N' - C) / 2 must reach 1, for independent, untied data (serial correlation widens it further).
// 95 %: 6 points; 99 %: 7.
inline std::size_t sen_interval_min_points(double confidence) noexcept {
    const double z = normal_quantile(0.5 + confidence / 2.0);
    std::size_t m = 2;
    for (; m < 1000; ++m) {
        const double md = static_cast<double>(m);
        const double n_prime = md * (md - 1.0) / 2.0;
        if ((n_prime - z * std::sqrt(md * (md - 1.0) * (2.0 * md + 5.0) / 18.0)) / 2.0 >= 1.0) {
            break;
        }
    }
    return m;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_STATS_LEAK_STATS_HPP
