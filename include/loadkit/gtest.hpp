// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Optional GoogleTest / gMock adapter (never included by loadkit.hpp nor in the core single header;
// its single header is single_include/loadkit/loadkit_gtest.hpp): a run's verdicts as a gMock
// matcher, and runs printed as their summary instead of their bytes.
//
//   EXPECT_THAT(report, loadkit::testing::meets_slo());   // the run's own SLO, leak check, stuck ops
//   EXPECT_THAT(result, loadkit::testing::meets_slo("p95 < 200ms", "error_rate < 1%"));
//   EXPECT_THAT(result, loadkit::testing::meets_slo(loadkit::p(99) < 1s).with({.memory_growth_bytes = g}));
//   EXPECT_TRUE(loadkit::testing::slo_met(report));        // the same verdict as an AssertionResult
//
// A failure prints the summary and the verdict lines (testing/judgement.hpp):
//   Value of: report
//   Expected: meets its SLO (objectives, leak check, no stuck operation)
//     Actual: run_report{FAILED (exit code 99), 1000 ops, ...},
//   FAIL: p50 < 1ms (measured 34.05ms; FAIL at 95% confidence: 1000 of 1000 >= 1ms)
//   FAILED (exit code 99)
// meets_slo(...) with objectives judges a run_result, or a run_report's result with the report's
// leak verdict unless .with() supplies one.
#ifndef LOADKIT_GTEST_HPP
#define LOADKIT_GTEST_HPP

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <loadkit/result.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/testing/judgement.hpp>

#include <ostream>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

// GoogleTest finds these by argument-dependent lookup: failures print the summary, not
// "688-byte object <01-01 6B-C6 ...>".
inline void PrintTo(const run_result& result, std::ostream* os) { *os << testing::summary(result); }
inline void PrintTo(const run_report& report, std::ostream* os) { *os << testing::summary(report); }

namespace testing {
// Each adapter's names in an inline namespace of its own: one spelling in every framework, and two
// adapters in one program (two frameworks) do not define one function twice.
inline namespace gtest_adapter {

// The verdict lines from a fresh line, without the last line end (GoogleTest adds its own).
inline std::string gtest_lines(const judgement& j) {
    std::string out = "\n" + j.lines;
    if (out.back() == '\n') {
        out.pop_back();
    }
    return out;
}

// The explanation gMock prints after "Actual: <value>".
inline bool gtest_explain(const judgement& j, ::testing::MatchResultListener* listener) {
    if (listener->IsInterested()) {
        *listener << gtest_lines(j);
    }
    return j.passed;
}

// A run_report against its own verdicts (run_report::passed()).
class report_matcher {
public:
    using is_gtest_matcher = void; // GoogleTest >= 1.11: a matcher without a MatcherInterface
    bool MatchAndExplain(const run_report& report, ::testing::MatchResultListener* listener) const {
        return gtest_explain(judge(report), listener);
    }
    void DescribeTo(std::ostream* os) const {
        *os << "meets its SLO (objectives, leak check, no stuck operation)";
    }
    void DescribeNegationTo(std::ostream* os) const { *os << "fails its SLO, leak check or stuck check"; }
};

// A run_result (or a run_report's result) against a policy.
class slo_matcher {
public:
    using is_gtest_matcher = void;
    explicit slo_matcher(slo_policy policy) : policy_(std::move(policy)) {}

    // Inputs the result does not carry (memory growth, the leak verdict).
    [[nodiscard]] slo_matcher with(slo_context context) && {
        context_ = std::move(context);
        has_context_ = true;
        return std::move(*this);
    }

    bool MatchAndExplain(const run_result& result, ::testing::MatchResultListener* listener) const {
        return gtest_explain(judge(result, policy_, context_), listener);
    }
    bool MatchAndExplain(const run_report& report, ::testing::MatchResultListener* listener) const {
        slo_context context = context_;
        if (!has_context_ && report.leak) {
            context.leak = report.leak->verdict;
        }
        return gtest_explain(judge(report.result, policy_, context), listener);
    }
    void DescribeTo(std::ostream* os) const { describe(os, "meets the SLO"); }
    void DescribeNegationTo(std::ostream* os) const { describe(os, "fails the SLO"); }

private:
    void describe(std::ostream* os, const char* what) const {
        *os << what;
        const char* separator = " ";
        for (const auto& o : policy_.objectives()) {
            *os << separator << o.text();
            separator = ", ";
        }
    }

    slo_policy policy_;
    slo_context context_{};
    bool has_context_ = false;
};

[[nodiscard]] inline report_matcher meets_slo() { return {}; }
// Each argument an objective or its text ("p95 < 200ms"); bad text throws slo_parse_error.
template <class... Objectives>
requires(sizeof...(Objectives) > 0) [[nodiscard]] slo_matcher meets_slo(Objectives&&... objectives) {
    return slo_matcher(slo_policy(std::forward<Objectives>(objectives)...));
}
[[nodiscard]] inline slo_matcher meets_slo(slo_policy policy) { return slo_matcher(std::move(policy)); }

// For EXPECT_TRUE / ASSERT_TRUE: the verdict lines as the failure message.
[[nodiscard]] inline ::testing::AssertionResult gtest_result(const judgement& j) {
    return (j.passed ? ::testing::AssertionSuccess() : ::testing::AssertionFailure()) << gtest_lines(j);
}
[[nodiscard]] inline ::testing::AssertionResult slo_met(const run_report& report) {
    return gtest_result(judge(report));
}
[[nodiscard]] inline ::testing::AssertionResult slo_met(const run_result& result, const slo_policy& policy,
                                                        const slo_context& context = {}) {
    return gtest_result(judge(result, policy, context));
}

} // namespace gtest_adapter
} // namespace testing
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_GTEST_HPP
