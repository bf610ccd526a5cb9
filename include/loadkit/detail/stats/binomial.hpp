// SPDX-License-Identifier: MIT
//
// Exact binomial tails for the SLO policy's statistical verdict (slo.hpp), through the regularized
// incomplete beta function: P(X <= k) = I_{1-p}(n - k, k + 1) for X ~ Binomial(n, p). No global
// state (std::lgamma writes signgam), so evaluations may run on several threads at once.
#ifndef LOADKIT_DETAIL_STATS_BINOMIAL_HPP
#define LOADKIT_DETAIL_STATS_BINOMIAL_HPP

#include <loadkit/version.hpp>

#include <cmath>
#include <cstdint>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// ln Γ(x) for x > 0: Lanczos approximation, g = 7, 9 coefficients (relative error ~1e-15), with
// the reflection formula below 0.5 (Numerical Recipes 3rd ed. 6.1; coefficients after Godfrey).
inline double log_gamma(double x) noexcept {
    static constexpr double c[9] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                                    771.32342877765313,   -176.61502916214059,   12.507343278686905,
                                    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
    constexpr double pi = 3.14159265358979323846;
    if (x < 0.5) {
        return std::log(pi / std::fabs(std::sin(pi * x))) - log_gamma(1.0 - x);
    }
    x -= 1.0;
    double a = c[0];
    const double t = x + 7.5;
    for (int i = 1; i < 9; ++i) {
        a += c[i] / (x + static_cast<double>(i));
    }
    return 0.5 * std::log(2.0 * pi) + (x + 0.5) * std::log(t) - t + std::log(a);
}

// Continued fraction for I_x(a, b) by the modified Lentz method (Numerical Recipes 6.4 betacf);
// converges in O(sqrt(max(a, b))) steps for x < (a + 1) / (a + b + 2).
inline double beta_continued_fraction(double a, double b, double x) noexcept {
    constexpr double tiny = 1e-300;
    constexpr double eps = 1e-15;
    const double qab = a + b;
    const double qap = a + 1.0;
    const double qam = a - 1.0;
    double c = 1.0;
    double d = 1.0 - qab * x / qap;
    d = std::fabs(d) < tiny ? tiny : d;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10'000'000; ++m) {
        const double dm = static_cast<double>(m);
        const double m2 = 2.0 * dm;
        double aa = dm * (b - dm) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = std::fabs(d) < tiny ? tiny : d;
        c = 1.0 + aa / c;
        c = std::fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + dm) * (qab + dm) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = std::fabs(d) < tiny ? tiny : d;
        c = 1.0 + aa / c;
        c = std::fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (std::fabs(del - 1.0) < eps) {
            break;
        }
    }
    return h;
}

// Regularized incomplete beta I_x(a, b), a, b > 0, x in [0, 1].
inline double incomplete_beta(double a, double b, double x) noexcept {
    if (x <= 0.0) {
        return 0.0;
    }
    if (x >= 1.0) {
        return 1.0;
    }
    const double ln_front =
        log_gamma(a + b) - log_gamma(a) - log_gamma(b) + a * std::log(x) + b * std::log1p(-x);
    const double front = std::exp(ln_front);
    if (x < (a + 1.0) / (a + b + 2.0)) {
        return front * beta_continued_fraction(a, b, x) / a;
    }
    return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

// P(X <= k) for X ~ Binomial(n, p).
inline double binomial_cdf(std::uint64_t k, std::uint64_t n, double p) noexcept {
    if (k >= n || p <= 0.0) {
        return 1.0;
    }
    if (p >= 1.0) {
        return 0.0;
    }
    return incomplete_beta(static_cast<double>(n - k), static_cast<double>(k) + 1.0, 1.0 - p);
}

// P(X >= k) for X ~ Binomial(n, p).
inline double binomial_upper_tail(std::uint64_t k, std::uint64_t n, double p) noexcept {
    if (k == 0) {
        return 1.0;
    }
    if (k > n || p <= 0.0) {
        return 0.0;
    }
    if (p >= 1.0) {
        return 1.0;
    }
    return incomplete_beta(static_cast<double>(k), static_cast<double>(n - k) + 1.0, p);
}

// One-sided Clopper–Pearson bounds at confidence c (Clopper & Pearson 1934): the largest p with
// P(X <= k | p) >= 1 - c, and the smallest p with P(X >= k | p) >= 1 - c. Bisection on p.
inline double clopper_pearson_upper(std::uint64_t k, std::uint64_t n, double c) noexcept {
    if (n == 0 || k >= n) {
        return 1.0;
    }
    double lo = static_cast<double>(k) / static_cast<double>(n);
    double hi = 1.0;
    for (int i = 0; i < 100 && hi - lo > 1e-12 * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (binomial_cdf(k, n, mid) > 1.0 - c ? lo : hi) = mid;
    }
    return hi;
}
inline double clopper_pearson_lower(std::uint64_t k, std::uint64_t n, double c) noexcept {
    if (n == 0 || k == 0) {
        return 0.0;
    }
    double lo = 0.0;
    double hi = static_cast<double>(k) / static_cast<double>(n);
    for (int i = 0; i < 100 && hi - lo > 1e-12 * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (binomial_upper_tail(k, n, mid) > 1.0 - c ? hi : lo) = mid;
    }
    return lo;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_STATS_BINOMIAL_HPP
