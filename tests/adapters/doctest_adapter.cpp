// loadkit/doctest.hpp (or its single header): meets_slo() judges a run_report by its own verdicts and
// a run_result by a policy, as a value doctest checks and prints. The skipped test case fails on
// purpose: ctest runs it alone and checks doctest's output (tests/adapters/CMakeLists.txt).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#ifdef LOADKIT_TEST_SINGLE_HEADER
#include <loadkit/loadkit_doctest.hpp>
#else
#include <loadkit/doctest.hpp>
#endif

#include "sample_runs.hpp"

#include <string>

namespace {

const std::string failing_lines =
    "FAIL: p50 < 1ms (measured 34ms; FAIL at 95% confidence: 1000 of 1000 >= 1ms)\n"
    "PASS: error_rate < 1% (measured 0.3%; PASS at 95% confidence: 3 of 1000 failed)\n"
    "FAILED (exit code 99)";

template <class T> std::string printed(const T& value) { return doctest::toString(value).c_str(); }

} // namespace

TEST_CASE("doctest: a report that met its objectives meets_slo") {
    CHECK(loadkit::testing::meets_slo(
        sample_runs::with_slo(loadkit::slo_policy{"p95 < 200ms", "error_rate < 1%"})));
    LOADKIT_CHECK_SLO(sample_runs::with_slo(loadkit::slo_policy{"p95 < 200ms"}));
}

TEST_CASE("doctest: a failed objective prints the verdict lines") {
    const auto verdict = loadkit::testing::meets_slo(
        sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms", "error_rate < 1%"}));
    CHECK_FALSE(verdict);
    CHECK(printed(verdict) == "verdict:\n" + failing_lines);
}

TEST_CASE("doctest: stuck operations and leaks fail a report") {
    const auto stuck = loadkit::testing::meets_slo(sample_runs::stuck());
    CHECK_FALSE(stuck);
    CHECK(printed(stuck).find(
              "\nFAIL: 1 operation was stuck: checkout / pay, VU 3, iteration 12, running for 31s "
              "(abandoned)\nFAILED (exit code 98)") != std::string::npos);
    const auto leaking = loadkit::testing::meets_slo(sample_runs::leaking());
    CHECK_FALSE(leaking);
    CHECK(printed(leaking).find("\nFAIL: leak check: leak: ") != std::string::npos);
}

TEST_CASE("doctest: a result is judged by the objectives given") {
    const auto result = sample_runs::result();
    LOADKIT_CHECK_SLO(result, "p95 < 200ms", "error_rate < 1%");
    CHECK(loadkit::testing::meets_slo(result, loadkit::slo_policy{"count >= 1000"}));
    CHECK_FALSE(loadkit::testing::meets_slo(result, "p50 < 1ms"));
    CHECK_FALSE(loadkit::testing::meets_slo(result, "memory_growth < 50MB")); // no figure: no data
    LOADKIT_CHECK_SLO(result, loadkit::slo_policy{"memory_growth < 50MB"}, {.memory_growth_bytes = 1e6});
    // A report's result, against objectives of the test's own (the report's leak verdict still counts).
    LOADKIT_CHECK_SLO(sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms"}), "p95 < 1s");
    CHECK_FALSE(loadkit::testing::meets_slo(sample_runs::leaking(), "no_leak"));
}

TEST_CASE("doctest: readme example") {
    const loadkit::run_report report = sample_runs::with_slo(loadkit::slo_policy{"p95 < 200ms"});
    // snippet-begin: doctest
    CHECK(loadkit::testing::meets_slo(report)); // its own SLO, leak check, stuck operations
    LOADKIT_CHECK_SLO(report.result, "p95 < 200ms", "error_rate < 1%");
    // snippet-end
}

TEST_CASE("doctest: runs print as their summary") {
    CHECK(printed(sample_runs::result()) ==
          "run_result{1000 ops, 3 failed (0.3%), 100 ops/s, p50 34ms, p95 57ms, p99 59ms, completed}");
    CHECK(printed(sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms"}))
              .rfind("run_report{\"checkout\": FAILED (exit code 99), 1000 ops, ", 0) == 0);
}

TEST_CASE("doctest failure: a failing SLO prints the verdict" * doctest::skip()) {
    LOADKIT_CHECK_SLO(sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms", "error_rate < 1%"}));
}
