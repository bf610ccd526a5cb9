// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Load profiles: how much load, and when — k6's executor vocabulary, so nobody relearns it.
//
//   loadkit::burst{.n = 100}                                       // 100 at once, one operation each
//   loadkit::constant_vus{.vus = 5, .duration = 60s}               // 5 users looping for a minute
//   loadkit::per_vu_iterations{.vus = 10, .iterations = 20}        // 10 users x 20 iterations each
//   loadkit::shared_iterations{.vus = 50, .iterations = 500}       // 500 iterations, 50 users share
//   loadkit::ramping_vus{.start_vus = 0, .stages = {{50, 30s}, {50, 1min}, {0, 10s}}}
//   loadkit::waves{.count = 10, .size = 10, .pause = 100ms}        // 10 bursts of 10, 100 ms apart
//   loadkit::constant_rate{.rate = 500, .duration = 30s, .max_in_flight = 256}
//   loadkit::ramping_rate{.start_rate = 10, .stages = {{200, 1min}, {200, 5min}}, .max_in_flight = 512}
//
// Closed model (burst, *_vus, *_iterations, waves): each virtual user starts its next iteration
// when the previous one (and its think time) ends, so a slow server slows the load down and the
// latency is closed-loop — it hides queueing (coordinated omission). Open model (*_rate): operations
// arrive on a schedule whatever the server does; latency is the response time from the intended
// start, the service time from the actual start is kept apart, and an arrival that finds
// max_in_flight operations running waits (max_queued) or is counted as dropped, never silently
// skipped.
#ifndef LOADKIT_PROFILE_HPP
#define LOADKIT_PROFILE_HPP

#include <loadkit/config.hpp>
#include <loadkit/core_types.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// n virtual users at once, one iteration each: the seeds' "100 concurrent operations".
struct burst {
    std::uint64_t n = 0;
};
// vus virtual users looping for duration; iterations > 0 also caps each user's iterations (then
// duration may be 0: no time limit).
struct constant_vus {
    std::uint64_t vus = 0;
    std::chrono::nanoseconds duration{};
    std::uint64_t iterations = 0;
};
// Each of vus users runs exactly `iterations` iterations (or until max_duration).
struct per_vu_iterations {
    std::uint64_t vus = 0;
    std::uint64_t iterations = 0;
    std::chrono::nanoseconds max_duration = std::chrono::minutes{10};
};
// `iterations` in total, taken by vus users as they come free (or until max_duration).
struct shared_iterations {
    std::uint64_t vus = 0;
    std::uint64_t iterations = 0;
    std::chrono::nanoseconds max_duration = std::chrono::minutes{10};
};
struct vu_stage {
    std::uint64_t target = 0; // virtual users at the end of the stage
    std::chrono::nanoseconds duration{};
};
// The number of users moves linearly from the previous stage's target to this one's over each
// stage. A user above the current target finishes its iteration and waits (graceful ramp-down).
struct ramping_vus {
    std::uint64_t start_vus = 0;
    std::vector<vu_stage> stages{};
};
// `count` bursts of `size` operations; the next starts `pause` after the previous one has finished.
struct waves {
    std::uint64_t count = 0;
    std::uint64_t size = 0;
    std::chrono::nanoseconds pause{};
};
// Open model: `rate` arrivals per second for duration, each on its own schedule slot.
//
// max_queued: an arrival that finds max_in_flight operations running waits for a free slot, first
// come first served, while fewer than max_queued wait; beyond that, or with 0 (the default, k6's
// model), it is dropped. Queueing is wrk2's model — requests wait for one of a fixed set of
// connections — and keeps both views honest: the response time counts from the intended start
// (the wait included), the service time from the moment a slot came free (what a closed-loop tool
// would show). Waiting arrivals were accepted, so they are still served after the schedule's end,
// within the run's graceful stop; those still waiting when it expires are dropped.
struct constant_rate {
    double rate = 0.0;
    std::chrono::nanoseconds duration{};
    std::uint64_t max_in_flight = 1000;
    std::uint64_t max_queued = 0;
};
// Open model: the arrival rate moves linearly over stages (rate_schedule.hpp).
struct ramping_rate {
    double start_rate = 0.0;
    std::vector<rate_stage> stages{};
    std::uint64_t max_in_flight = 1000;
    std::uint64_t max_queued = 0; // as constant_rate's
};

using profile = std::variant<burst, constant_vus, per_vu_iterations, shared_iterations, ramping_vus, waves,
                             constant_rate, ramping_rate>;

namespace detail {
// Spellings shared by the reports that name a profile's durations and rates ("30s", "500/s").
LOADKIT_DECL std::string profile_duration_text(std::chrono::nanoseconds d);
LOADKIT_DECL std::string profile_rate_text(double r);
} // namespace detail

// The latency model a profile measures with.
[[nodiscard]] LOADKIT_DECL latency_model model_of(const profile& p) noexcept;
// Throws std::invalid_argument naming the profile, the field and the value.
LOADKIT_DECL void validate(const profile& p);
// One line for reports, e.g. "constant_rate 500/s for 30s, max_in_flight 256".
[[nodiscard]] LOADKIT_DECL std::string describe(const profile& p);

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/profile.ipp>
#endif

#endif // LOADKIT_PROFILE_HPP
