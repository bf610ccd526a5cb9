// loadkit/gtest.hpp (or its single header): the matchers judge a run_report by its own verdicts and a
// run_result by a policy; failures print the summary and the verdict lines. The disabled test fails
// on purpose: ctest runs it alone and checks GoogleTest's output (tests/adapters/CMakeLists.txt).
#ifdef LOADKIT_TEST_SINGLE_HEADER
#include <loadkit/loadkit_gtest.hpp>
#else
#include <loadkit/gtest.hpp>
#endif

#include "sample_runs.hpp"

#include <sstream>
#include <string>

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace {

const std::string failing_lines =
    "FAIL: p50 < 1ms (measured 34ms; FAIL at 95% confidence: 1000 of 1000 >= 1ms)\n"
    "PASS: error_rate < 1% (measured 0.3%; PASS at 95% confidence: 3 of 1000 failed)\n"
    "FAILED (exit code 99)";

template <class Matcher, class Run> std::string explain(const Matcher& matcher, const Run& run) {
    ::testing::StringMatchResultListener listener;
    ::testing::ExplainMatchResult(matcher, run, &listener);
    return listener.str();
}

} // namespace

TEST(loadkit_gtest, a_report_that_met_its_objectives_meets_slo) {
    EXPECT_THAT(sample_runs::with_slo(loadkit::slo_policy{"p95 < 200ms", "error_rate < 1%"}),
                loadkit::testing::meets_slo());
    EXPECT_TRUE(loadkit::testing::slo_met(sample_runs::with_slo(loadkit::slo_policy{"p95 < 200ms"})));
}

TEST(loadkit_gtest, a_failed_objective_explains_itself_with_the_verdict_lines) {
    const auto report = sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms", "error_rate < 1%"});
    EXPECT_THAT(report, Not(loadkit::testing::meets_slo()));
    EXPECT_EQ(explain(loadkit::testing::meets_slo(), report), "\n" + failing_lines);
    EXPECT_EQ(::testing::DescribeMatcher<loadkit::run_report>(loadkit::testing::meets_slo()),
              "meets its SLO (objectives, leak check, no stuck operation)");
    const ::testing::AssertionResult verdict = loadkit::testing::slo_met(report);
    EXPECT_FALSE(verdict);
    EXPECT_EQ(std::string(verdict.message()), "\n" + failing_lines);
}

TEST(loadkit_gtest, stuck_operations_and_leaks_fail_a_report) {
    const auto stuck = sample_runs::stuck();
    EXPECT_THAT(stuck, Not(loadkit::testing::meets_slo()));
    EXPECT_THAT(
        explain(loadkit::testing::meets_slo(), stuck),
        HasSubstr("\nFAIL: 1 operation was stuck: checkout / pay, VU 3, iteration 12, running for 31s "
                  "(abandoned)\nFAILED (exit code 98)"));
    const auto leaking = sample_runs::leaking();
    EXPECT_THAT(leaking, Not(loadkit::testing::meets_slo()));
    EXPECT_THAT(explain(loadkit::testing::meets_slo(), leaking), HasSubstr("\nFAIL: leak check: leak: "));
}

TEST(loadkit_gtest, a_result_is_judged_by_the_objectives_given) {
    const auto result = sample_runs::result();
    EXPECT_THAT(result, loadkit::testing::meets_slo("p95 < 200ms", "error_rate < 1%"));
    EXPECT_THAT(result, loadkit::testing::meets_slo(loadkit::slo_policy{"count >= 1000"}));
    EXPECT_THAT(result, Not(loadkit::testing::meets_slo("p50 < 1ms")));
    EXPECT_THAT(result, Not(loadkit::testing::meets_slo("memory_growth < 50MB"))); // no figure: no data
    EXPECT_THAT(result,
                loadkit::testing::meets_slo("memory_growth < 50MB").with({.memory_growth_bytes = 1e6}));
    EXPECT_TRUE(loadkit::testing::slo_met(result, loadkit::slo_policy{"p95 < 200ms"}));
    EXPECT_EQ(::testing::DescribeMatcher<loadkit::run_result>(
                  loadkit::testing::meets_slo("p95 < 200ms", "max < 1s")),
              "meets the SLO p95 < 200ms, max < 1s");
    // A report's result, against objectives of the test's own (the report's leak verdict still counts).
    EXPECT_THAT(sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms"}),
                loadkit::testing::meets_slo("p95 < 1s"));
    EXPECT_THAT(sample_runs::leaking(), Not(loadkit::testing::meets_slo("no_leak")));
}

TEST(loadkit_gtest, readme_example) {
    const loadkit::run_report report = sample_runs::with_slo(loadkit::slo_policy{"p95 < 200ms"});
    // snippet-begin: gtest
    EXPECT_THAT(report, loadkit::testing::meets_slo()); // its own SLO, leak check, stuck operations
    EXPECT_THAT(report.result, loadkit::testing::meets_slo("p95 < 200ms", "error_rate < 1%"));
    EXPECT_TRUE(loadkit::testing::slo_met(report)); // the same verdict as an AssertionResult
    // snippet-end
}

TEST(loadkit_gtest, runs_print_as_their_summary_not_their_bytes) {
    EXPECT_THAT(::testing::PrintToString(sample_runs::result()),
                StartsWith("run_result{1000 ops, 3 failed (0.3%), 100 ops/s, p50 34ms, p95 57ms, p99 59ms, "
                           "completed}"));
    EXPECT_THAT(::testing::PrintToString(sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms"})),
                StartsWith("run_report{\"checkout\": FAILED (exit code 99), 1000 ops, "));
}

TEST(loadkit_gtest_failure, DISABLED_a_failing_slo_prints_the_verdict) {
    EXPECT_THAT(sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms", "error_rate < 1%"}),
                loadkit::testing::meets_slo());
}
