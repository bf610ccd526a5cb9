// SPDX-License-Identifier: MIT
//
// The intervals behind loadkit::compare (compare.hpp): distribution-free ranks for a quantile, Wilson
// and Newcombe intervals for proportions. Users never name these; tests do.
#ifndef LOADKIT_DETAIL_STATS_CHANGE_INTERVALS_HPP
#define LOADKIT_DETAIL_STATS_CHANGE_INTERVALS_HPP

#include <loadkit/detail/stats/binomial.hpp>
#include <loadkit/version.hpp>

#include <cmath>
#include <cstdint>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// 1-based ranks (l, u) of the order statistics X(l) <= q-quantile <= X(u) with probability of at
// least `confidence`, each side failing at most (1 - confidence) / 2: X(k) <= quantile exactly when
// at least k of the n samples are, so P(X(l) <= quantile) = P(Binomial(n, q) >= l). lower == 0 or
// upper == n + 1 means the sample is too small to bound that side.
struct rank_interval {
    std::uint64_t lower = 0;
    std::uint64_t upper = 0;
};

inline rank_interval quantile_rank_interval(std::uint64_t n, double q, double confidence) noexcept {
    const double tail = (1.0 - confidence) / 2.0;
    // P(Binomial(n, q) <= k - 1), 0 for k == 0.
    const auto below = [&](std::uint64_t k) { return k == 0 ? 0.0 : binomial_cdf(k - 1, n, q); };
    rank_interval r;
    // Largest l in [0, n] with below(l) <= tail (below is increasing in l; below(0) = 0).
    std::uint64_t lo = 0;
    std::uint64_t hi = n;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo + 1) / 2;
        if (below(mid) <= tail) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    r.lower = lo;
    // Smallest u in [1, n + 1] with below(u) >= 1 - tail (below(n + 1) = 1).
    lo = 1;
    hi = n + 1;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        if ((mid > n ? 1.0 : below(mid)) >= 1.0 - tail) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    r.upper = lo;
    return r;
}

struct proportion_interval {
    double low = 0.0;
    double high = 1.0;
};

// Wilson's score interval for k successes in n trials at normal quantile z (Wilson 1927).
inline proportion_interval wilson_interval(std::uint64_t k, std::uint64_t n, double z) noexcept {
    if (n == 0) {
        return {};
    }
    const double nn = static_cast<double>(n);
    const double p = static_cast<double>(k) / nn;
    const double z2 = z * z;
    const double centre = (p + z2 / (2.0 * nn)) / (1.0 + z2 / nn);
    const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / (1.0 + z2 / nn);
    return {std::fmax(0.0, centre - half), std::fmin(1.0, centre + half)};
}

// Newcombe's hybrid score interval for p2 - p1 (Newcombe 1998, method 10).
inline proportion_interval newcombe_difference(std::uint64_t k1, std::uint64_t n1, std::uint64_t k2,
                                               std::uint64_t n2, double z) noexcept {
    const double p1 = n1 == 0 ? 0.0 : static_cast<double>(k1) / static_cast<double>(n1);
    const double p2 = n2 == 0 ? 0.0 : static_cast<double>(k2) / static_cast<double>(n2);
    const proportion_interval w1 = wilson_interval(k1, n1, z);
    const proportion_interval w2 = wilson_interval(k2, n2, z);
    const double d = p2 - p1;
    return {d - std::sqrt((p2 - w2.low) * (p2 - w2.low) + (w1.high - p1) * (w1.high - p1)),
            d + std::sqrt((w2.high - p2) * (w2.high - p2) + (p1 - w1.low) * (p1 - w1.low))};
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_STATS_CHANGE_INTERVALS_HPP
