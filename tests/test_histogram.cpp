#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/histogram.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr std::int64_t one_hour_ns = 3'600'000'000'000;

std::int64_t to_ns(double v) {
    const double capped = std::min(std::max(v, 0.0), static_cast<double>(one_hour_ns)); // never clamped
    return static_cast<std::int64_t>(std::llround(capped));
}

// 10^6 values, fixed seeds: the exact data differs between standard libraries, never between runs.
std::vector<std::int64_t> lognormal_values(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> latency(std::log(1e6), 0.8); // median 1 ms
    std::vector<std::int64_t> out(n);
    for (auto& v : out) {
        v = to_ns(latency(rng));
    }
    return out;
}

std::vector<std::int64_t> bimodal_values(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> fast(std::log(200e3), 0.2); // cache hit, ~200 us
    std::lognormal_distribution<double> slow(std::log(20e6), 0.3);  // miss, ~20 ms
    std::bernoulli_distribution is_slow(0.3);
    std::vector<std::int64_t> out(n);
    for (auto& v : out) {
        v = to_ns(is_slow(rng) ? slow(rng) : fast(rng));
    }
    return out;
}

std::vector<std::int64_t> pareto_values(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<std::int64_t> out(n);
    for (auto& v : out) {
        v = to_ns(10e3 / std::pow(1.0 - u(rng), 1.0 / 1.2)); // x_m = 10 us, alpha = 1.2: heavy tail
    }
    return out;
}

// Nearest rank on sorted data, with p given in hundredths of a percent so the rank is exact.
std::int64_t exact_at(const std::vector<std::int64_t>& sorted, std::uint64_t p_hundredths) {
    const std::uint64_t n = sorted.size();
    std::uint64_t rank = (p_hundredths * n + 9'999) / 10'000;
    rank = std::max<std::uint64_t>(rank, 1);
    return sorted[static_cast<std::size_t>(rank - 1)];
}

void check_accuracy(const std::vector<std::int64_t>& values, const loadkit::histogram_options& opts) {
    loadkit::histogram h{opts};
    for (const auto v : values) {
        h.record(v);
    }
    std::vector<std::int64_t> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const double bound = h.max_relative_error();
    REQUIRE(h.count() == values.size());
    REQUIRE(h.clamped_count() == 0);

    std::vector<std::uint64_t> ps; // p1 .. p99 and the tail, in hundredths of a percent
    for (std::uint64_t p = 1; p <= 99; ++p) {
        ps.push_back(p * 100);
    }
    for (const std::uint64_t p : {9'950U, 9'990U, 9'995U, 9'999U}) {
        ps.push_back(p);
    }
    double worst = 0.0;
    for (const auto p : ps) {
        const double percent = static_cast<double>(p) / 100.0;
        const auto exact = static_cast<double>(exact_at(sorted, p));
        const auto got = static_cast<double>(h.value_at_percentile(percent).count());
        const double error = std::abs(got - exact) / exact;
        worst = std::max(worst, error);
        INFO("p" << percent << ": exact " << exact << " ns, histogram " << got << " ns, bound " << bound);
        CHECK(error <= bound);
        CHECK(h.percentile_of(std::chrono::nanoseconds{static_cast<std::int64_t>(exact)}) >= percent - 1e-9);
    }
    INFO("worst relative error " << worst << " vs bound " << bound);
    CHECK(worst > 0.0); // the bound is not vacuous: these data do fall inside wide counters
    CHECK(h.value_at_percentile(0).count() == sorted.front());
    CHECK(h.value_at_percentile(100).count() == sorted.back());
    CHECK(h.min().count() == sorted.front());
    CHECK(h.max().count() == sorted.back());

    double sum = 0.0;
    for (const auto v : values) {
        sum += static_cast<double>(v);
    }
    const double mean = sum / static_cast<double>(values.size());
    double squares = 0.0;
    for (const auto v : values) {
        squares += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
    }
    const double stddev = std::sqrt(squares / static_cast<double>(values.size()));
    CHECK(std::abs(h.mean().count() - mean) <= mean * bound);
    CHECK(h.stddev().count() == Approx(stddev).epsilon(4 * bound));
}

} // namespace

TEST_CASE("histogram percentiles p1..p99.99 stay within max_relative_error of an exact sort (fixed seed 42, "
          "10^6 lognormal, bimodal and Pareto values)",
          "[histogram]") {
    const auto lognormal = lognormal_values(1'000'000, 42);
    const auto bimodal = bimodal_values(1'000'000, 42);
    const auto pareto = pareto_values(1'000'000, 42);
    for (const auto& opts : {loadkit::histogram_options{.significant_digits = 3},
                             loadkit::histogram_options{.max_relative_error = 0.01}}) {
        check_accuracy(lognormal, opts);
        check_accuracy(bimodal, opts);
        check_accuracy(pareto, opts);
    }
}

TEST_CASE("histogram options: defaults, precision and memory targets for 1 ns .. 1 h", "[histogram]") {
    const loadkit::histogram standard;
    CHECK(standard.significant_digits() == 3);
    CHECK(standard.sub_bucket_count() == 2048); // HdrHistogram: 2^ceil(log2(2 * 10^3))
    CHECK(standard.max_relative_error() == 1.0 / 2048);
    CHECK(standard.lowest() == 1ns);
    CHECK(standard.highest() == 1h);
    CHECK(standard.bucket_count() < 33'792); // HdrHistogram_c counts_len for the same range
    CHECK(standard.memory_bytes() <= 300 * 1024);

    const loadkit::histogram two_digits{{.significant_digits = 2}};
    CHECK(two_digits.memory_bytes() <= 64 * 1024);
    CHECK(two_digits.max_relative_error() <= 0.01);

    const loadkit::histogram one_percent{{.max_relative_error = 0.01}};
    CHECK(one_percent.max_relative_error() == 1.0 / 128);
    CHECK(one_percent.memory_bytes() <= 64 * 1024);
    const loadkit::histogram tenth_percent{{.max_relative_error = 0.001}};
    CHECK(tenth_percent.max_relative_error() == 1.0 / 1024);
    CHECK(tenth_percent.memory_bytes() <= 300 * 1024);

    const loadkit::histogram short_range{{.significant_digits = 2, .highest = 10ms}};
    CHECK(short_range.highest() == 10ms);
    CHECK(short_range.bucket_count() < two_digits.bucket_count());
}

TEST_CASE("histogram options: invalid values throw std::invalid_argument naming the field and the value",
          "[histogram]") {
    using loadkit::histogram;
    auto message = invalid_argument_message([] { histogram{{.significant_digits = 6}}; });
    CHECK(contains(message, "significant_digits"));
    CHECK(contains(message, "6"));
    message = invalid_argument_message([] { histogram{{.significant_digits = -1}}; });
    CHECK(contains(message, "significant_digits = -1"));

    message = invalid_argument_message([] { histogram{{.max_relative_error = 0.7}}; });
    CHECK(contains(message, "max_relative_error = 0.7"));
    message = invalid_argument_message([] { histogram{{.max_relative_error = -0.01}}; });
    CHECK(contains(message, "max_relative_error = -0.01"));
    message = invalid_argument_message([] { histogram{{.max_relative_error = 1e-7}}; });
    CHECK(contains(message, "max_relative_error = 1e-07"));
    message = invalid_argument_message(
        [] { histogram{{.max_relative_error = std::numeric_limits<double>::quiet_NaN()}}; });
    CHECK(contains(message, "max_relative_error"));

    message =
        invalid_argument_message([] { histogram{{.significant_digits = 3, .max_relative_error = 0.01}}; });
    CHECK(contains(message, "significant_digits = 3"));
    CHECK(contains(message, "max_relative_error = 0.01"));

    message = invalid_argument_message([] { histogram{{.highest = 1ns}}; });
    CHECK(contains(message, "highest = 1ns"));
    message = invalid_argument_message([] { histogram{{.highest = -5s}}; });
    CHECK(contains(message, "highest = -5000000000ns"));

    CHECK_NOTHROW(histogram{{.significant_digits = 1}});
    CHECK_NOTHROW(histogram{{.max_relative_error = 0.5}});
    CHECK_NOTHROW(histogram{{.significant_digits = 5, .highest = 10ms}});
    CHECK_NOTHROW(histogram{{.highest = std::chrono::nanoseconds::max()}});
}

TEST_CASE("histogram counters tile the range; each is within 2 * max_relative_error wide of its lower edge",
          "[histogram]") {
    for (const auto& opts : {loadkit::histogram_options{.significant_digits = 1},
                             loadkit::histogram_options{.significant_digits = 2},
                             loadkit::histogram_options{.significant_digits = 3},
                             loadkit::histogram_options{.significant_digits = 5, .highest = 10ms},
                             loadkit::histogram_options{.max_relative_error = 0.5},
                             loadkit::histogram_options{.max_relative_error = 0.01},
                             loadkit::histogram_options{.highest = std::chrono::nanoseconds::max()}}) {
        const loadkit::detail::histogram_layout layout = loadkit::detail::make_histogram_layout(
            opts.significant_digits, opts.max_relative_error, opts.highest.count());
        const double bound = 1.0 / static_cast<double>(layout.sub_bucket_count());
        CHECK(layout.lowest_of(0) == 0);
        std::size_t i = 0;
        for (; i < layout.counts_len; ++i) {
            const std::uint64_t lo = layout.lowest_of(i);
            const std::uint64_t hi = layout.highest_of(i);
            const bool ok = layout.index_of(lo) == i && layout.index_of(hi) == i &&
                            (i + 1 == layout.counts_len || layout.lowest_of(i + 1) == hi + 1) &&
                            (lo < layout.sub_bucket_count() ? hi == lo
                                                            : static_cast<double>(layout.width_of(i)) / 2 <=
                                                                  static_cast<double>(lo) * bound);
            if (!ok) {
                break;
            }
        }
        INFO("first bad counter " << i << " [" << layout.lowest_of(i) << ", " << layout.highest_of(i) << "]");
        CHECK(i == layout.counts_len);
        CHECK(layout.lowest_of(layout.counts_len - 1) <= layout.highest);
        CHECK(layout.highest_of(layout.counts_len - 1) >= layout.highest);
    }
}

TEST_CASE("histogram percentile definition is nearest rank, p0 = min and p100 = max exactly", "[histogram]") {
    loadkit::histogram h;
    for (std::int64_t v = 1; v <= 100; ++v) { // below sub_bucket_count: counted exactly
        h.record(v);
    }
    CHECK(h.value_at_percentile(0) == 1ns);
    CHECK(h.value_at_percentile(0.5) == 1ns);
    CHECK(h.value_at_percentile(1) == 1ns);
    CHECK(h.value_at_percentile(1.5) == 2ns);
    CHECK(h.value_at_percentile(50) == 50ns);
    CHECK(h.value_at_percentile(50.5) == 51ns);
    CHECK(h.value_at_percentile(99) == 99ns);
    CHECK(h.value_at_percentile(99.99) == 100ns);
    CHECK(h.value_at_percentile(100) == 100ns);
    CHECK(h.percentile_of(0ns) == 0.0);
    CHECK(h.percentile_of(50ns) == 50.0);
    CHECK(h.percentile_of(100ns) == 100.0);
    CHECK(h.percentile_of(1h) == 100.0);
    CHECK(h.count_at_or_below(-1) == 0);
    CHECK(h.count_at_or_below(37) == 37);
    CHECK(h.mean().count() == Approx(50.5));
    CHECK(h.stddev().count() == Approx(std::sqrt((100.0 * 100.0 - 1.0) / 12.0)));

    // In a wide counter the midpoint is reported, clamped to the exact min and max.
    loadkit::histogram wide;
    wide.record(1'000'000); // counter [999'936, 1'000'447], 512 ns wide
    CHECK(wide.value_at_percentile(50) == 1'000'000ns);
    wide.record(1'000'400);
    CHECK(wide.value_at_percentile(50) == 1'000'192ns); // midpoint 999'936 + 256
    wide.reset();
    wide.record(999'940);
    wide.record(999'950);
    CHECK(wide.value_at_percentile(50) == 999'950ns); // midpoint above max: clamped
}

TEST_CASE("histogram value_at_percentile rejects p outside [0, 100] naming it", "[histogram]") {
    loadkit::histogram h;
    h.record(5);
    CHECK(contains(invalid_argument_message([&] { (void)h.value_at_percentile(-1); }), "p = -1"));
    CHECK(contains(invalid_argument_message([&] { (void)h.value_at_percentile(100.5); }), "p = 100.5"));
    CHECK(contains(invalid_argument_message(
                       [&] { (void)h.value_at_percentile(std::numeric_limits<double>::quiet_NaN()); }),
                   "p = "));
}

TEST_CASE("histogram empty: every statistic is zero and no bucket is visited", "[histogram]") {
    const loadkit::histogram h;
    CHECK(h.empty());
    CHECK(h.count() == 0);
    CHECK(h.min() == 0ns);
    CHECK(h.max() == 0ns);
    CHECK(h.mean().count() == 0.0);
    CHECK(h.stddev().count() == 0.0);
    CHECK(h.value_at_percentile(50) == 0ns);
    CHECK(h.percentile_of(1ms) == 0.0);
    int visited = 0;
    h.for_each_bucket([&](const loadkit::histogram_bucket&) { ++visited; });
    CHECK(visited == 0);
}

TEST_CASE("histogram out-of-range values are clamped and counted, never lost", "[histogram]") {
    loadkit::histogram h{{.highest = 1s}};
    h.record(-5);
    h.record(std::numeric_limits<std::int64_t>::min());
    h.record(std::chrono::nanoseconds::max());
    h.record(2s, 3);
    h.record(1s); // the highest trackable value itself is in range
    h.record(0);  // so is zero
    CHECK(h.count() == 8);
    CHECK(h.clamped_low_count() == 2);
    CHECK(h.clamped_high_count() == 4);
    CHECK(h.clamped_count() == 6);
    CHECK(h.min() == 0ns);
    CHECK(h.max() == 1s);
    CHECK(h.value_at_percentile(100) == 1s);
    CHECK(h.value_at_percentile(25) == 0ns);
    CHECK(h.count_at_or_below(0) == 3);
}

TEST_CASE("histogram record_corrected back-fills like HdrHistogram recordValueWithExpectedInterval",
          "[histogram]") {
    auto values_of = [](const loadkit::histogram& h) {
        std::vector<std::pair<std::int64_t, std::uint64_t>> out;
        h.for_each_bucket(
            [&](const loadkit::histogram_bucket& b) { out.emplace_back(b.lowest.count(), b.count); });
        return out;
    };
    using list = std::vector<std::pair<std::int64_t, std::uint64_t>>;
    loadkit::histogram h;
    h.record_corrected(100, 30); // 100, then 70 and 40; 10 < 30 is not back-filled
    CHECK(values_of(h) == list{{40, 1}, {70, 1}, {100, 1}});
    h.reset();
    h.record_corrected(90ns, 30ns); // 90, 60 and 30: a missing value equal to the interval counts
    CHECK(values_of(h) == list{{30, 1}, {60, 1}, {90, 1}});
    h.reset();
    h.record_corrected(30, 30); // not above the interval: nothing missing
    h.record_corrected(100, 0); // no interval: plain record
    h.record_corrected(100, -7);
    CHECK(values_of(h) == list{{30, 1}, {100, 2}});

    // A 10 ms stall with a 1 us interval: 9,999 back-filled values, same as HdrHistogram's loop.
    loadkit::histogram fast;
    loadkit::histogram naive;
    fast.record_corrected(10ms, 1us);
    naive.record(10'000'000);
    for (std::int64_t missing = 10'000'000 - 1'000; missing >= 1'000; missing -= 1'000) {
        naive.record(missing);
    }
    CHECK(fast.count() == 10'000);
    CHECK(fast == naive);
    fast.record_corrected(1'234'567, 333); // uneven spacing across counters
    naive.record(1'234'567);
    for (std::int64_t missing = 1'234'567 - 333; missing >= 333; missing -= 333) {
        naive.record(missing);
    }
    CHECK(fast == naive);

    // 1 h at 1 us: 3.6e9 back-filled values in O(bucket_count()); uniform 1 us .. 1 h.
    loadkit::histogram huge;
    huge.record_corrected(1h, 1us);
    CHECK(huge.count() == 3'600'000'000);
    CHECK(huge.min() == 1us);
    CHECK(huge.max() == 1h);
    CHECK(std::abs(static_cast<double>(huge.value_at_percentile(50).count()) - 1.8e12) <= 1.8e12 / 2048);

    // The extreme: every value from INT64_MAX down to 1, still O(bucket_count()).
    loadkit::histogram everything;
    everything.record_corrected(std::numeric_limits<std::int64_t>::max(), 1);
    CHECK(everything.count() == static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    CHECK(everything.clamped_high_count() ==
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() - one_hour_ns));
    CHECK(everything.min() == 1ns);
    CHECK(everything.count_at_or_below(2047) == 2047);

    // Back-filled values above highest are clamped and counted like any other.
    loadkit::histogram capped{{.highest = 1s}};
    capped.record_corrected(3s, 1s); // 3 s, 2 s (both clamped) and 1 s
    CHECK(capped.count() == 3);
    CHECK(capped.clamped_high_count() == 2);
    CHECK(values_of(capped).size() == 1);
}

TEST_CASE("histogram record(value, count) equals count single records; chrono and integer overloads agree",
          "[histogram]") {
    loadkit::histogram bulk;
    loadkit::histogram single;
    bulk.record(1'500'000, 5);
    bulk.record(std::chrono::microseconds{20}, 2);
    bulk.record(7, 0); // zero count records nothing
    for (int i = 0; i < 5; ++i) {
        single.record(1500us);
    }
    single.record(20'000);
    single.record(20'000);
    CHECK(bulk == single);
    CHECK(bulk.count() == 7);
}

TEST_CASE("histogram 8-shard merge equals the single histogram (fixed seed 7, 10^5 lognormal values)",
          "[histogram]") {
    const auto values = lognormal_values(100'000, 7);
    loadkit::histogram whole;
    std::vector<loadkit::histogram> parts(8);
    for (std::size_t i = 0; i < values.size(); ++i) {
        whole.record(values[i]);
        parts[i % 8].record(values[i]);
    }
    parts[3].record(-1); // clamped counts merge too
    whole.record(-1);
    loadkit::histogram merged;
    for (const auto& part : parts) {
        merged += part;
    }
    CHECK(merged == whole);
    CHECK(merged.clamped_low_count() == 1);
    CHECK(parts[0] + parts[1] + parts[2] + parts[3] + parts[4] + parts[5] + parts[6] + parts[7] == whole);
    CHECK(merged.value_at_percentile(99.9) == whole.value_at_percentile(99.9));

    loadkit::histogram doubled = whole; // self-merge doubles every count
    doubled += doubled;
    CHECK(doubled.count() == 2 * whole.count());
    CHECK(doubled.value_at_percentile(50) == whole.value_at_percentile(50));
}

TEST_CASE("histogram subtraction of an earlier cumulative snapshot gives the interval's counts "
          "(fixed seed 11)",
          "[histogram]") {
    const auto first_second = lognormal_values(50'000, 11);
    const auto second_second = bimodal_values(50'000, 11);
    loadkit::histogram cumulative;
    for (const auto v : first_second) {
        cumulative.record(v);
    }
    cumulative.record(-1);
    const loadkit::histogram at_one_second = cumulative;
    loadkit::histogram expected; // the second interval alone
    for (const auto v : second_second) {
        cumulative.record(v);
        expected.record(v);
    }
    cumulative.record(-1);
    expected.record(-1);

    const loadkit::histogram interval = cumulative - at_one_second;
    CHECK(interval.count() == expected.count());
    CHECK(interval.clamped_low_count() == 1);
    std::vector<std::pair<std::int64_t, std::uint64_t>> got;
    std::vector<std::pair<std::int64_t, std::uint64_t>> want;
    interval.for_each_bucket(
        [&](const loadkit::histogram_bucket& b) { got.emplace_back(b.lowest.count(), b.count); });
    expected.for_each_bucket(
        [&](const loadkit::histogram_bucket& b) { want.emplace_back(b.lowest.count(), b.count); });
    CHECK(got == want);
    const double bound = interval.max_relative_error();
    for (const double p : {1.0, 50.0, 99.0, 99.9}) {
        const auto exact = static_cast<double>(expected.value_at_percentile(p).count());
        const auto approx = static_cast<double>(interval.value_at_percentile(p).count());
        CHECK(std::abs(approx - exact) <= 2 * bound * std::max(exact, 1.0)); // both are representatives
    }
    CHECK(interval.min() == expected.min()); // 0: the clamped value, in a counter 1 ns wide
    CHECK(std::abs(static_cast<double>((interval.max() - expected.max()).count())) <=
          bound * static_cast<double>(expected.max().count()));
    CHECK(interval.max() <= cumulative.max());

    loadkit::histogram unchanged = at_one_second;
    CHECK(contains(invalid_argument_message([&] { unchanged -= cumulative; }), "operator-="));
    CHECK(unchanged == at_one_second);
    const loadkit::histogram& itself = unchanged; // h -= h empties h
    unchanged -= itself;
    CHECK(unchanged == loadkit::histogram{});
}

TEST_CASE("histogram difference keeps min and max within max_relative_error of the remainder's "
          "(issue 11's example, then 2,000 trials of fixed seed 5)",
          "[histogram]") {
    loadkit::histogram both; // 1,048,577 shares a counter 1,024 wide with 1,049,599
    both.record(1'048'577);
    both.record(3'000'000);
    loadkit::histogram later;
    later.record(3'000'000);
    const loadkit::histogram left = both - later;
    const double bound = left.max_relative_error();
    CHECK(std::abs(static_cast<double>(left.max().count()) - 1'048'577.0) <= 1'048'577.0 * bound);
    CHECK(std::abs(static_cast<double>(left.min().count()) - 1'048'577.0) <= 1'048'577.0 * bound);
    CHECK(left.min() <= left.max());

    // Random splits of lognormal data into an earlier part and a remainder, as interval and
    // steady-state histograms are made; the extremes of the remainder are known exactly here.
    std::mt19937_64 rng(5);
    std::lognormal_distribution<double> latency(std::log(1e6), 1.5);
    std::uniform_int_distribution<int> size(1, 40);
    double worst = 0.0;
    for (int trial = 0; trial < 2000; ++trial) {
        loadkit::histogram earlier;
        loadkit::histogram whole;
        std::int64_t lo = std::numeric_limits<std::int64_t>::max();
        std::int64_t hi = 0;
        for (int k = size(rng); k > 0; --k) {
            const std::int64_t v = to_ns(latency(rng));
            earlier.record(v);
            whole.record(v);
        }
        for (int k = size(rng); k > 0; --k) {
            const std::int64_t v = to_ns(latency(rng));
            whole.record(v);
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        const loadkit::histogram rest = whole - earlier;
        const auto error = [](std::chrono::nanoseconds got, std::int64_t exact) {
            return std::abs(static_cast<double>(got.count() - exact)) / static_cast<double>(exact);
        };
        worst = std::max({worst, error(rest.min(), lo), error(rest.max(), hi)});
        CHECK(rest.min() <= rest.max());
        CHECK(rest.min() >= whole.min());
        CHECK(rest.max() <= whole.max());
    }
    CAPTURE(worst);
    CHECK(worst <= loadkit::histogram{}.max_relative_error());
}

TEST_CASE("histogram merge of different configurations throws naming what differs", "[histogram]") {
    loadkit::histogram three;
    const loadkit::histogram two{{.significant_digits = 2}};
    const loadkit::histogram short_range{{.highest = 1s}};
    CHECK(contains(invalid_argument_message([&] { three += two; }), "sub_bucket_count differs (2048 vs 256"));
    CHECK(contains(invalid_argument_message([&] { three += short_range; }), "highest differs"));
    CHECK_FALSE(three == two);
    // Equal layouts merge whichever option produced them.
    CHECK_NOTHROW(three += loadkit::histogram{{.max_relative_error = 1.0 / 2048}});
}

TEST_CASE("histogram reset and clear empty it, keeping the configuration; equality compares contents",
          "[histogram]") {
    loadkit::histogram h{{.significant_digits = 2}};
    const loadkit::histogram fresh{{.significant_digits = 2}};
    h.record(123'456);
    h.record(-3);
    CHECK_FALSE(h == fresh);
    h.reset();
    CHECK(h == fresh);
    CHECK(h.significant_digits() == 2);
    h.record(99);
    h.clear();
    CHECK(h == fresh);

    loadkit::histogram a;
    loadkit::histogram b;
    a.record(1'000'000);
    b.record(1'000'001); // same counter, different exact max
    CHECK_FALSE(a == b);
}

TEST_CASE("histogram copies are independent; moves keep the contents", "[histogram]") {
    loadkit::histogram original;
    original.record(42ms);
    loadkit::histogram copy = original;
    CHECK(copy == original);
    copy.record(1ms);
    CHECK(copy.count() == 2);
    CHECK(original.count() == 1);
    loadkit::histogram moved = std::move(copy);
    CHECK(moved.count() == 2);
    loadkit::histogram assigned{{.significant_digits = 1}};
    assigned = original;
    CHECK(assigned == original);
}

TEST_CASE("histogram for_each_bucket visits non-empty counters in order with consistent fields",
          "[histogram]") {
    const auto values = bimodal_values(20'000, 3);
    loadkit::histogram h;
    for (const auto v : values) {
        h.record(v);
    }
    std::uint64_t total = 0;
    std::int64_t previous_highest = -1;
    bool ordered = true;
    bool consistent = true;
    h.for_each_bucket([&](const loadkit::histogram_bucket& b) {
        total += b.count;
        ordered = ordered && b.lowest.count() > previous_highest;
        consistent = consistent && b.count > 0 && b.lowest <= b.representative &&
                     b.representative <= b.highest && b.representative >= h.min() &&
                     b.representative <= h.max();
        previous_highest = b.highest.count();
    });
    CHECK(total == h.count());
    CHECK(ordered);
    CHECK(consistent);
}
