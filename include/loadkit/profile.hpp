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

#include <loadkit/core_types.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace loadkit {
inline namespace v0 {

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

[[noreturn]] inline void throw_profile(const char* profile, const std::string& field,
                                       const std::string& value, const char* expected) {
    throw std::invalid_argument(std::string("loadkit::") + profile + ": " + field + " = " + value +
                                " (expected " + expected + ")");
}
inline std::string profile_duration_text(std::chrono::nanoseconds d) {
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
inline std::string profile_rate_text(double r) {
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

// How many arrivals may wait for a free slot (open model; 0 for every other profile).
inline std::uint64_t max_queued_of(const profile& p) noexcept {
    if (const auto* c = std::get_if<constant_rate>(&p)) {
        return c->max_queued;
    }
    if (const auto* r = std::get_if<ramping_rate>(&p)) {
        return r->max_queued;
    }
    return 0;
}

// The planned length of a profile, when it fixes one.
inline std::optional<std::chrono::nanoseconds> planned_length(const profile& p) {
    return std::visit(
        [](const auto& x) -> std::optional<std::chrono::nanoseconds> {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, constant_vus>) {
                if (x.iterations == 0) {
                    return x.duration;
                }
                return std::nullopt;
            } else if constexpr (std::is_same_v<T, ramping_vus> || std::is_same_v<T, ramping_rate>) {
                std::chrono::nanoseconds total{};
                for (const auto& s : x.stages) {
                    total += s.duration;
                }
                return total;
            } else if constexpr (std::is_same_v<T, constant_rate>) {
                return x.duration;
            } else {
                return std::nullopt;
            }
        },
        p);
}

// Virtual users of a ramping_vus profile at `at` from its start (fractional; floor() of it run).
inline double vu_target(const ramping_vus& r, std::chrono::nanoseconds at) {
    double from = static_cast<double>(r.start_vus);
    std::chrono::nanoseconds begin{};
    for (const auto& s : r.stages) {
        const auto end = begin + s.duration;
        const double to = static_cast<double>(s.target);
        if (at < end) {
            const double f =
                static_cast<double>((at - begin).count()) / static_cast<double>(s.duration.count());
            return from + (to - from) * f;
        }
        from = to;
        begin = end;
    }
    return 0.0; // the profile has ended
}

// The first offset >= from at which user `index` (0-based) is active (vu_target > index), if any.
inline std::optional<std::chrono::nanoseconds> vu_active_from(const ramping_vus& r, std::uint64_t index,
                                                              std::chrono::nanoseconds from) {
    const double need = static_cast<double>(index) + 1.0;
    double level = static_cast<double>(r.start_vus);
    std::chrono::nanoseconds begin{};
    for (const auto& s : r.stages) {
        const auto end = begin + s.duration;
        const double to = static_cast<double>(s.target);
        if (end > from) {
            const auto lo = from > begin ? from : begin;
            if (vu_target(r, lo) >= need) {
                return lo;
            }
            if (to > level && to >= need) { // rises through `need` within this stage
                const double f = (need - level) / (to - level);
                auto t = begin + std::chrono::nanoseconds{static_cast<std::int64_t>(
                                     std::ceil(f * static_cast<double>(s.duration.count())))};
                t = t < lo ? lo : t;
                if (t < end) {
                    return t;
                }
            }
        }
        level = to;
        begin = end;
    }
    return std::nullopt;
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

// The latency model a profile measures with.
[[nodiscard]] inline latency_model model_of(const profile& p) noexcept {
    return std::holds_alternative<constant_rate>(p) || std::holds_alternative<ramping_rate>(p)
               ? latency_model::open
               : latency_model::closed;
}
// Throws std::invalid_argument naming the profile, the field and the value.
inline void validate(const profile& p) {
    std::visit([](const auto& x) { detail::validate_profile(x); }, p);
}
// One line for reports, e.g. "constant_rate 500/s for 30s, max_in_flight 256".
[[nodiscard]] inline std::string describe(const profile& p) { return detail::describe_profile(p); }

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_PROFILE_HPP
