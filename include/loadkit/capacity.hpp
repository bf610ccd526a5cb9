// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::find_capacity — the highest arrival rate that still meets an SLO ("sustainable
// throughput", as Gil Tene recommends reporting instead of saturation throughput; MLPerf LoadGen's
// FindPeakPerformance does the same search on a p99 bound).
//
//   auto report = loadkit::find_capacity(
//       {.start_rate = 50, .step_duration = 10s, .slo = loadkit::slo_policy{"p99 < 50ms", "error_rate <
//       1%"}}, loadkit::operation{"checkout", checkout});
//   std::printf("sustainable: %.0f/s\n", *report.capacity->sustainable);
//
// The search runs constant_rate steps: the rate grows by `growth` from start_rate until a step
// fails, then bisects between the last pass and the first failure until they are within
// `precision` of each other. A step passes when every SLO objective passes (plain verdicts) and the
// achieved throughput is at least min_achieved_ratio of the offered rate (a generator or target that
// cannot keep up fails the step; dropped arrivals count against it). The report's capacity curve
// holds every step (the throughput/latency curve), the sustainable rate and the knee: the highest
// offered rate, below the first failure, whose p99 stays within knee_factor of the p99 at the
// lowest rate tried — where latency starts to climb faster than load. The report's result and SLO
// verdicts are those of the sustainable step.
#ifndef LOADKIT_CAPACITY_HPP
#define LOADKIT_CAPACITY_HPP

#include <loadkit/config.hpp>
#include <loadkit/engine.hpp>
#include <loadkit/operation.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/scenario.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

struct capacity_options {
    double start_rate = 10.0; // operations per second of the first step, > 0
    double max_rate = 1e7;    // the search never offers more
    double growth = 2.0;      // > 1: the rate multiplies by it until a step fails
    double precision = 0.05;  // > 0: bisect until (first failure - last pass) <= precision * last pass
    std::chrono::nanoseconds step_duration = std::chrono::seconds{10};
    std::chrono::nanoseconds step_warmup{}; // excluded from each step's verdict
    std::uint64_t max_in_flight = 1000;
    slo_policy slo{};                 // what "sustainable" means; required
    double min_achieved_ratio = 0.95; // 0 < r <= 1
    double knee_factor = 2.0;         // > 1
    std::size_t max_steps = 40;
    run_options run{}; // threads, timeouts etc. of each step (its slo and warmup are replaced)
    std::function<void(const capacity_step&)> on_step{}; // told after each step (progress)
};

namespace detail {
// The knee of a capacity curve (see the top of this header); declared for tests.
[[nodiscard]] LOADKIT_DECL std::optional<double> find_knee(std::vector<capacity_step> steps, double factor);
} // namespace detail

// Searches the arrival rate for `work` (its profile is replaced by each step's constant_rate).
// Throws std::invalid_argument naming the field for invalid options or scenario.
LOADKIT_DECL run_report find_capacity(const capacity_options& options, const scenario& work);
// The same for one operation: the scenario takes the operation's name.
LOADKIT_DECL run_report find_capacity(const capacity_options& options, operation op);

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/capacity.ipp>
#endif

#endif // LOADKIT_CAPACITY_HPP
