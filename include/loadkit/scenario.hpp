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

#include <loadkit/operation.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0 {

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
inline void validate(const scenario& s) {
    const std::string who = "loadkit::scenario \"" + s.name + "\": ";
    if (s.name.empty()) {
        throw std::invalid_argument("loadkit::scenario: name = \"\" (expected a name)");
    }
    if (s.operations.empty()) {
        throw std::invalid_argument(who + "operations = {} (expected at least one operation)");
    }
    double total = 0.0;
    for (const auto& op : s.operations) {
        total += op.weight();
    }
    if (!(total > 0.0)) {
        throw std::invalid_argument(who + "operations' weights sum to 0 (expected > 0)");
    }
    if (s.start_offset < std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument(who + "start_offset = " + std::to_string(s.start_offset.count()) +
                                    "ns (expected >= 0)");
    }
    if (s.timeout < std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument(who + "timeout = " + std::to_string(s.timeout.count()) +
                                    "ns (expected >= 0)");
    }
    try {
        validate(s.profile);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(who + e.what());
    }
}

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_SCENARIO_HPP
