// SPDX-License-Identifier: MIT
// The body of profile.hpp: validation (messages naming the profile, field and value) and the
// one-line description reports print.
#ifndef LOADKIT_IMPL_PROFILE_IPP
#define LOADKIT_IMPL_PROFILE_IPP

#include <loadkit/core_types.hpp>
#include <loadkit/rate_schedule.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

[[noreturn]] inline void throw_profile(const char* profile, const std::string& field,
                                       const std::string& value, const char* expected) {
    throw std::invalid_argument(std::string("loadkit::") + profile + ": " + field + " = " + value +
                                " (expected " + expected + ")");
}
LOADKIT_DECL std::string profile_duration_text(std::chrono::nanoseconds d) {
    char text[40];
    const double s = static_cast<double>(d.count()) / 1e9;
    if (d.count() == 0) {
        return "0s";
    }
    if (s >= 120.0) {
        std::snprintf(text, sizeof text, "%gmin", s / 60.0);
    } else if (s >= 1.0) {
        std::snprintf(text, sizeof text, "%gs", s);
    } else {
        std::snprintf(text, sizeof text, "%gms", s * 1e3);
    }
    return text;
}
inline std::string profile_ns_text(std::chrono::nanoseconds d) { return std::to_string(d.count()) + "ns"; }
LOADKIT_DECL std::string profile_rate_text(double r) {
    char text[40];
    std::snprintf(text, sizeof text, "%g/s", r);
    return text;
}

constexpr std::uint64_t max_virtual_users = 10'000'000;

inline void check_users(const char* p, const char* field, std::uint64_t n) {
    if (n == 0 || n > max_virtual_users) {
        throw_profile(p, field, std::to_string(n), "1 .. 10,000,000");
    }
}
inline void check_positive(const char* p, const char* field, std::chrono::nanoseconds d) {
    if (d <= std::chrono::nanoseconds::zero()) {
        throw_profile(p, field, profile_ns_text(d), "> 0");
    }
}

inline void validate_profile(const burst& b) { check_users("burst", "n", b.n); }
inline void validate_profile(const constant_vus& c) {
    check_users("constant_vus", "vus", c.vus);
    if (c.duration < std::chrono::nanoseconds::zero()) {
        throw_profile("constant_vus", "duration", profile_ns_text(c.duration), ">= 0");
    }
    if (c.duration == std::chrono::nanoseconds::zero() && c.iterations == 0) {
        throw_profile("constant_vus", "duration", "0ns", "> 0, or iterations > 0");
    }
}
inline void validate_profile(const per_vu_iterations& p) {
    check_users("per_vu_iterations", "vus", p.vus);
    if (p.iterations == 0) {
        throw_profile("per_vu_iterations", "iterations", "0", ">= 1");
    }
    check_positive("per_vu_iterations", "max_duration", p.max_duration);
}
inline void validate_profile(const shared_iterations& p) {
    check_users("shared_iterations", "vus", p.vus);
    if (p.iterations == 0) {
        throw_profile("shared_iterations", "iterations", "0", ">= 1");
    }
    check_positive("shared_iterations", "max_duration", p.max_duration);
}
inline void validate_profile(const ramping_vus& r) {
    if (r.start_vus > max_virtual_users) {
        throw_profile("ramping_vus", "start_vus", std::to_string(r.start_vus), "<= 10,000,000");
    }
    if (r.stages.empty()) {
        throw_profile("ramping_vus", "stages", "{}", "at least one stage");
    }
    std::uint64_t peak = r.start_vus;
    for (std::size_t i = 0; i < r.stages.size(); ++i) {
        const std::string at = "stages[" + std::to_string(i) + "]";
        if (r.stages[i].target > max_virtual_users) {
            throw_profile("ramping_vus", at + ".target", std::to_string(r.stages[i].target), "<= 10,000,000");
        }
        check_positive("ramping_vus", (at + ".duration").c_str(), r.stages[i].duration);
        peak = r.stages[i].target > peak ? r.stages[i].target : peak;
    }
    if (peak == 0) {
        throw_profile("ramping_vus", "stages", "all targets 0", "some stage with target > 0");
    }
}
inline void validate_profile(const waves& w) {
    if (w.count == 0) {
        throw_profile("waves", "count", "0", ">= 1");
    }
    check_users("waves", "size", w.size);
    if (w.pause < std::chrono::nanoseconds::zero()) {
        throw_profile("waves", "pause", profile_ns_text(w.pause), ">= 0");
    }
}
inline void check_in_flight(const char* p, std::uint64_t n, std::uint64_t queued) {
    if (n == 0 || n > max_virtual_users) {
        throw_profile(p, "max_in_flight", std::to_string(n), "1 .. 10,000,000");
    }
    if (queued > max_virtual_users) {
        throw_profile(p, "max_queued", std::to_string(queued), "0 .. 10,000,000");
    }
}
inline void validate_profile(const constant_rate& c) {
    if (!std::isfinite(c.rate) || c.rate <= 0.0) {
        char text[40];
        std::snprintf(text, sizeof text, "%g", c.rate);
        throw_profile("constant_rate", "rate", text, "a finite rate > 0 per second");
    }
    check_positive("constant_rate", "duration", c.duration);
    check_in_flight("constant_rate", c.max_in_flight, c.max_queued);
    static_cast<void>(rate_schedule::constant(c.rate, c.duration)); // at least one arrival
}
inline void validate_profile(const ramping_rate& r) {
    check_in_flight("ramping_rate", r.max_in_flight, r.max_queued);
    static_cast<void>(rate_schedule(r.start_rate, r.stages)); // throws naming the stage
}

inline std::string in_flight_text(std::uint64_t max_in_flight, std::uint64_t max_queued) {
    std::string s = ", max_in_flight " + std::to_string(max_in_flight);
    if (max_queued > 0) {
        s += ", max_queued " + std::to_string(max_queued);
    }
    return s;
}
inline std::string describe_profile(const profile& p) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, burst>) {
                return "burst of " + std::to_string(x.n);
            } else if constexpr (std::is_same_v<T, constant_vus>) {
                std::string s = "constant_vus " + std::to_string(x.vus) + " VUs";
                if (x.duration.count() > 0) {
                    s += " for " + profile_duration_text(x.duration);
                }
                if (x.iterations > 0) {
                    s += ", " + std::to_string(x.iterations) + " iterations each";
                }
                return s;
            } else if constexpr (std::is_same_v<T, per_vu_iterations>) {
                return "per_vu_iterations " + std::to_string(x.vus) + " VUs x " +
                       std::to_string(x.iterations) + " iterations";
            } else if constexpr (std::is_same_v<T, shared_iterations>) {
                return "shared_iterations " + std::to_string(x.iterations) + " iterations over " +
                       std::to_string(x.vus) + " VUs";
            } else if constexpr (std::is_same_v<T, ramping_vus>) {
                std::string s = "ramping_vus " + std::to_string(x.start_vus);
                for (const auto& st : x.stages) {
                    s += " -> " + std::to_string(st.target) + " (" + profile_duration_text(st.duration) + ")";
                }
                return s + " VUs";
            } else if constexpr (std::is_same_v<T, waves>) {
                return "waves " + std::to_string(x.count) + " x " + std::to_string(x.size) + ", pause " +
                       profile_duration_text(x.pause);
            } else if constexpr (std::is_same_v<T, constant_rate>) {
                return "constant_rate " + profile_rate_text(x.rate) + " for " +
                       profile_duration_text(x.duration) + in_flight_text(x.max_in_flight, x.max_queued);
            } else {
                std::string s = "ramping_rate " + profile_rate_text(x.start_rate);
                for (const auto& st : x.stages) {
                    s += " -> " + profile_rate_text(st.target) + " (" + profile_duration_text(st.duration) +
                         ")";
                }
                return s + in_flight_text(x.max_in_flight, x.max_queued);
            }
        },
        p);
}

} // namespace detail

LOADKIT_DECL latency_model model_of(const profile& p) noexcept {
    return std::holds_alternative<constant_rate>(p) || std::holds_alternative<ramping_rate>(p)
               ? latency_model::open
               : latency_model::closed;
}
LOADKIT_DECL void validate(const profile& p) {
    std::visit([](const auto& x) { detail::validate_profile(x); }, p);
}
LOADKIT_DECL std::string describe(const profile& p) { return detail::describe_profile(p); }

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_PROFILE_IPP
