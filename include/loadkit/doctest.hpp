// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Optional doctest adapter (never included by loadkit.hpp nor in the core single header; its single
// header is single_include/loadkit/loadkit_doctest.hpp): a run's verdict as a value doctest checks
// and prints, and runs printed as their summary.
//
//   CHECK(loadkit::testing::meets_slo(report));          // the run's own SLO, leak check, stuck ops
//   CHECK(loadkit::testing::meets_slo(result, "p95 < 200ms", "error_rate < 1%"));
//   LOADKIT_REQUIRE_SLO(result, loadkit::slo_policy{"p99 < 1s"}, {.memory_growth_bytes = growth});
//
// A failure prints the verdict lines (testing/judgement.hpp):
//   ERROR: CHECK( loadkit::testing::meets_slo(report) ) is NOT correct!
//     values: CHECK( verdict:
//     FAIL: p50 < 1ms (measured 34ms; FAIL at 95% confidence: 1000 of 1000 >= 1ms)
//     PASS: error_rate < 1% (measured 0.3%; PASS at 95% confidence: 3 of 1000 failed)
//     FAILED (exit code 99) )
// meets_slo(report, objectives...) judges the report's result, with the report's leak verdict.
#ifndef LOADKIT_DOCTEST_HPP
#define LOADKIT_DOCTEST_HPP

#if defined(DOCTEST_LIBRARY_INCLUDED)
// already read (installed or vendored): nothing to include
#elif __has_include(<doctest/doctest.h>)
#include <doctest/doctest.h>
#elif __has_include("doctest.h")
#include "doctest.h"
#else
#error "loadkit/doctest.hpp needs doctest: include doctest.h first"
#endif

#include <loadkit/result.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/testing/judgement.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
namespace testing {
// Each adapter's names in an inline namespace of its own: one spelling in every framework, and two
// adapters in one program (two frameworks) do not define one function twice.
inline namespace doctest_adapter {

// doctest checks a judgement (explicit operator bool) and prints it with the StringMaker below.
[[nodiscard]] inline judgement meets_slo(const run_report& report) { return judge(report); }
[[nodiscard]] inline judgement meets_slo(const run_result& result, const slo_policy& policy,
                                         const slo_context& context = {}) {
    return judge(result, policy, context);
}
[[nodiscard]] inline judgement meets_slo(const run_report& report, const slo_policy& policy) {
    slo_context context;
    if (report.leak) {
        context.leak = report.leak->verdict;
    }
    return judge(report.result, policy, context);
}
// Each objective an objective or its text ("p95 < 200ms"); bad text throws slo_parse_error.
template <class Run, class... Objectives>
requires(sizeof...(Objectives) > 0 &&
         (std::is_same_v<std::remove_cvref_t<Run>, run_result> ||
          std::is_same_v<std::remove_cvref_t<Run>,
                         run_report>)&&(!std::is_same_v<std::remove_cvref_t<Objectives>, slo_policy> && ...))
    [[nodiscard]] judgement meets_slo(const Run& run, Objectives&&... objectives) {
    return meets_slo(run, slo_policy(std::forward<Objectives>(objectives)...));
}

} // namespace doctest_adapter
} // namespace testing
} // namespace v0_1
} // namespace loadkit

// CHECK(meets_slo(...)) with a name that says what is checked; the arguments are meets_slo's.
#define LOADKIT_CHECK_SLO(...) CHECK(::loadkit::testing::meets_slo(__VA_ARGS__))
#define LOADKIT_REQUIRE_SLO(...) REQUIRE(::loadkit::testing::meets_slo(__VA_ARGS__))

// How doctest prints runs and verdicts in a failed check's "values:".
template <> struct doctest::StringMaker<loadkit::run_result> {
    static doctest::String convert(const loadkit::run_result& r) {
        return doctest::String(loadkit::testing::summary(r).c_str());
    }
};
template <> struct doctest::StringMaker<loadkit::run_report> {
    static doctest::String convert(const loadkit::run_report& r) {
        return doctest::String(loadkit::testing::summary(r).c_str());
    }
};
template <> struct doctest::StringMaker<loadkit::testing::judgement> {
    static doctest::String convert(const loadkit::testing::judgement& j) {
        std::string text = "verdict:\n" + j.lines;
        if (text.back() == '\n') {
            text.pop_back(); // doctest closes the value with " )"
        }
        return doctest::String(text.c_str());
    }
};

#endif // LOADKIT_DOCTEST_HPP
