#include "catch.hpp"

#include <loadkit/random.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("rng: the same seed and stream give the same sequence; other streams differ", "[random]") {
    loadkit::rng a{42, 7};
    loadkit::rng b{42, 7};
    loadkit::rng c{42, 8};
    std::vector<std::uint64_t> xa;
    std::vector<std::uint64_t> xb;
    std::vector<std::uint64_t> xc;
    for (int i = 0; i < 100; ++i) {
        xa.push_back(a());
        xb.push_back(b());
        xc.push_back(c());
    }
    CHECK(xa == xb);
    CHECK(xa != xc);
}

TEST_CASE("rng: below(n) is uniform (chi-square over 10 cells, fixed seed, p > 0.001)", "[random]") {
    loadkit::rng r{1};
    std::array<int, 10> cells{};
    const int n = 100'000;
    for (int i = 0; i < n; ++i) {
        const auto x = r.below(10);
        REQUIRE(x < 10);
        ++cells[x];
    }
    double chi2 = 0.0;
    for (const int c : cells) {
        const double d = c - n / 10.0;
        chi2 += d * d / (n / 10.0);
    }
    CHECK(chi2 < 27.9); // 9 degrees of freedom: P(chi2 > 27.9) = 0.001
    CHECK(r.below(0) == 0);
    CHECK(r.below(1) == 0);
}

TEST_CASE("rng: between() covers both ends; durations keep nanosecond resolution", "[random]") {
    loadkit::rng r{3};
    std::set<std::int64_t> seen;
    for (int i = 0; i < 2000; ++i) {
        const auto x = r.between(std::int64_t{-2}, std::int64_t{2});
        REQUIRE(x >= -2);
        REQUIRE(x <= 2);
        seen.insert(x);
    }
    CHECK(seen.size() == 5);
    CHECK(r.between(std::int64_t{5}, std::int64_t{5}) == 5);
    bool fractional = false;
    for (int i = 0; i < 100; ++i) {
        const std::chrono::nanoseconds d = r.between(2ms, 8ms);
        REQUIRE(d >= 2ms);
        REQUIRE(d <= 8ms);
        fractional = fractional || d.count() % 1'000'000 != 0;
    }
    CHECK(fractional);
}

TEST_CASE("rng: next_double is in [0, 1) with mean 1/2; chance(p) hits p", "[random]") {
    loadkit::rng r{9};
    double sum = 0.0;
    int hits = 0;
    const int n = 100'000;
    for (int i = 0; i < n; ++i) {
        const double x = r.next_double();
        REQUIRE(x >= 0.0);
        REQUIRE(x < 1.0);
        sum += x;
        hits += r.chance(0.1) ? 1 : 0;
    }
    CHECK(std::abs(sum / n - 0.5) < 0.005);
    CHECK(std::abs(hits - 10'000) < 5 * std::sqrt(n * 0.1 * 0.9));
}

TEST_CASE("rng: works with the standard library's distributions and algorithms", "[random]") {
    loadkit::rng r{5};
    std::vector<int> v{1, 2, 3, 4, 5};
    std::shuffle(v.begin(), v.end(), r);
    std::sort(v.begin(), v.end());
    CHECK(v == std::vector<int>{1, 2, 3, 4, 5});
    std::normal_distribution<double> normal(0.0, 1.0);
    const double x = normal(r);
    CHECK(std::isfinite(x));
}
