#include "catch.hpp"

#include <loadkit/result.hpp>

#include <chrono>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Seeded lognormal latencies around 1 ms (fixed seed: the test is deterministic).
std::vector<std::int64_t> latencies(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> d(13.8, 0.9);
    std::vector<std::int64_t> out(n);
    for (auto& v : out) {
        v = static_cast<std::int64_t>(d(rng));
    }
    return out;
}

loadkit::op_stats stats(std::uint64_t ok, std::uint64_t errors, const std::vector<std::int64_t>& values) {
    loadkit::op_stats s;
    s.ok = ok;
    s.errors = errors;
    for (auto v : values) {
        s.latency.record(v);
    }
    return s;
}

} // namespace

TEST_CASE("sparse_histogram holds a histogram's counts at 2 significant digits and merges exactly",
          "[result][sparse_histogram]") {
    const auto a_values = latencies(20'000, 1);
    const auto b_values = latencies(30'000, 2);
    loadkit::histogram a;
    loadkit::histogram b;
    for (auto v : a_values) {
        a.record(v);
    }
    for (auto v : b_values) {
        b.record(v);
    }
    loadkit::sparse_histogram sa(a);
    const loadkit::sparse_histogram sb(b);
    CHECK(sa.count() == a.count());
    // Within 1/256 of the fine histogram's (itself within 1/2048 of exact) at every percentile.
    for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9}) {
        const double fine = static_cast<double>(a.value_at_percentile(p).count());
        const double coarse = static_cast<double>(sa.value_at_percentile(p).count());
        CHECK(std::abs(coarse - fine) <= fine * (1.0 / 256 + 1.0 / 2048));
    }
    CHECK(std::abs(sa.mean().count() - a.mean().count()) <= a.mean().count() / 256);
    // Exact merge: sparse(a) + sparse(b) == sparse(a + b), whichever way the data was split.
    loadkit::sparse_histogram merged = sa;
    merged += sb;
    CHECK(merged == loadkit::sparse_histogram(a + b));
    CHECK(merged.count() == a.count() + b.count());
    // A dense view with the same counts.
    const loadkit::histogram dense = merged.to_histogram();
    CHECK(dense.count() == merged.count());
    CHECK(dense.value_at_percentile(99.0) == merged.value_at_percentile(99.0));
    std::uint64_t buckets = 0;
    merged.for_each_bucket([&](const loadkit::histogram_bucket& bucket) { buckets += bucket.count; });
    CHECK(buckets == merged.count());
    CHECK(merged.bucket_count() < 1500); // sparse: the occupied counters only
    CHECK(merged.memory_bytes() < loadkit::histogram{{.significant_digits = 2}}.memory_bytes());
    CHECK_THROWS_AS(merged.value_at_percentile(101.0), std::invalid_argument);
    CHECK(loadkit::sparse_histogram{}.value_at_percentile(50.0) == 0ns);
}

TEST_CASE("interval_series merges adjacent intervals at its cap and keeps every count",
          "[result][interval_series]") {
    loadkit::interval_series series{1s, 8, {}};
    for (int i = 0; i < 100; ++i) {
        loadkit::interval_stats s;
        s.ok = 1;
        s.errors = static_cast<std::uint64_t>(i % 3 == 0);
        series.add(std::chrono::seconds{i}, s);
    }
    CHECK(series.intervals.size() <= 8);
    CHECK(series.width == 16s); // 100 s in at most 8 intervals: 1 -> 2 -> 4 -> 8 -> 16 s
    CHECK(series.total().ok == 100);
    CHECK(series.total().errors == 34);
    CHECK(series.intervals[0].ok == 16);
    CHECK(series.intervals[6].ok == 4); // 96 .. 99 s
    CHECK(series.start_of(6) == 96s);

    // Merging a finer series into a coarser one lands each interval by its start.
    loadkit::interval_series fine{1s, 1024, {}};
    for (int i = 0; i < 40; ++i) {
        loadkit::interval_stats s;
        s.timeouts = 1;
        fine.add(std::chrono::seconds{i}, s);
    }
    series += fine;
    CHECK(series.width == 16s);
    CHECK(series.total().timeouts == 40);
    CHECK(series.intervals[0].timeouts == 16);
    CHECK(series.intervals[2].timeouts == 8);

    // An empty series adopts the other; adding to a series without width throws.
    loadkit::interval_series empty;
    empty += fine;
    CHECK(empty == fine);
    loadkit::interval_series no_width;
    CHECK_THROWS_AS(no_width.add(0s, loadkit::interval_stats{}), std::invalid_argument);
}

TEST_CASE("op_stats defines count, error rate and throughput and merges exactly", "[result][op_stats]") {
    loadkit::op_stats a = stats(90, 5, latencies(95, 3));
    a.timeouts = 5;
    a.dropped = 7;
    a.scheduled = 107;
    a.duration = 10s;
    CHECK(a.count() == 100); // dropped operations never ran
    CHECK(a.accounted() == 107);
    CHECK(a.failed() == 10);
    CHECK(a.error_rate() == Approx(0.10));
    CHECK(a.success_rate() == Approx(0.90));
    CHECK(a.throughput() == Approx(10.0));
    CHECK(loadkit::op_stats{}.error_rate() == 0.0);
    CHECK(loadkit::op_stats{}.throughput() == 0.0);

    loadkit::op_stats b = stats(50, 0, latencies(50, 4));
    b.duration = 12s;
    b.service_time.emplace();
    b.service_time->record(5ms);
    loadkit::op_stats sum = a;
    sum += b;
    CHECK(sum.ok == 140);
    CHECK(sum.dropped == 7);
    CHECK(sum.scheduled == 107); // b's recorder did not count them: 0
    loadkit::op_stats less = sum;
    less -= a;
    CHECK(less.scheduled == 0);
    CHECK(sum.latency == a.latency + b.latency);
    CHECK(sum.duration == 12s); // runners side by side: the longer window
    REQUIRE(sum.service_time);
    CHECK(sum.service_time->count() == 1);

    // An empty side adopts the other's histogram configuration.
    loadkit::op_stats coarse(loadkit::histogram_options{.significant_digits = 2});
    coarse.latency.record(1ms);
    loadkit::op_stats adopt;
    adopt += coarse;
    CHECK(adopt.latency == coarse.latency);
    CHECK_THROWS_AS(a += coarse, std::invalid_argument); // two non-empty histograms of different precision

    const loadkit::latency_summary s = a.summary();
    CHECK(s.count == 95);
    CHECK(s.min <= s.p50);
    CHECK(s.p50 <= s.p90);
    CHECK(s.p90 <= s.p95);
    CHECK(s.p95 <= s.p99);
    CHECK(s.p99 <= s.p999);
    CHECK(s.p999 <= s.max);
    CHECK(s.stddev.count() > 0.0);
}

TEST_CASE("error categories merge exactly and stay bounded (64 categories, 8 messages each)",
          "[result][errors]") {
    loadkit::op_stats a;
    loadkit::op_stats b;
    for (int i = 0; i < 50; ++i) {
        a.error_categories.push_back({"cat" + std::to_string(i), 10, {{"m", 10}}, 0});
        b.error_categories.push_back({"cat" + std::to_string(i + 25), 1, {}, 0}); // 25 shared, 25 new
    }
    a.errors = 500;
    b.errors = 50;
    a += b;
    CHECK(a.errors == 550);
    REQUIRE(a.error_categories.size() == loadkit::max_error_categories + 1); // 75 names -> 64 + "other"
    std::uint64_t total = 0;
    for (const auto& c : a.error_categories) {
        total += c.count;
        CHECK(c.messages.size() <= loadkit::max_error_messages);
    }
    CHECK(total == 550);
    const auto* other = a.find_error(loadkit::other_error_category);
    REQUIRE(other != nullptr);
    CHECK(other->count == 11); // the 11 smallest (count 1) folded into "other"
    for (std::size_t i = 1; i < a.error_categories.size(); ++i) {
        CHECK(a.error_categories[i - 1].name < a.error_categories[i].name);
    }

    // Messages: at most 8 per category, the most frequent kept, the rest counted.
    loadkit::op_stats c;
    loadkit::error_category cat{"http", 0, {}, 0};
    for (int i = 0; i < 12; ++i) {
        cat.messages.push_back({"status " + std::to_string(500 + i), static_cast<std::uint64_t>(i + 1)});
        cat.count += static_cast<std::uint64_t>(i + 1);
    }
    loadkit::op_stats d;
    d.error_categories.push_back(cat);
    c += d;
    const auto* http = c.find_error("http");
    REQUIRE(http != nullptr);
    CHECK(http->messages.size() == 8);
    CHECK(http->other_messages == 1 + 2 + 3 + 4);
    CHECK(http->count == 78);
    CHECK(http->messages.front().text == "status 504");
}

TEST_CASE("run_result merges tags by name, keeps the most severe stop reason and rejects mixed models",
          "[result][run_result]") {
    loadkit::run_result a;
    a.duration = 10s;
    a.reason = loadkit::stop_reason::completed;
    loadkit::tag_result login;
    login.name = "login";
    static_cast<loadkit::op_stats&>(login) = stats(10, 1, latencies(11, 5));
    a.tags.push_back(login);
    a.overall += login;

    loadkit::run_result b;
    b.duration = 12s;
    b.reason = loadkit::stop_reason::slo_abort;
    b.reason_text = "FAIL: p95 < 1ms";
    loadkit::tag_result search;
    search.name = "search";
    static_cast<loadkit::op_stats&>(search) = stats(20, 0, latencies(20, 6));
    b.tags.push_back(search);
    b.tags.push_back(login);
    b.overall += search;
    b.overall += login;

    loadkit::run_result total;
    CHECK(total.empty());
    total += a; // an empty result adopts the other
    CHECK(total == a);
    total += b;
    CHECK(total.duration == 12s);
    CHECK(total.reason == loadkit::stop_reason::slo_abort);
    CHECK(total.reason_text == "FAIL: p95 < 1ms");
    REQUIRE(total.tags.size() == 2);
    CHECK(total.tags[0].name == "login");
    CHECK(total.tags[1].name == "search");
    CHECK(total.find("login")->ok == 20);
    CHECK(total.find("nope") == nullptr);
    CHECK(total.scope("") == &total.overall);
    CHECK(total.overall.count() == 42); // login 11 + search 20 + login 11
    CHECK(total.overall.latency.count() == 42);

    loadkit::run_result open = b;
    open.model = loadkit::latency_model::open;
    CHECK_THROWS_AS(total += open, std::invalid_argument);

    CHECK(std::string(loadkit::to_string(loadkit::stop_reason::deadline)) == "deadline");
    CHECK(std::string(loadkit::to_string(loadkit::stop_reason::running)) == "running");
    CHECK(std::string(loadkit::to_string(loadkit::latency_model::open)) == "open");
    CHECK(loadkit::stop_reason::error > loadkit::stop_reason::slo_abort);
}

TEST_CASE("interval_series rate_of: a partial interval's rate is over its own length, not a whole width",
          "[result][series]") {
    loadkit::interval_series s{1s, 1024, {}};
    loadkit::interval_stats ten;
    ten.ok = 10;
    loadkit::interval_stats five;
    five.ok = 4;
    five.errors = 1;
    s.add(0s, ten);
    s.add(1s, five);
    CHECK(s.length_of(0, 1500ms) == 1s);
    CHECK(s.length_of(1, 1500ms) == 500ms);
    CHECK(s.rate_of(0, 1500ms) == Approx(10.0));
    CHECK(s.rate_of(1, 1500ms) == Approx(10.0)); // 5 in half a second
    CHECK(s.rate_of(1, 1250ms) == Approx(20.0));
    CHECK(s.rate_of(1, 2s) == Approx(5.0));
    CHECK(s.rate_of(1, 5s) == Approx(5.0));     // never longer than the width
    CHECK(s.rate_of(0, 250ms) == Approx(40.0)); // a live view 250 ms into the first interval
    CHECK(s.length_of(1, 1s) == 0ns);           // starts where the series ends: no length...
    CHECK(s.rate_of(1, 1s) == 0.0);             // ...and no rate, rather than a division by zero
}
