#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/detail/stats/leak_stats.hpp>
#include <loadkit/leak.hpp>
#include <loadkit/process.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using loadkit::leak_cause;
using loadkit::leak_sample;
using loadkit::leak_verdict;

// ---- simulated soak runs --------------------------------------------------------------------------
// One sample per x unit; 200 MB level; noise sigma 2 MB (1 % of the level); the default effect floor
// is 2 % of the level = 4 MB over the run. The models follow the research notes (part 2.3).
constexpr double mb = 1e6;
constexpr double level = 200 * mb;
constexpr double sigma = 2 * mb;
constexpr double effect_floor = 0.02 * level;
constexpr int trials = 1000;

enum class model {
    white,          // N(0, sigma)
    ar1,            // AR(1), phi = 0.9, marginal sigma (slow wander)
    sawtooth_short, // GC sawtooth: 30 MB over 9.4 samples (47 s at 5 s), + N(0, 1 MB)
    sawtooth_long,  // 30 MB sawtooth with 5 cycles per run: each cycle longer than any floor window
    plateau,        // three 10 MB steps at random times in the first 40 % of the run, then flat
    warmup,         // 50 MB (1 - e^(-x / tau)), tau = 10 % of the run: a fixed 20 % cut leaves 6.8 MB
    ar1_sawtooth, // the notes' hardest: AR(1) phi = 0.9 with innovation sigma (marginal 4.6 MB) + GC sawtooth
};

std::vector<leak_sample> simulate(model m, std::size_t n, double leak_over_run, std::mt19937_64& rng) {
    std::normal_distribution<double> z;
    std::uniform_real_distribution<double> u;
    const double nd = static_cast<double>(n);
    const double phase = u(rng);
    const double s1 = u(rng) * 0.4 * nd;
    const double s2 = u(rng) * 0.4 * nd;
    const double s3 = u(rng) * 0.4 * nd;
    const double innovation = m == model::ar1 ? sigma * std::sqrt(1 - 0.81) : sigma;
    double ar = m == model::ar1 ? sigma * z(rng) : sigma / std::sqrt(1 - 0.81) * z(rng); // stationary start
    std::vector<leak_sample> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double x = static_cast<double>(i);
        double y = level + leak_over_run * x / (nd - 1);
        switch (m) {
        case model::white:
            y += sigma * z(rng);
            break;
        case model::ar1:
            ar = 0.9 * ar + innovation * z(rng);
            y += ar;
            break;
        case model::sawtooth_short:
            y += 30 * mb * std::fmod(x + phase * 9.4, 9.4) / 9.4 + 1 * mb * z(rng);
            break;
        case model::sawtooth_long: {
            const double period = nd / 5;
            y += 30 * mb * std::fmod(x + phase * period, period) / period + 1 * mb * z(rng);
            break;
        }
        case model::plateau:
            y += 10 * mb * ((x >= s1) + (x >= s2) + (x >= s3)) + sigma * z(rng);
            break;
        case model::warmup:
            y += 50 * mb * (1 - std::exp(-x / (0.1 * nd))) + sigma * z(rng);
            break;
        case model::ar1_sawtooth:
            ar = 0.9 * ar + innovation * z(rng);
            y += ar + 30 * mb * std::fmod(x + phase * 9.4, 9.4) / 9.4;
            break;
        }
        out.push_back({x, y});
    }
    return out;
}

struct rates {
    double leak = 0;
    double inconclusive = 0;
};

rates verdict_rates(model m, std::size_t n, double leak_over_run, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    int leaks = 0;
    int inconclusive = 0;
    for (int t = 0; t < trials; ++t) {
        const auto series = simulate(m, n, leak_over_run, rng);
        const auto report = loadkit::check_leak(series);
        leaks += report.verdict == leak_verdict::leak;
        inconclusive += report.verdict == leak_verdict::inconclusive;
    }
    return {static_cast<double>(leaks) / trials, static_cast<double>(inconclusive) / trials};
}

std::vector<leak_sample> line(std::size_t n, double start, double slope) {
    std::vector<leak_sample> out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back({i, start + slope * static_cast<double>(i)});
    }
    return out;
}

} // namespace

// ---- statistics pieces -------------------------------------------------------------------------------

TEST_CASE("leak stats: normal_quantile matches tabulated quantiles to 1e-8", "[leak]") {
    using loadkit::detail::normal_quantile;
    CHECK(normal_quantile(0.5) == Approx(0.0).margin(1e-12));
    CHECK(normal_quantile(0.95) == Approx(1.6448536269514722).epsilon(1e-8));
    CHECK(normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-8));
    CHECK(normal_quantile(0.99) == Approx(2.3263478740408408).epsilon(1e-8));
    CHECK(normal_quantile(0.999) == Approx(3.090232306167813).epsilon(1e-8));
    CHECK(normal_quantile(0.01) == Approx(-2.3263478740408408).epsilon(1e-8));
    CHECK(normal_quantile(0.025) == Approx(-1.959963984540054).epsilon(1e-8)); // lower region edge
}

TEST_CASE("leak stats: Theil-Sen gives an exact line's slope with a zero-width interval; ties give slope 0",
          "[leak]") {
    std::vector<double> x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    std::vector<double> y;
    for (double v : x) {
        y.push_back(100 + 3 * v);
    }
    const auto exact = loadkit::detail::theil_sen(x, y, 0.95);
    CHECK(exact.slope == Approx(3.0));
    CHECK(exact.ci_low == Approx(3.0));
    CHECK(exact.ci_high == Approx(3.0));
    CHECK(exact.lower_bound == Approx(3.0));
    CHECK(exact.pairs == 45);
    CHECK(exact.s == 45.0);

    const std::vector<double> flat(10, 7.0);
    const auto ties = loadkit::detail::theil_sen(x, flat, 0.95);
    CHECK(ties.slope == 0.0);
    CHECK(ties.var_s == 0.0);
    CHECK(ties.lower_bound == 0.0);
}

TEST_CASE("leak stats: Sen's interval equals the order statistics at ranks (N' -+ z sqrt(Var S)) / 2 "
          "(brute force on seeded data, seed 11)",
          "[leak]") {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> z;
    std::vector<double> x;
    std::vector<double> y;
    double previous = 0;
    for (int i = 0; i < 30; ++i) {
        x.push_back(i);
        previous = i % 2 == 0 ? z(rng) : -previous + 0.1 * z(rng); // alternating: negative lag-1, no widening
        y.push_back(5.0 * i + 40 * previous);
    }
    const auto sen = loadkit::detail::theil_sen(x, y, 0.95);
    REQUIRE(sen.inflation == 1.0);
    std::vector<double> slopes;
    for (std::size_t i = 0; i < x.size(); ++i) {
        for (std::size_t j = i + 1; j < x.size(); ++j) {
            slopes.push_back((y[j] - y[i]) / (x[j] - x[i]));
        }
    }
    std::sort(slopes.begin(), slopes.end());
    const double np = static_cast<double>(slopes.size()); // 435
    const double var_s = 30.0 * 29 * 65 / 18;             // no ties
    CHECK(sen.var_s == Approx(var_s));
    const auto at_rank = [&](double r) { // 1-based, interpolated
        const auto i = static_cast<std::size_t>(std::floor(r)) - 1;
        return slopes[i] + (r - std::floor(r)) * (slopes[i + 1] - slopes[i]);
    };
    CHECK(sen.slope == Approx(slopes[217]).epsilon(1e-12)); // N' = 435 is odd: the 218th slope
    const double c1 = 1.6448536269514722 * std::sqrt(var_s);
    const double c2 = 1.959963984540054 * std::sqrt(var_s);
    // 1e-8: the implementation's z comes from Acklam's approximation (relative error < 1.15e-9).
    CHECK(sen.lower_bound == Approx(at_rank((np - c1) / 2)).epsilon(1e-8));
    CHECK(sen.ci_low == Approx(at_rank((np - c2) / 2)).epsilon(1e-8));
    CHECK(sen.ci_high == Approx(at_rank((np + c2) / 2 + 1)).epsilon(1e-8));
    CHECK(sen.ci_low < sen.lower_bound);
    CHECK(sen.lower_bound < sen.slope);
    CHECK(sen.slope < sen.ci_high);
}

TEST_CASE("leak stats: positively correlated residuals widen Sen's interval (Hamed-Rao factor > 1)",
          "[leak]") {
    std::vector<double> x;
    std::vector<double> y;
    for (int i = 0; i < 40; ++i) {
        x.push_back(i);
        y.push_back(2.0 * i + 30 * std::sin(i / 4.0)); // slow wave: neighbours alike
    }
    const auto sen = loadkit::detail::theil_sen(x, y, 0.95);
    CHECK(sen.lag1 > 0.5);
    CHECK(sen.inflation > 2.0);
}

TEST_CASE("leak stats: MSER with a line keeps all of a straight line and cuts a curved start", "[leak]") {
    std::vector<double> x;
    std::vector<double> straight;
    std::vector<double> ramp;
    for (int i = 0; i < 40; ++i) {
        x.push_back(i);
        const double wiggle = (i % 3 == 0 ? 0.3 : -0.15);
        straight.push_back(10.0 + 0.5 * i + wiggle);
        ramp.push_back(100.0 * (1 - std::exp(-i / 4.0)) + wiggle);
    }
    CHECK(loadkit::detail::mser_line_truncation(x, straight, 20) == 0);
    const std::size_t cut = loadkit::detail::mser_line_truncation(x, ramp, 20);
    CHECK(cut >= 8);
    CHECK(cut <= 20);
}

TEST_CASE("leak stats: window minima take the lowest sample of each equal-count window", "[leak]") {
    const std::vector<double> x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const std::vector<double> y{5, 3, 4, 9, 1, 8, 7, 2, 6, 0};
    const auto floor = loadkit::detail::window_minima(x, y, 3); // windows [0,3) [3,6) [6,10)
    REQUIRE(floor.x.size() == 3);
    CHECK(floor.x == std::vector<double>{1, 4, 9});
    CHECK(floor.y == std::vector<double>{3, 1, 0});
}

// ---- API: options, verdicts, description ---------------------------------------------------------------

TEST_CASE("leak options: invalid values throw std::invalid_argument naming the field and the value",
          "[leak]") {
    const auto series = line(100, 1000, 1);
    const auto message = [&](const loadkit::leak_options& o) {
        return invalid_argument_message([&] { (void)loadkit::check_leak(series, {}, o); });
    };
    CHECK(contains(message({.confidence = 1.5}), "confidence = 1.5"));
    CHECK(contains(message({.confidence = 0.5}), "confidence = 0.5"));
    CHECK(contains(message({.min_relative_growth = -0.1}), "min_relative_growth = -0.1"));
    CHECK(contains(message({.min_absolute_growth = -1}), "min_absolute_growth = -1"));
    CHECK(contains(message({.horizon = -5}), "horizon = -5"));
    CHECK(contains(message({.min_warmup = -1}), "min_warmup = -1"));
    CHECK(contains(message({.max_warmup_fraction = 0.95}), "max_warmup_fraction = 0.95"));
    CHECK(contains(message({.window_samples = 0}), "window_samples = 0"));
    CHECK(contains(message({.min_windows = 3}), "min_windows = 3"));
    CHECK(contains(message({.max_windows = 5000}), "max_windows = 5000"));
    CHECK(contains(message({.max_windows = 4}), "max_windows = 4"));
}

TEST_CASE("leak: a non-finite sample throws naming its index", "[leak]") {
    auto series = line(100, 1000, 1);
    series[7].bytes = std::nan("");
    const std::string message = invalid_argument_message([&] { (void)loadkit::check_leak(series); });
    CHECK(contains(message, "sample 7"));
}

TEST_CASE("leak: too few samples, or none, is inconclusive and says what it needs", "[leak]") {
    const auto few = line(40, 1e6, 100'000); // 40 / 8 = 5 windows < 8
    const auto report = loadkit::check_leak(few);
    CHECK(report.verdict == leak_verdict::inconclusive);
    REQUIRE(report.rss);
    CHECK(report.rss->samples == 40);
    CHECK(report.rss->samples_needed == 64);
    CHECK(contains(report.describe(), "inconclusive: RSS has 40 samples"));
    CHECK(contains(report.describe(), "needs 64"));

    const auto none = loadkit::check_leak({});
    CHECK(none.verdict == leak_verdict::inconclusive);
    CHECK(none.describe() == "inconclusive: no samples");

    // window_samples is the knob: 40 samples in 8 windows of 5.
    CHECK(loadkit::check_leak(few, {}, {.window_samples = 5}).verdict == leak_verdict::leak);
}

TEST_CASE("leak: steady growth is a leak with the exact slope; a flat series is not; describe() says so",
          "[leak]") {
    const auto growing = line(400, 50e6, 1000); // +1000 B/iter: 399 KB on a 50 MB level (0.8 %)...
    const auto below = loadkit::check_leak(growing);
    CHECK(below.verdict == leak_verdict::no_leak); // ...below the 2 % effect floor (1 MB)
    CHECK(below.rss->slope == Approx(1000));
    CHECK(below.rss->lower_bound == Approx(1000));
    CHECK(below.rss->effect_floor == Approx(0.02 * (50e6 + 1000 * 199.5)).epsilon(0.01));
    CHECK(contains(below.describe(), "no leak: RSS floor slope +1000 B/iter (95% CI +1000..+1000)"));
    CHECK(contains(below.describe(), "below the effect floor"));

    const auto steep = loadkit::check_leak(line(400, 50e6, 10'000), {}, {.horizon = 1e6});
    CHECK(steep.verdict == leak_verdict::leak);
    CHECK(steep.cause == leak_cause::rss_growth);
    CHECK(steep.rss->slope == Approx(10'000));
    CHECK(steep.rss->growth == Approx(10'000 * 399.0));
    CHECK(steep.rss->projected_growth == Approx(1e10));
    CHECK(steep.rss->warmup_windows == 0);
    CHECK(contains(steep.describe(), "leak: RSS floor slope +9.77 KiB/iter"));
    CHECK(contains(steep.describe(), "+3.81 MiB over the run"));
    CHECK(contains(steep.describe(), "+9.31 GiB per 1e+06 iter"));

    const auto flat = loadkit::check_leak(line(400, 50e6, 0));
    CHECK(flat.verdict == leak_verdict::no_leak);
    CHECK(flat.cause == leak_cause::none);
    CHECK(flat.rss->slope == 0.0);

    const auto shrinking = loadkit::check_leak(line(400, 50e6, -10'000));
    CHECK(shrinking.verdict == leak_verdict::no_leak);
}

TEST_CASE("leak: an interval too few windows cannot bound says \"CI not available: N windows, needs M\", "
          "never -inf..+inf",
          "[leak]") {
    CHECK(loadkit::detail::sen_interval_min_points(0.95) == 6);
    CHECK(loadkit::detail::sen_interval_min_points(0.99) == 7);
    CHECK(loadkit::detail::sen_interval_min_points(0.9) == 5);
    // 32 samples in 4 windows of 8, each window's floor 10 B above the last: a clean, untied floor.
    std::vector<leak_sample> clean;
    for (std::size_t i = 0; i < 32; ++i) {
        clean.push_back({i, 50e6 + 10.0 * static_cast<double>(i) + (i % 2 == 1 ? 5000.0 : 0.0)});
    }
    const auto four = loadkit::check_leak(clean, {}, {.max_windows = 4, .min_windows = 4});
    REQUIRE(four.rss);
    CHECK(four.verdict == leak_verdict::no_leak);
    CHECK(four.rss->windows - four.rss->warmup_windows == 4);
    CHECK(std::isinf(four.rss->ci_low)); // the data: no bound at 95 % from 4 points
    CHECK(loadkit::detail::leak_interval_missing(*four.rss, 0.95) == "not available: 4 windows, needs 6");
    CHECK(contains(four.describe(), "(95% CI not available: 4 windows, needs 6)"));
    CHECK(!contains(four.describe(), "inf"));

    // Enough windows for independent data, but a floor that wanders (lag-1 autocorrelation 0.86,
    // found with an AR(1) phi 0.95 search, seed 1): the default options, a clean run, no bound.
    const double wander[] = {-528, -460, 1032, 2194, 1939, 1497, -458, -259};
    std::vector<leak_sample> wandering;
    for (std::size_t i = 0; i < 64; ++i) {
        wandering.push_back({i, 50e6 + wander[i / 8] + (i % 8 == 0 ? 0.0 : 50'000.0)});
    }
    const auto correlated = loadkit::check_leak(wandering);
    REQUIRE(correlated.rss);
    CHECK(correlated.verdict == leak_verdict::no_leak);
    CHECK(correlated.rss->lag1_autocorrelation > 0.8);
    CHECK(contains(correlated.describe(),
                   "(95% CI not available: 8 windows are too few for their serial correlation)"));
    CHECK(!contains(correlated.describe(), "inf"));

    const auto eight = loadkit::check_leak(line(64, 50e6, 10), {}, {.max_windows = 8, .min_windows = 4});
    REQUIRE(eight.rss);
    CHECK(loadkit::detail::leak_interval_missing(*eight.rss, 0.95).empty()); // bounded: printed as before
    CHECK(contains(eight.describe(), "(95% CI +10.0..+10.0)"));
}

TEST_CASE("leak: the effect floor separates significant-but-irrelevant growth from a leak", "[leak]") {
    const auto tiny = line(400, 50e6, 100); // 40 KB over the run: significant, 0.08 % of the level
    CHECK(loadkit::check_leak(tiny).verdict == leak_verdict::no_leak);
    CHECK(loadkit::check_leak(tiny, {}, {.min_relative_growth = 0, .min_absolute_growth = 0}).verdict ==
          leak_verdict::leak);
    CHECK(loadkit::check_leak(tiny, {}, {.min_relative_growth = 0}).verdict ==
          leak_verdict::no_leak); // 40 KB < the 256 KiB absolute floor
}

TEST_CASE("leak: the floor resolution follows the noise: white noise and AR(1) keep the finest windows, a "
          "sawtooth longer than a window gets coarser ones (seed 6)",
          "[leak]") {
    std::mt19937_64 rng(6);
    const auto white = loadkit::check_leak(simulate(model::white, 1000, 0, rng));
    CHECK(white.rss->windows == 100); // min(max_windows, 1000 / window_samples)
    const auto ar1 = loadkit::check_leak(simulate(model::ar1, 1000, 0, rng));
    CHECK(ar1.rss->windows >= 50);
    const auto saw = loadkit::check_leak(simulate(model::sawtooth_long, 1000, 0, rng));
    CHECK(saw.rss->windows <= 50);
    CHECK(saw.verdict == leak_verdict::no_leak);
}

TEST_CASE("leak: samples out of x order give the same verdict as sorted ones", "[leak]") {
    std::mt19937_64 rng(5);
    auto series = simulate(model::white, 300, 3 * effect_floor, rng);
    const auto sorted = loadkit::check_leak(series);
    std::shuffle(series.begin(), series.end(), rng);
    const auto shuffled = loadkit::check_leak(series);
    CHECK(sorted.verdict == leak_verdict::leak);
    CHECK(shuffled.verdict == sorted.verdict);
    CHECK(shuffled.rss->slope == sorted.rss->slope);
}

TEST_CASE("leak: RSS grows but heap is flat => no leak, allocator retention; heap grows => leak", "[leak]") {
    const auto rss_grows = line(400, 100e6, 20'000); // 8 MB over the run
    const auto heap_flat = line(400, 40e6, 0);
    const auto heap_grows = line(400, 40e6, 20'000);
    const auto rss_flat = line(400, 100e6, 0);

    const auto retention = loadkit::check_leak(rss_grows, heap_flat);
    CHECK(retention.verdict == leak_verdict::no_leak);
    CHECK(retention.cause == leak_cause::allocator_retention);
    CHECK(contains(retention.describe(), "no leak (allocator retention): RSS floor slope +19.5 KiB/iter"));
    CHECK(contains(retention.describe(), "but heap is flat"));

    const auto both = loadkit::check_leak(rss_grows, heap_grows);
    CHECK(both.verdict == leak_verdict::leak);
    CHECK(both.cause == leak_cause::heap_growth);
    CHECK(contains(both.describe(), "leak: heap floor slope"));

    const auto not_resident = loadkit::check_leak(rss_flat, heap_grows);
    CHECK(not_resident.verdict == leak_verdict::leak);
    CHECK(not_resident.cause == leak_cause::heap_growth_not_resident);
    CHECK(contains(not_resident.describe(), "RSS is flat so far"));

    const auto heap_only = loadkit::check_leak({}, heap_grows);
    CHECK(heap_only.verdict == leak_verdict::leak);
    CHECK(heap_only.cause == leak_cause::heap_growth);
    CHECK_FALSE(heap_only.rss);
}

TEST_CASE("leak: min_warmup drops a known warm-up before detection", "[leak]") {
    std::vector<leak_sample> series;
    for (int i = 0; i < 400; ++i) { // a step at x = 100 that detection alone may not cut
        series.push_back({i, i < 100 ? 10e6 + 100'000.0 * i : 30e6});
    }
    const auto report = loadkit::check_leak(series, {}, {.min_warmup = 100});
    CHECK(report.verdict == leak_verdict::no_leak);
    CHECK(report.rss->analysed_samples == 300);
    CHECK(report.rss->warmup_end_x >= 100);
}

TEST_CASE("leak: growth that keeps slowing past the largest warm-up cut is inconclusive, not a leak",
          "[leak]") {
    std::vector<leak_sample> series;
    for (int i = 0; i < 1000; ++i) { // logarithmic growth never settles: concave everywhere
        series.push_back({i, 100e6 + 20e6 * std::log1p(i / 5.0)});
    }
    const auto report = loadkit::check_leak(series);
    CHECK(report.verdict == leak_verdict::inconclusive);
    REQUIRE(report.rss);
    CHECK(report.rss->warmup_unfinished);
    CHECK(contains(report.describe(), "warm-up not over"));
}

TEST_CASE("leak: make_leak_series maps any records, skipping empty optionals", "[leak]") {
    struct record {
        int at;
        std::optional<std::uint64_t> bytes;
    };
    const std::vector<record> records{{0, 10}, {1, std::nullopt}, {2, 30}};
    const auto series = loadkit::make_leak_series(
        records, [](const record& r) { return r.at; }, [](const record& r) { return r.bytes; });
    REQUIRE(series.size() == 2);
    CHECK(series[1].x == 2.0);
    CHECK(series[1].bytes == 30.0);
}

// ---- seeded simulations: 1,000 trials of 1,000 samples each ------------------------------------------

TEST_CASE("leak simulation: false positives <= 1 % on white noise (seed 101), AR(1) phi 0.9 (seed 102), "
          "GC sawtooth short (seed 103) and long cycles (seed 104), plateau steps (seed 105), unfinished "
          "warm-up (seed 106)",
          "[leak][simulation]") {
    const struct {
        model m;
        std::uint64_t seed;
        const char* name;
    } cases[] = {{model::white, 101, "white"},        {model::ar1, 102, "AR(1)"},
                 {model::sawtooth_short, 103, "saw"}, {model::sawtooth_long, 104, "long saw"},
                 {model::plateau, 105, "plateau"},    {model::warmup, 106, "warm-up"}};
    for (const auto& c : cases) {
        const rates r = verdict_rates(c.m, 1000, 0, c.seed);
        INFO(c.name << ": false positives " << r.leak * 100 << " %, inconclusive " << r.inconclusive * 100
                    << " %");
        CHECK(r.leak <= 0.01);
        CHECK(r.inconclusive <= 0.05);
    }
}

// The target is >= 95 % for every model. Measured at these seeds: white 100 %, sawtooth 100 %,
// plateau 96.2 %, warm-up 96.9 %, AR(1) 96.3 % (~97 % over 5,000 trials; ~98 % is the ceiling for
// AR(1) phi 0.9 at 1,000 samples, see leak.hpp).
TEST_CASE("leak simulation: detection >= 95 % at 1.5x the effect floor on white noise (seed 201), GC "
          "sawtooth (seed 202), after plateau steps (seed 203) and warm-up (seed 204), and under AR(1) phi "
          "0.9 (seed 205)",
          "[leak][simulation]") {
    const struct {
        model m;
        std::uint64_t seed;
        const char* name;
    } cases[] = {{model::white, 201, "white"},
                 {model::sawtooth_short, 202, "saw"},
                 {model::plateau, 203, "plateau"},
                 {model::warmup, 204, "warm-up"},
                 {model::ar1, 205, "AR(1)"}};
    for (const auto& c : cases) {
        const rates r = verdict_rates(c.m, 1000, 1.5 * effect_floor, c.seed);
        INFO(c.name << ": detected " << r.leak * 100 << " %");
        CHECK(r.leak >= 0.95);
    }
}

// The notes' target for this model is 5 %; measured 1.4 % at this seed (1.2 % over 5,000 trials). The
// bound is set to catch a regression, not at the notes' figure.
TEST_CASE("leak simulation: the notes' hardest model (AR(1) noise above the effect floor + GC sawtooth) "
          "gives <= 2 % false positives over 2,000 samples (seed 301)",
          "[leak][simulation]") {
    const rates r = verdict_rates(model::ar1_sawtooth, 2000, 0, 301);
    INFO("false positives " << r.leak * 100 << " %");
    CHECK(r.leak <= 0.02);
}

// ---- a real leak, measured through process.hpp ------------------------------------------------------------

namespace {

// 20,000 iterations of a 64-byte allocation, heap in use sampled every 100 iterations. With `leak`
// the blocks are kept (in a vector reserved beforehand, so the vector itself does not grow) and freed
// after the measurement, which keeps LeakSanitizer quiet; without it each block is freed at once.
struct measured_run {
    std::vector<leak_sample> heap;
    std::vector<leak_sample> rss;
};

measured_run run_allocation_loop(bool leak) {
    constexpr int iterations = 20'000;
    constexpr int every = 100;
    loadkit::process_probe probe;
    std::vector<void*> kept;
    kept.reserve(iterations);
    measured_run run;
    run.heap.reserve(iterations / every);
    run.rss.reserve(iterations / every);
    for (int i = 0; i < iterations; ++i) {
        void* block = std::malloc(64);
        if (block == nullptr) { // no Catch2 assertion in here: it might allocate and blur the measurement
            throw std::bad_alloc();
        }
        std::memset(block, i & 0xff, 64);
        if (leak) {
            kept.push_back(block);
        } else {
            std::free(block);
        }
        if (i % every == 0) {
            run.heap.push_back({i, probe.heap_in_use_bytes().value_or(0)});
            run.rss.push_back({i, probe.rss_bytes().value_or(0)});
        }
    }
    for (void* block : kept) {
        std::free(block);
    }
    return run;
}

} // namespace

TEST_CASE("leak, real: a loop leaking 64 B per iteration for 20k iterations is flagged; without the leak "
          "it is not (heap in use via process_probe)",
          "[leak][process]") {
    REQUIRE(loadkit::process_probe::heap_in_use_bytes().has_value()); // glibc >= 2.33 or a sanitizer
    INFO("heap source: " << loadkit::process_probe::heap_source());

    const measured_run leaking = run_allocation_loop(true);
    const auto flagged = loadkit::check_leak(leaking.rss, leaking.heap);
    INFO(flagged.describe());
    CHECK(flagged.verdict == leak_verdict::leak);
    REQUIRE(flagged.heap);
    CHECK(flagged.heap->slope >= 64);  // the payload...
    CHECK(flagged.heap->slope <= 128); // ...plus allocator overhead (glibc: 80 B chunks)
    CHECK(
        (flagged.cause == leak_cause::heap_growth || flagged.cause == leak_cause::heap_growth_not_resident));

    const measured_run clean = run_allocation_loop(false);
    const auto fine = loadkit::check_leak(clean.rss, clean.heap);
    INFO(fine.describe());
    CHECK(fine.verdict == leak_verdict::no_leak);
    // ASan's quarantine keeps freed blocks resident, so RSS may grow: that is allocator retention.
    CHECK((fine.cause == leak_cause::none || fine.cause == leak_cause::allocator_retention));
}
