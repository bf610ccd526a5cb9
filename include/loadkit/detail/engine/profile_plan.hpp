// SPDX-License-Identifier: MIT
// What the run engine reads off a profile while it runs: the open model's queue bound, the planned
// length, and ramping_vus' user count over time. Only the engine's bodies include it.
#ifndef LOADKIT_DETAIL_ENGINE_PROFILE_PLAN_HPP
#define LOADKIT_DETAIL_ENGINE_PROFILE_PLAN_HPP

#include <loadkit/detail/runtime/saturating_time.hpp>
#include <loadkit/profile.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <variant>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

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
                    total = saturating_sum(total, s.duration);
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
        const auto end = saturating_sum(begin, s.duration);
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
        const auto end = saturating_sum(begin, s.duration);
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

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_ENGINE_PROFILE_PLAN_HPP
