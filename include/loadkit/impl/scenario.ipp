// SPDX-License-Identifier: MIT
// The body of scenario.hpp: a scenario's validation.
#ifndef LOADKIT_IMPL_SCENARIO_IPP
#define LOADKIT_IMPL_SCENARIO_IPP

#include <loadkit/operation.hpp>
#include <loadkit/profile.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL void validate(const scenario& s) {
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

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_SCENARIO_IPP
