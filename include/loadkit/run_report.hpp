// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::run_report — everything one load test produced, as plain data: the measured result
// (result.hpp), the verdicts read from it (SLO policy, leak trend), the resources sampled while it
// ran, operations that were stuck, and the throughput/latency curve of a capacity search. The run
// engine (engine.hpp) fills it; reporters (report/*.hpp) write it; nothing here computes.
//
//   loadkit::run_report report = loadkit::run(options, scenario);
//   if (!report.passed()) { ... }   // SLO objectives, leak verdict and stuck operations together
#ifndef LOADKIT_RUN_REPORT_HPP
#define LOADKIT_RUN_REPORT_HPP

#include <loadkit/config.hpp>
#include <loadkit/leak.hpp>
#include <loadkit/process.hpp>
#include <loadkit/result.hpp>
#include <loadkit/segment.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// One scenario of the run, as configured: what a report prints above the numbers.
struct scenario_summary {
    std::string name;
    std::string profile;                         // e.g. "constant_rate 500/s for 30s, max_in_flight 256"
    latency_model model = latency_model::closed; // closed: latency is closed-loop (see result.hpp)
    std::chrono::nanoseconds start_offset{};     // from the run's start
    std::vector<std::string> operations;         // tag names, e.g. "search (weight 10)"
};

// An operation that ran past the hang limit (or through the stall limit with no completion).
// One that then finished was slow, not hung: it is listed with `finished` (the first 64 such; the
// rest are counted in run_report::past_hang_limit) and does not fail the run. One still running
// when the run ended was abandoned: the run gave up on it (it ignored its cancellation, or ran past
// its timeout or hang limit plus cancel_grace) and counted it as a timeout.
struct stuck_operation {
    std::string scenario;
    std::string tag;
    std::uint64_t virtual_user = 0;
    std::uint64_t iteration = 0;
    std::chrono::nanoseconds elapsed{}; // how long it ran (finished), or had run when the run ended
    bool abandoned = false;             // still running when the run returned (could not be cancelled)
    bool finished = false;              // finished after it was reported: slow, not hung
};

// One level of a capacity search: the load offered, what came back, and the SLO's verdict on it.
struct capacity_step {
    double offered_rate = 0.0;  // operations per second asked for (or virtual users, see capacity_curve)
    double achieved_rate = 0.0; // completed operations per second
    std::chrono::nanoseconds p50{};
    std::chrono::nanoseconds p95{};
    std::chrono::nanoseconds p99{};
    double error_rate = 0.0; // (errors + timeouts + dropped) / all, 0..1
    bool passed = false;
    std::string verdict; // the first failing objective's line, or "PASS"
};

// The throughput/latency curve of a capacity search, in the order the levels were run.
struct capacity_curve {
    std::string unit = "ops/s"; // of offered_rate: "ops/s" (arrival rate) or "VUs"
    std::vector<capacity_step> steps;
    std::optional<double> sustainable; // highest offered load that met the SLO
    std::optional<double> knee;        // where latency starts to climb faster than load
    std::string objective;             // the SLO the search held, as text
};

// What a live view shows at each refresh (engine_options::on_progress; report/progress.hpp
// renders it on a terminal).
struct run_progress {
    std::chrono::nanoseconds elapsed{};                // since the run's start
    std::optional<std::chrono::nanoseconds> planned{}; // the planned length, when the profiles fix one
    std::uint64_t completed = 0;                       // finished operations (ok, errors, timeouts)
    std::uint64_t errors = 0;                          // errors and timeouts among them
    std::uint64_t dropped = 0;                         // never started (open model at max_in_flight)
    std::uint64_t in_flight = 0;                       // running now
    double rate = 0.0; // completions per second in the last closed interval (the first: so far)
    std::chrono::nanoseconds p95_last{}; // p95 latency of the last interval
    bool warming_up = false;
    std::string phase; // what runs now, e.g. "checkout: ramping_vus stage 2/3 (50 VUs)"
};

struct run_report {
    std::string title;                               // the run's name; "" when not given
    std::chrono::system_clock::time_point started{}; // wall clock at the start (for logs)
    std::vector<scenario_summary> scenarios;
    run_result result;
    std::optional<slo_report> slo;          // present when the run had objectives
    std::vector<process_sample> resources;  // sampled during the run, oldest first
    std::optional<leak_report> leak;        // present when a leak check ran on the samples
    std::vector<stuck_operation> stuck;     // hang watchdog findings
    std::uint64_t past_hang_limit = 0;      // operations that ran past the hang limit, then finished
    std::optional<capacity_curve> capacity; // present for a capacity search
    // Present when the run was given an execution segment (run_options::segment): which part of the
    // whole test this report holds, and where that came from (an option, LOADKIT_SEGMENT, a launcher).
    std::optional<segment_assignment> segment;
    std::optional<std::chrono::system_clock::time_point> start_at; // run_options::start_at, when set
    std::optional<std::chrono::nanoseconds> start_skew;            // with start_at: the actual start minus it

    // Stuck operations that did not finish (abandoned): the ones that fail the run.
    [[nodiscard]] std::size_t hung() const noexcept;
    // The run was not stopped from outside (a signal or a stop token), no SLO objective failed, the
    // leak check (when one ran) found no leak and could decide, and no operation was left stuck.
    [[nodiscard]] bool passed() const noexcept;
    // 0 when passed(); else, first that applies: 105 for a run stopped from outside (k6's code for
    // an external abort: its verdicts judge a partial run), 96 for a run that ended in error
    // (stop_reason::error, which a tool sets when nothing it measured means anything, e.g. http_load
    // when no connection was ever established), 99 for failed objectives (k6's code), 98 for a leak
    // or a stuck operation, 97 for a leak check that could not decide (too few samples).
    [[nodiscard]] int exit_code() const noexcept;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/run_report.ipp>
#endif

#endif // LOADKIT_RUN_REPORT_HPP
