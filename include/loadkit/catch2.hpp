// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Optional Catch2 adapter (never included by loadkit.hpp nor in the core single header; its single
// header is single_include/loadkit/loadkit_catch2.hpp): a run's verdicts as Catch2 matchers.
//
//   REQUIRE_THAT(report, loadkit::testing::meets_slo());     // the run's own SLO, leak check, stuck ops
//   REQUIRE_THAT(result, loadkit::meets("p95 < 200ms", "error_rate < 1%"));       // a policy on a result
//   CHECK_THAT(result, loadkit::meets(loadkit::p(99) < 1s).with({.memory_growth_bytes = growth}));
//
// On failure Catch2 prints the run's summary and the verdict lines (testing/judgement.hpp):
//   REQUIRE_THAT( report, loadkit::testing::meets_slo() )
//   with expansion:
//     run_report{FAILED (exit code 99), 10000 ops, ...} meets its SLO:
//       FAIL: p95 < 200ms (measured 250.1ms; FAIL at 95% confidence: 812 of 10000 >= 200ms)
//       PASS: error_rate < 1% (measured 0.2%; PASS at 95% confidence: 20 of 10000 failed)
//       FAILED (exit code 99)
// meets(...) and meets_slo(...) with objectives are the same matcher; on a run_report it judges the
// report's result, with the report's leak verdict unless .with() supplies one.
//
// Catch2 v2 (installed <catch2/catch.hpp> or a vendored catch.hpp) or v3 (installed, or the
// amalgamated catch_amalgamated.hpp): whichever the including file already included, known by the
// macros it defined; only when none is, the first found of v3, v3 amalgamated, v2.
#ifndef LOADKIT_CATCH2_HPP
#define LOADKIT_CATCH2_HPP

#if defined(CATCH_AMALGAMATED_HPP_INCLUDED)
#define LOADKIT_CATCH2_MAJOR 3 // everything in one header, already read
#elif (defined(CATCH_VERSION_MAJOR) && CATCH_VERSION_MAJOR >= 3) ||                                          \
    defined(CATCH_TEST_MACROS_HPP_INCLUDED) || defined(CATCH_ALL_HPP_INCLUDED) ||                            \
    defined(CATCH_MATCHERS_HPP_INCLUDED) || defined(CATCH_SESSION_HPP_INCLUDED)
#define LOADKIT_CATCH2_MAJOR 3 // v3's own headers (installed): add the two this adapter uses
#include <catch2/catch_tostring.hpp>
#include <catch2/matchers/catch_matchers.hpp>
#elif defined(CATCH_VERSION_MAJOR) || defined(TWOBLUECUBES_SINGLE_INCLUDE_CATCH_HPP_INCLUDED) ||             \
    defined(TWOBLUECUBES_CATCH_HPP_INCLUDED)
#define LOADKIT_CATCH2_MAJOR 2 // v2's one header, installed or vendored, already read
#elif __has_include(<catch2/catch_test_macros.hpp>)
#define LOADKIT_CATCH2_MAJOR 3
#include <catch2/catch_tostring.hpp>
#include <catch2/matchers/catch_matchers.hpp>
#elif __has_include("catch_amalgamated.hpp")
#define LOADKIT_CATCH2_MAJOR 3
#include "catch_amalgamated.hpp"
#elif __has_include(<catch2/catch.hpp>)
#define LOADKIT_CATCH2_MAJOR 2
#include <catch2/catch.hpp>
#elif __has_include("catch.hpp")
#define LOADKIT_CATCH2_MAJOR 2
#include "catch.hpp"
#else
#error "loadkit/catch2.hpp needs Catch2: include it first (v2 catch.hpp, v3 headers or catch_amalgamated.hpp)"
#endif

#include <loadkit/result.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/testing/judgement.hpp>

#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
namespace testing {
// Each adapter's names in an inline namespace of its own: one spelling in every framework, and two
// adapters in one program (two frameworks) do not define one function twice.
inline namespace catch2_adapter {

#if LOADKIT_CATCH2_MAJOR >= 3
template <class T> using catch2_matcher_base = ::Catch::Matchers::MatcherBase<T>;
#else
template <class T> using catch2_matcher_base = ::Catch::MatcherBase<T>;
#endif

// Indents the verdict lines under the matcher's name, without the last line end.
inline std::string catch2_describe(const char* what, const std::string& lines) {
    std::string out = what;
    out += ":";
    std::size_t begin = 0;
    while (begin < lines.size()) {
        const std::size_t end = lines.find('\n', begin);
        out += "\n  " + lines.substr(begin, end - begin);
        begin = end == std::string::npos ? lines.size() : end + 1;
    }
    return out;
}

// A run_report against its own verdicts (run_report::passed()).
class report_matcher : public catch2_matcher_base<run_report> {
public:
    bool match(const run_report& report) const override {
        judgement_ = judge(report);
        return judgement_.passed;
    }
    // After match(): the verdict lines; before: what it checks.
    std::string describe() const override {
        return judgement_.lines.empty() ? "meets its SLO"
                                        : catch2_describe("meets its SLO", judgement_.lines);
    }
    [[nodiscard]] const judgement& last() const noexcept { return judgement_; }

private:
    // Catch2 calls match() on a const matcher, then describe(): the verdict is kept between them.
    mutable judgement judgement_{};
};

// A run_result (or a run_report's result) against a policy.
class slo_matcher : public catch2_matcher_base<run_result> {
public:
    explicit slo_matcher(slo_policy policy) : policy_(std::move(policy)) {}

    // Inputs the result does not carry (memory growth, the leak verdict).
    [[nodiscard]] slo_matcher with(slo_context context) && {
        context_ = std::move(context);
        has_context_ = true;
        return std::move(*this);
    }

    bool match(const run_result& result) const override { return keep(judge(result, policy_, context_)); }
    // Catch2 calls match() on the matcher's own type, so a run_report needs no matcher of its own.
    bool match(const run_report& report) const {
        slo_context context = context_;
        if (!has_context_ && report.leak) {
            context.leak = report.leak->verdict;
        }
        return keep(judge(report.result, policy_, context));
    }

    // After match(): the verdict lines; before: the objectives.
    std::string describe() const override {
        if (!judgement_.lines.empty()) {
            return catch2_describe("meets the SLO", judgement_.lines);
        }
        std::string out = "meets the SLO:";
        for (const auto& o : policy_.objectives()) {
            out += "\n  " + o.text();
        }
        return out;
    }
    [[nodiscard]] const judgement& last() const noexcept { return judgement_; }

private:
    bool keep(judgement j) const {
        judgement_ = std::move(j);
        return judgement_.passed;
    }

    slo_policy policy_;
    slo_context context_{};
    bool has_context_ = false;
    mutable judgement judgement_{};
};

[[nodiscard]] inline report_matcher meets_slo() { return {}; }
// Each argument an objective or its text ("p95 < 200ms"); bad text throws slo_parse_error.
template <class... Objectives>
requires(sizeof...(Objectives) > 0) [[nodiscard]] slo_matcher meets_slo(Objectives&&... objectives) {
    return slo_matcher(slo_policy(std::forward<Objectives>(objectives)...));
}
[[nodiscard]] inline slo_matcher meets_slo(slo_policy policy) { return slo_matcher(std::move(policy)); }

} // namespace catch2_adapter
} // namespace testing

// The first spelling (loadkit 0.1): loadkit::meets(...) on a run_result.
using testing::catch2_adapter::slo_matcher;
template <class... Objectives> [[nodiscard]] slo_matcher meets(Objectives&&... objectives) {
    return testing::meets_slo(std::forward<Objectives>(objectives)...);
}

} // namespace v0_1
} // namespace loadkit

// How Catch2 prints a run in an assertion's expansion: one line (testing::summary).
template <> struct Catch::StringMaker<loadkit::run_result> {
    static std::string convert(const loadkit::run_result& r) { return loadkit::testing::summary(r); }
};
template <> struct Catch::StringMaker<loadkit::run_report> {
    static std::string convert(const loadkit::run_report& r) { return loadkit::testing::summary(r); }
};

#endif // LOADKIT_CATCH2_HPP
