// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::testing::judge — what a test assertion says about a run, for any test framework: whether
// it passed and the verdict lines that say why. The Catch2, GoogleTest and doctest adapters
// (loadkit/catch2.hpp, gtest.hpp, doctest.hpp) print these lines when an assertion fails; with
// another framework, assert on `passed` and print `lines`.
//
//   #include <loadkit/testing/judgement.hpp>                  // opt-in: not part of loadkit.hpp
//   const loadkit::testing::judgement j = loadkit::testing::judge(report);  // its own SLO, leak, stuck
//   if (!j.passed) std::fputs(j.lines.c_str(), stderr);
//   // FAIL: p95 < 200ms (measured 250.1ms; FAIL at 95% confidence: 812 of 10000 >= 200ms)
//   // FAIL: 1 operation was stuck: checkout / pay, VU 3, iteration 12, running for 31.0s (abandoned)
//   // FAILED (exit code 99)
//
// A run_report is judged as run_report::passed() judges it (SLO objectives, the leak check, stuck
// operations, a stop from outside); a run_result carries no verdicts, so a policy judges it.
#ifndef LOADKIT_TESTING_JUDGEMENT_HPP
#define LOADKIT_TESTING_JUDGEMENT_HPP

#include <loadkit/config.hpp>
#include <loadkit/result.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/version.hpp>

#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace testing {

struct judgement {
    bool passed = false;
    // One verdict per line, each ending in '\n', plain ASCII, the last one "PASSED ..." or "FAILED
    // ...": what a failed assertion prints.
    std::string lines;

    explicit operator bool() const noexcept { return passed; }
};

// The run's own verdicts, as run_report::passed(): SLO objectives, leak check, stuck operations and
// a stop from outside; one line each (the stuck ones one per operation, the first 8).
[[nodiscard]] LOADKIT_DECL judgement judge(const run_report& report);
// The policy's verdicts on the result (its steady state); `context` supplies what a result does not
// carry (memory growth, the leak verdict). An empty policy passes, with a line that says so.
[[nodiscard]] LOADKIT_DECL judgement judge(const run_result& result, const slo_policy& policy,
                                           const slo_context& context = {});

// One line for an assertion's "with expansion": counts, error rate, throughput, p50/p95/p99 and how
// the run ended, e.g. "run_result{1000 ops, 3 failed (0.3%), 100 ops/s, p50 34ms, p95 57ms, p99
// 59ms, completed}".
[[nodiscard]] LOADKIT_DECL std::string summary(const run_result& result);
// As above, with the title and the verdict: run_report{"checkout": FAILED (exit code 99), 1000 ops,
// ...}.
[[nodiscard]] LOADKIT_DECL std::string summary(const run_report& report);

} // namespace testing
} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/judgement.ipp>
#endif

#endif // LOADKIT_TESTING_JUDGEMENT_HPP
