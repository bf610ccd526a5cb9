// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::slo_policy — objectives on a run_result (result.hpp) and their verdicts.
//
//   using namespace std::chrono_literals;
//   loadkit::slo_policy slo{"p95 < 200ms", "error_rate < 1%", loadkit::throughput() >= 40.0};
//   loadkit::slo_report report = slo.evaluate(result);
//   std::fputs(report.lines().c_str(), stdout);   // PASS: p95 < 200ms (measured 153.2ms; ...)
//   return report.exit_code();                     // 0, or 99 as k6 on a failed threshold
//
// Two verdicts per objective. passed: the plain comparison, as k6 thresholds make it, except that
// "pN < T" and "pN <= T" are judged conservatively at histogram resolution (the N-th percentile's
// counter must lie entirely on the good side of T). statistical: PASS / FAIL / INCONCLUSIVE at the
// objective's confidence (default 95 %) for percentile, fraction_below and rate objectives, from an
// exact one-sided binomial test on the k "bad" operations (latency not within T, or failed) out of
// n against the allowed fraction q: PASS when P(X <= k | n, q) <= 1 - c, FAIL when
// P(X >= k | n, q) <= 1 - c (equivalently, the Clopper–Pearson bound lies below / above q). For
// n = 10,000 and p99 < T: PASS when at most 83 operations are at or above T, FAIL from 118 on.
// Operations are treated as independent trials; latencies under load are autocorrelated, so the
// effective sample is smaller and the confidence somewhat optimistic. Other objectives have no
// sampling model: their statistical verdict repeats the plain one.
// Objectives judge the steady state: operations recorded during the warm-up are not included.
#ifndef LOADKIT_SLO_HPP
#define LOADKIT_SLO_HPP

#include <loadkit/config.hpp>
#include <loadkit/core_types.hpp>
#include <loadkit/objective.hpp>
#include <loadkit/result.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// Inputs that are not in a run_result, supplied by the caller (e.g. from a process probe and the
// leak-trend checker). Objectives on them report "no data" (and fail) while they are empty.
struct slo_context {
    std::optional<double> memory_growth_bytes{}; // e.g. final minus baseline RSS, in bytes
    std::optional<leak_verdict> leak{};          // the leak-trend checker's verdict
};

struct objective_verdict {
    objective target;
    bool has_data = false;
    double measured = std::numeric_limits<double>::quiet_NaN(); // in the objective's unit
    double limit = 0.0;
    bool passed = false;
    verdict statistical = verdict::fail;
    bool binomial = false;    // statistical comes from the binomial test below
    std::uint64_t trials = 0; // n: operations judged
    std::uint64_t bad = 0;    // k: operations not within the latency bound, or failed
    double allowed_bad = 0.0; // q: the fraction of bad operations the objective allows
    double bad_upper = 1.0;   // one-sided Clopper–Pearson bounds on the true bad fraction
    double bad_lower = 0.0;
    std::string line; // "PASS: p95 < 200ms (measured 153.2ms; ...)", plain ASCII
};

struct slo_report {
    std::vector<objective_verdict> verdicts;

    // Every objective passed (plain verdicts).
    [[nodiscard]] bool passed() const noexcept;
    // FAIL if any objective fails at its confidence, else INCONCLUSIVE if any is, else PASS.
    [[nodiscard]] verdict statistical() const noexcept;
    // One line per objective, each ending in '\n'.
    [[nodiscard]] std::string lines() const;
    // 0 when every objective passed, else 99 (k6's exit code for failed thresholds).
    [[nodiscard]] int exit_code() const noexcept { return passed() ? 0 : 99; }
};

// Evaluates one objective on a result (its steady state; the objective's tag or overall).
[[nodiscard]] LOADKIT_DECL objective_verdict evaluate(const objective& o, const run_result& result,
                                                      const slo_context& context = {});

// What should_abort() decided: abort, and the verdict line of the objective that caused it.
struct abort_decision {
    bool abort = false;
    std::string reason;
    explicit operator bool() const noexcept { return abort; }
};

class slo_policy {
public:
    slo_policy() = default;
    // Each argument an objective or text to parse (slo_parse_error on bad text).
    template <class... Objectives>
    requires(sizeof...(Objectives) > 0 && (!std::is_same_v<std::remove_cvref_t<Objectives>, slo_policy> &&
                                           ...)) explicit slo_policy(Objectives&&... objectives) {
        (add(std::forward<Objectives>(objectives)), ...);
    }

    slo_policy& add(objective o);
    slo_policy& add(std::string_view text);
    slo_policy& add(const char* text) { return add(std::string_view(text)); }
    slo_policy& add(const std::string& text) { return add(std::string_view(text)); }

    [[nodiscard]] const std::vector<objective>& objectives() const noexcept { return objectives_; }
    [[nodiscard]] bool empty() const noexcept { return objectives_.empty(); }

    [[nodiscard]] slo_report evaluate(const run_result& result, const slo_context& context = {}) const;

    // For a run engine evaluating a live snapshot (every 1-2 s, as k6 does): abort when an
    // objective marked abort_on_fail fails once `elapsed` has reached its abort_grace (with
    // abort_when_confident: fails at its confidence). An objective without data never aborts.
    [[nodiscard]] abort_decision should_abort(const run_result& partial, std::chrono::nanoseconds elapsed,
                                              const slo_context& context = {}) const;
    // As above, with the partial result's duration as the elapsed time.
    [[nodiscard]] abort_decision should_abort(const run_result& partial,
                                              const slo_context& context = {}) const {
        return should_abort(partial, partial.duration, context);
    }

private:
    std::vector<objective> objectives_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/slo.ipp>
#endif

#endif // LOADKIT_SLO_HPP
