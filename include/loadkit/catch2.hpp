// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Optional Catch2 adapter (never included by loadkit.hpp nor in the core single header): SLO
// objectives as a Catch2 matcher, for Catch2 v3 (<catch2/matchers/catch_matchers.hpp>) or v2
// (<catch2/catch.hpp>), whichever the including project uses.
//
//   REQUIRE_THAT(result, loadkit::meets("p95 < 200ms", "error_rate < 1%"));
//   CHECK_THAT(result, loadkit::meets(loadkit::p(99) < 1s).with({.memory_growth_bytes = growth}));
//
// On failure Catch2 prints the result's summary and one verdict line per objective:
//   result meets the SLO:
//     FAIL: p95 < 200ms (measured 250.1ms; FAIL at 95% confidence: 812 of 10000 >= 200ms)
//     PASS: error_rate < 1% (measured 0.2%; PASS at 95% confidence: 20 of 10000 failed)
// The matcher passes when every objective passes (plain verdicts, as slo_report::passed()).
#ifndef LOADKIT_CATCH2_HPP
#define LOADKIT_CATCH2_HPP

#if __has_include(<catch2/matchers/catch_matchers.hpp>)
#include <catch2/catch_tostring.hpp>
#include <catch2/matchers/catch_matchers.hpp>
#define LOADKIT_CATCH2_MATCHER_BASE ::Catch::Matchers::MatcherBase
#elif __has_include(<catch2/catch.hpp>)
#include <catch2/catch.hpp>
#define LOADKIT_CATCH2_MATCHER_BASE ::Catch::MatcherBase
#else
#error "loadkit/catch2.hpp needs Catch2 (v3: <catch2/matchers/catch_matchers.hpp>, v2: <catch2/catch.hpp>)"
#endif

#include <loadkit/result.hpp>
#include <loadkit/slo.hpp>

#include <cstdio>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

class slo_matcher : public LOADKIT_CATCH2_MATCHER_BASE<run_result> {
public:
    explicit slo_matcher(slo_policy policy) : policy_(std::move(policy)) {}

    // Inputs the result does not carry (memory growth, the leak verdict).
    [[nodiscard]] slo_matcher with(slo_context context) && {
        context_ = std::move(context);
        return std::move(*this);
    }

    bool match(const run_result& result) const override {
        report_ = policy_.evaluate(result, context_);
        evaluated_ = true;
        return report_.passed();
    }

    // After match(): the verdict lines; before: the objectives.
    std::string describe() const override {
        std::string out = "meets the SLO:";
        if (evaluated_) {
            for (const auto& v : report_.verdicts) {
                out += "\n  " + v.line;
            }
        } else {
            for (const auto& o : policy_.objectives()) {
                out += "\n  " + o.text();
            }
        }
        return out;
    }

    [[nodiscard]] const slo_report& report() const noexcept { return report_; }

private:
    slo_policy policy_;
    slo_context context_{};
    mutable slo_report report_{};
    mutable bool evaluated_ = false;
};

// Each argument an objective or its text ("p95 < 200ms"); bad text throws slo_parse_error.
template <class... Objectives> [[nodiscard]] slo_matcher meets(Objectives&&... objectives) {
    return slo_matcher(slo_policy(std::forward<Objectives>(objectives)...));
}
[[nodiscard]] inline slo_matcher meets(slo_policy policy) { return slo_matcher(std::move(policy)); }

} // namespace v0_1
} // namespace loadkit

// How Catch2 prints a run_result in an assertion: the overall figures, one line.
template <> struct Catch::StringMaker<loadkit::run_result> {
    static std::string convert(const loadkit::run_result& r) {
        const auto& all = r.overall;
        char text[256];
        std::snprintf(
            text, sizeof text,
            "run_result{%llu ops, %llu failed (%.3g%%), %.4g ops/s, p50 %.4gms, p95 %.4gms, p99 %.4gms, %s}",
            static_cast<unsigned long long>(all.count()), static_cast<unsigned long long>(all.failed()),
            100.0 * all.error_rate(), all.throughput(),
            static_cast<double>(all.latency.value_at_percentile(50.0).count()) / 1e6,
            static_cast<double>(all.latency.value_at_percentile(95.0).count()) / 1e6,
            static_cast<double>(all.latency.value_at_percentile(99.0).count()) / 1e6,
            loadkit::to_string(r.reason));
        return text;
    }
};

#undef LOADKIT_CATCH2_MATCHER_BASE

#endif // LOADKIT_CATCH2_HPP
