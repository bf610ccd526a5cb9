// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::scenario — operations mixed by weight, under one load profile.
//
//   loadkit::scenario shop{
//       .name = "shop",
//       .profile = loadkit::constant_vus{.vus = 20, .duration = 60s},
//       .operations = {{"browse", 10, browse}, {"search", 5, search}, {"buy", 2, buy}},
//       .think = loadkit::between(1s, 3s),
//       .timeout = 2s,
//   };
//
// Several scenarios run side by side in one run (loadkit::run), each with its own profile and
// start_offset. Operations are filed under their own names: two scenarios with an operation of
// the same name share its tag.
#ifndef LOADKIT_SCENARIO_HPP
#define LOADKIT_SCENARIO_HPP

#include <loadkit/config.hpp>
#include <loadkit/operation.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

struct scenario {
    std::string name = "default";
    ::loadkit::profile profile = burst{1};
    std::vector<operation> operations{};
    // Pause after each iteration of a closed-model virtual user (open model: none; pause inside
    // the operation with ctx.think() if needed).
    think_time think{};
    // When the scenario starts, from the run's start.
    std::chrono::nanoseconds start_offset{};
    // Per operation; 0: none (the run's hang watchdog still reports operations that never end).
    std::chrono::nanoseconds timeout{};
};

// Throws std::invalid_argument naming the scenario, the field and the value.
LOADKIT_DECL void validate(const scenario& s);

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/scenario.ipp>
#endif

#endif // LOADKIT_SCENARIO_HPP
