#include "catch.hpp"

#include <loadkit/catch2.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/run_report.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

namespace {

// 1,000 operations over 10 s, latencies 10 .. 59 ms, 3 failed.
loadkit::run_result sample_result() {
    const loadkit::recorder::time_point t0{};
    loadkit::recorder rec{t0};
    const auto op = rec.tag("op");
    for (int i = 0; i < 1000; ++i) {
        const auto what = i % 400 == 7 ? loadkit::outcome::error("http", "503") : loadkit::outcome::ok();
        rec.local().record(op, what, std::chrono::milliseconds{10 + i % 50});
    }
    return rec.finish(t0 + 10s);
}

} // namespace

TEST_CASE("REQUIRE_THAT(result, loadkit::meets(...)) passes a result that meets every objective",
          "[catch2_adapter]") {
    const auto result = sample_result();
    REQUIRE_THAT(result, loadkit::meets("p95 < 200ms", "error_rate < 1%"));
    CHECK_THAT(result,
               loadkit::meets(loadkit::p(99) < 1s, loadkit::throughput() >= 40.0, "login: p95 < 1s") ||
                   loadkit::meets("max < 1s"));
    CHECK_THAT(result, !loadkit::meets("p50 < 1ms"));
    CHECK_THAT(result, loadkit::meets(loadkit::slo_policy{"count >= 1000"}));
}

TEST_CASE("a failing loadkit::meets() describes itself with every verdict line", "[catch2_adapter]") {
    const auto result = sample_result();
    const auto matcher = loadkit::meets("p50 < 1ms", "error_rate < 1%");
    CHECK(matcher.describe() == "meets the SLO:\n  p50 < 1ms\n  error_rate < 1%"); // before matching
    CHECK_FALSE(matcher.match(result));
    const std::string description = matcher.describe();
    CHECK(description.rfind("meets the SLO:\n  FAIL: p50 < 1ms (measured ", 0) == 0);
    CHECK(description.find("\n  PASS: error_rate < 1% (measured 0.3%") != std::string::npos);
    CHECK(description.find("\n  FAILED (exit code 99)") != std::string::npos);
    CHECK(matcher.last().lines.find("\nFAILED (exit code 99)\n") != std::string::npos);
    CHECK_THROWS_AS(loadkit::meets("p50 < 1 lightyear"), loadkit::slo_parse_error);
}

TEST_CASE("loadkit::meets().with() supplies memory growth and the leak verdict", "[catch2_adapter]") {
    const auto result = sample_result();
    CHECK_THAT(result, loadkit::meets("memory_growth < 50MB", "no_leak")
                           .with({.memory_growth_bytes = 1e6, .leak = loadkit::leak_verdict::no_leak}));
    CHECK_THAT(result, !loadkit::meets("memory_growth < 50MB")); // no figure supplied: no data fails
}

TEST_CASE("Catch2 prints a run_result as a one-line summary", "[catch2_adapter]") {
    const std::string text = Catch::StringMaker<loadkit::run_result>::convert(sample_result());
    CHECK(text ==
          "run_result{1000 ops, 3 failed (0.3%), 100 ops/s, p50 34ms, p95 57ms, p99 59ms, completed}");
    loadkit::run_report report;
    report.title = "checkout";
    report.result = sample_result();
    CHECK(Catch::StringMaker<loadkit::run_report>::convert(report) ==
          "run_report{\"checkout\": PASSED (exit code 0), 1000 ops, 3 failed (0.3%), 100 ops/s, p50 34ms, "
          "p95 57ms, "
          "p99 59ms, completed}");
}

TEST_CASE("REQUIRE_THAT(report, loadkit::testing::meets_slo()) judges the report's own SLO, leak and stuck "
          "verdicts",
          "[catch2_adapter]") {
    loadkit::run_report report;
    report.result = sample_result();
    report.slo = loadkit::slo_policy{"p95 < 200ms"}.evaluate(report.result);
    REQUIRE_THAT(report, loadkit::testing::meets_slo());
    CHECK_THAT(report, loadkit::meets("p50 < 1s")); // objectives of the test's own, on the report's result

    report.stuck.push_back({.scenario = "checkout",
                            .tag = "pay",
                            .virtual_user = 3,
                            .iteration = 12,
                            .elapsed = 31s,
                            .abandoned = true,
                            .finished = false});
    const auto matcher = loadkit::testing::meets_slo();
    CHECK(matcher.describe() == "meets its SLO");
    CHECK_FALSE(matcher.match(report));
    CHECK(matcher.describe() ==
          "meets its SLO:\n  PASS: p95 < 200ms (measured 57ms; PASS at 95% confidence: 0 of 1000 >= 200ms)\n"
          "  FAIL: 1 operation was stuck: checkout / pay, VU 3, iteration 12, running for 31s (abandoned)\n"
          "  FAILED (exit code 98)");
}
