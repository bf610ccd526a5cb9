// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::run — the run engine: scenarios in, a run_report (run_report.hpp) out.
//
//   auto report = loadkit::run(
//       {.threads = 2, .slo = loadkit::slo_policy{"p95 < 200ms", "error_rate < 1%"}},
//       loadkit::scenario{.name = "checkout",
//                         .profile = loadkit::constant_rate{.rate = 500, .duration = 30s},
//                         .operations = {{"checkout", checkout}},
//                         .timeout = 2s});
//   std::fputs(report.slo->lines().c_str(), stdout);
//   return report.exit_code();
//
// The calling thread blocks and watches: it closes the recorder's intervals, samples the process,
// evaluates the SLO live (abort_on_fail objectives stop the run), runs the hang watchdog, reports
// progress and handles stops. Operations run on `threads` event loops (a loadkit::runner), or on
// executors you supply and run yourself (run_options::executors — an Asio io_context adapter), or
// in virtual time on the calling thread (run_options::manual_clock): a test's whole run then ends
// at once with exact figures (manual_clock_executor.hpp).
//
// Stopping: a profile's end, a deadline (max_duration), SIGINT/SIGTERM (handle_signals), an external
// stop token or an SLO abort stop new iterations at once; operations in flight get graceful_stop
// to finish, then are cancelled through their stop token (counted as timeouts); operations that
// ignore cancellation for cancel_grace more are reported stuck and abandoned: run() returns the
// partial report anyway and leaves their threads behind (it cannot kill them safely). Nothing
// recorded is lost; the report says why the run stopped.
#ifndef LOADKIT_ENGINE_HPP
#define LOADKIT_ENGINE_HPP

#include <loadkit/config.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/leak.hpp>
#include <loadkit/manual_clock_executor.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/scenario.hpp>
#include <loadkit/segment.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

struct run_options {
    std::string title{};
    // Event loops (threads) running the operations; 0: one per hardware thread. Ignored when
    // executors is set.
    std::size_t threads = 1;
    bool pin_threads = false;
    // How late the kernel may wake a sleeping loop (runner::options::timer_slack; ignored when
    // executors is set). The loops' lateness is the floor under every open-model response time
    // measured in-process: ~35-70 us at 50 us, ~7-20 us at 1 us, which costs 2-4x the CPU per
    // arrival from 100k arrivals/s on.
    std::chrono::nanoseconds timer_slack = std::chrono::microseconds{50};
    // Run on these executors instead, which the caller keeps running on other threads (never the
    // thread calling run()) until run() returns.
    std::vector<executor*> executors{};
    // Virtual time: every operation runs on this executor, on the thread calling run(), and every
    // time the run reads (starts, ends, sleeps, timeouts, intervals, the watchdog, max_duration)
    // is its clock, which jumps from timer to timer. Code between two awaits takes no time; a
    // blocking call holds the clock until it returns. Not with `executors`, threads > 1 or
    // leak_check (resources are sampled in real time). The clock is left where the run ended.
    manual_clock_executor* manual_clock = nullptr;
    // Worker threads for blocking operations; 0: started as the calls need them (one that finds no
    // idle worker starts another), up to as many as the blocking scenarios can keep busy.
    std::size_t blocking_threads = 0;

    std::chrono::nanoseconds warmup{};                           // reported apart from the steady state
    std::chrono::nanoseconds interval = std::chrono::seconds{1}; // time-series resolution
    histogram_options histograms{};

    slo_policy slo{};                                                      // judged at the end, and live
    std::chrono::nanoseconds slo_check_interval = std::chrono::seconds{1}; // abort_on_fail objectives

    bool sample_resources = true;
    std::chrono::nanoseconds resource_interval = std::chrono::milliseconds{250};
    std::optional<leak_options> leak_check{}; // check the RSS and heap trend over the run (x in seconds)

    // Hang watchdog (0 turns a check off): an operation running longer than hang_limit, or no
    // operation completing for stall_limit while some are in flight, is reported stuck; one that
    // then finishes was slow, not hung (run_report::stuck, past_hang_limit). The run gives up on
    // operations past the scenario's timeout (without one, past hang_limit) plus cancel_grace when
    // nothing else of their scenario is left to wait for: they are abandoned (counted as
    // timeouts, listed as stuck), so that a run always ends, whatever its profile.
    std::chrono::nanoseconds hang_limit = std::chrono::seconds{60};
    std::chrono::nanoseconds stall_limit = std::chrono::seconds{30};
    bool report_stuck_to_stderr = true;

    std::chrono::nanoseconds graceful_stop = std::chrono::seconds{30};
    std::chrono::nanoseconds cancel_grace = std::chrono::seconds{5};
    std::chrono::nanoseconds max_duration{}; // 0: none; else the run stops there (stop_reason::deadline)
    bool handle_signals = false;             // SIGINT/SIGTERM stop the run (a second one cancels at once)
    std::stop_token stop{};                  // an external stop (stop_reason::interrupted)

    std::function<void(const run_progress&)> on_progress{};
    std::chrono::nanoseconds progress_interval = std::chrono::milliseconds{250};

    std::uint64_t seed = 1; // virtual users' random generators derive from it

    // One test over many processes (segment.hpp): this process runs `segment` of every scenario
    // (its share of the arrivals, users and iterations; user numbers, random streams and intended
    // times stay the whole test's). Unset: the whole test, or with segment_from_environment the
    // segment LOADKIT_SEGMENT or the launcher gives (mpirun, srun, a Kubernetes Indexed Job), if any.
    // Off by default so that a test run inside an MPI job or a Slurm allocation is not split
    // unasked. An explicit segment wins over the environment, which is then not read.
    std::optional<execution_segment> segment{};
    bool segment_from_environment = false;
    // A common start: the run sets up, then waits until this wall-clock time before its clock starts
    // (through the executors' clock: a manual clock jumps there at once). One in the past starts at
    // once; a stop (the stop token, or a signal with handle_signals) ends the wait and the run stops
    // at once. The report records start_at and the start's skew; keeping the machines' clocks
    // together is NTP's or chrony's job.
    std::optional<std::chrono::system_clock::time_point> start_at{};
};

namespace detail {
class engine;
} // namespace detail

// Runs the scenarios side by side and returns what happened. Throws std::invalid_argument (naming
// the scenario, field and value) before anything runs when a scenario or option is invalid.
LOADKIT_DECL run_report run(const run_options& options, std::span<const scenario> scenarios);

LOADKIT_DECL run_report run(const run_options& options, const std::vector<scenario>& scenarios);
LOADKIT_DECL run_report run(const run_options& options, const scenario& one);
// One operation under one profile: the scenario takes the operation's name.
LOADKIT_DECL run_report run(const profile& load, operation op, const run_options& options = {});

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/engine.ipp>
#endif

#endif // LOADKIT_ENGINE_HPP
