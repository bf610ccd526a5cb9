// SPDX-License-Identifier: MIT
// What the run engine reads off a profile while it runs: this process's share of it (an execution
// segment), the open model's queue bound, the planned length, and ramping_vus' user count over time.
// Only the engine's bodies include it.
#ifndef LOADKIT_DETAIL_ENGINE_PROFILE_PLAN_HPP
#define LOADKIT_DETAIL_ENGINE_PROFILE_PLAN_HPP

#include <loadkit/detail/runtime/saturating_time.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/segment.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// A scenario's share of its profile under an execution segment (segment.hpp).
struct profile_share {
    profile local;                     // what this process runs: counts cut to its share
    std::uint64_t first_vu = 0;        // the whole test's number of local user (or open-model slot) 0
    std::uint64_t first_iteration = 0; // shared_iterations: the number of the share's first iteration
    std::vector<std::uint64_t> vus{};  // ramping_vus in a segment: each local user's number, ascending
    std::uint64_t slots = 0;           // virtual users (open model: in-flight slots) to allocate
};

// The most a profile keeps in flight at once (for sizing slots and blocking threads).
inline std::uint64_t peak_concurrency(const profile& p) {
    return std::visit(
        [](const auto& x) -> std::uint64_t {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, burst>) {
                return x.n;
            } else if constexpr (std::is_same_v<T, waves>) {
                return x.size;
            } else if constexpr (std::is_same_v<T, ramping_vus>) {
                std::uint64_t peak = x.start_vus;
                for (const auto& s : x.stages) {
                    peak = std::max(peak, s.target);
                }
                return peak;
            } else if constexpr (std::is_same_v<T, constant_rate> || std::is_same_v<T, ramping_rate>) {
                return x.max_in_flight;
            } else {
                return x.vus;
            }
        },
        p);
}

// Counted items (users, a wave's size, in-flight slots and queue places) are cut in blocks
// (execution_segment::first_of/count_of): the shares sum to the whole over any partition, and user
// numbers stay the whole test's. shared_iterations' iterations follow its users' blocks,
// floor(I * v / V) at each block boundary v, so the parts sum to I, a share with no user has no
// iteration to run, and each user keeps the one-process share I / V. ramping_vus users are striped
// (execution_segment::owns) rather than cut in blocks: user v runs while the ramp's target exceeds
// v, in every process, so the processes' users together follow the one-process ramp at every
// instant, and each process ramps up and down with the others instead of the first holding the low
// numbers (busy from the start) and the last the high ones (busy only at the peak). Open models keep
// at least one in-flight slot per process: a process with none could only drop its arrivals.
inline profile_share share_of(const profile& p, const execution_segment& segment) {
    profile_share out{p, 0, 0, {}, peak_concurrency(p)};
    if (segment.whole()) {
        return out;
    }
    std::visit(
        [&](auto x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, burst>) {
                out.first_vu = segment.first_of(x.n);
                x.n = segment.count_of(x.n);
            } else if constexpr (std::is_same_v<T, waves>) {
                out.first_vu = segment.first_of(x.size);
                x.size = segment.count_of(x.size);
            } else if constexpr (std::is_same_v<T, shared_iterations>) {
                const std::uint64_t v0 = segment.first_of(x.vus);
                const std::uint64_t v1 = v0 + segment.count_of(x.vus);
                // floor(I * v / V) without overflow: v <= V <= 10^7.
                const auto upto = [&](std::uint64_t v) {
                    return (x.iterations / x.vus) * v + (x.iterations % x.vus) * v / x.vus;
                };
                out.first_vu = v0;
                out.first_iteration = upto(v0);
                x.iterations = upto(v1) - upto(v0);
                x.vus = v1 - v0;
            } else if constexpr (std::is_same_v<T, ramping_vus>) {
                const std::uint64_t peak = peak_concurrency(x);
                for (std::uint64_t v = 0; v < peak; ++v) {
                    if (segment.owns(v)) {
                        out.vus.push_back(v);
                    }
                }
            } else if constexpr (std::is_same_v<T, constant_rate> || std::is_same_v<T, ramping_rate>) {
                out.first_vu = segment.first_of(x.max_in_flight);
                x.max_in_flight = std::max<std::uint64_t>(1, segment.count_of(x.max_in_flight));
                x.max_queued = segment.count_of(x.max_queued);
            } else {
                out.first_vu = segment.first_of(x.vus);
                x.vus = segment.count_of(x.vus);
            }
            out.local = std::move(x);
        },
        p);
    out.slots = std::holds_alternative<ramping_vus>(p) ? out.vus.size() : peak_concurrency(out.local);
    return out;
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
