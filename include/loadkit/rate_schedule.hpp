// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::rate_schedule — how many operations per second an open-model load test starts over
// time, and exactly when each one is due. Stages ramp linearly from the previous rate to their
// target (k6's ramping-arrival-rate stages); a stage whose target equals the previous rate holds
// it, and a rate of 0 pauses.
//
//   using namespace std::chrono_literals;
//   loadkit::rate_schedule ramp{0, {{.target = 1000, .duration = 30s},   // 0 -> 1000/s
//                                   {.target = 1000, .duration = 5min},  // hold
//                                   {.target = 0, .duration = 10s}}};    // 1000/s -> 0
//   auto steady = loadkit::rate_schedule::constant(500, 1min);           // 30,000 arrivals
//   steady.intended_offset(3);                                           // 6ms after the start
//
// Arrival k (k = 0, 1, ...) is due at the offset t where the integral of the rate from the start
// reaches k (strictly: the last t where it is still <= k), so at a constant rate r arrival k is at
// k / r, the first one at 0, and an arrival falling on a pause (rate 0) is due when it ends. Each
// offset is solved in closed form inside its stage (a quadratic for a ramp, in the cancellation-free
// form 2m / (r0 + sqrt(r0^2 + 2am))) from cumulative counts precomputed at the stage boundaries:
// nothing is accumulated arrival by arrival, so an hour at 1 M/s ends within a nanosecond of where it
// should, where summing 1 us steps in floating point drifts by microseconds. A rate_schedule is
// immutable once built: share it between threads freely.
#ifndef LOADKIT_RATE_SCHEDULE_HPP
#define LOADKIT_RATE_SCHEDULE_HPP

#include <loadkit/config.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// One stage: the rate (operations per second) moves linearly from where the previous stage ended
// (or the schedule's start rate) to `target` over `duration`.
struct rate_stage {
    double target = 0;
    std::chrono::nanoseconds duration{0};
};

class rate_schedule {
public:
    // Throws std::invalid_argument naming the field and the value: rates must be finite and >= 0,
    // durations > 0, there must be at least one stage and the schedule must yield an arrival.
    rate_schedule(double start_rate, std::vector<rate_stage> stages);

    // `rate` operations per second for `duration`.
    static rate_schedule constant(double rate, std::chrono::nanoseconds duration);

    double start_rate() const noexcept { return start_rate_; }
    const std::vector<rate_stage>& stages() const noexcept { return stages_; }
    std::chrono::nanoseconds total_duration() const noexcept { return std::chrono::nanoseconds{total_ns_}; }

    // The number of arrivals over the whole schedule: the integral of the rate, rounded down (a
    // fractional remainder is not an arrival).
    std::uint64_t total_count() const noexcept { return total_count_; }

    // The rate (per second) at `offset` from the start; 0 before the start and from the end on.
    double rate_at(std::chrono::nanoseconds offset) const noexcept {
        if (offset.count() < 0 || offset.count() >= total_ns_) {
            return 0.0;
        }
        const segment& s = segment_at(offset.count());
        return s.from + s.slope * seconds(offset.count() - s.begin);
    }

    // The integral of the rate from the start to `offset` (clamped to the schedule): how many
    // arrivals are due by then, as a real number.
    double expected_count(std::chrono::nanoseconds offset) const noexcept {
        if (offset.count() <= 0) {
            return 0.0;
        }
        if (offset.count() >= total_ns_) {
            return total_integral_;
        }
        const segment& s = segment_at(offset.count());
        const double t = seconds(offset.count() - s.begin);
        return s.before + std::min(s.count, t * (s.from + 0.5 * s.slope * t));
    }

    // When arrival k is due, as an offset from the start; nullopt when k >= total_count().
    std::optional<std::chrono::nanoseconds> intended_offset(std::uint64_t k) const noexcept {
        if (k >= total_count_) {
            return std::nullopt;
        }
        const double target = static_cast<double>(k);
        // The first stage whose cumulative count passes k (a pause never does). Floating-point
        // rounding of the counts can only leave the last arrival past every stage's end; it then
        // belongs to the last stage with a nonzero rate.
        auto it = std::partition_point(segments_.begin(), segments_.end(),
                                       [target](const segment& s) { return s.before + s.count <= target; });
        while (it == segments_.end() || it->count <= 0.0) {
            --it;
        }
        const double m = std::clamp(target - it->before, 0.0, it->count);
        // Nearest nanosecond; the value is >= 0, so adding 0.5 and truncating avoids a libm call.
        const double within = std::min(solve(*it, m) * 1e9, static_cast<double>(it->length));
        const auto ns = static_cast<std::int64_t>(within + 0.5);
        return std::chrono::nanoseconds{it->begin + ns};
    }

private:
    struct constant_tag {};
    struct segment {
        std::int64_t begin;  // offset of the stage's start, ns
        std::int64_t length; // ns
        double from;         // rate at the start, per second
        double slope;        // per second per second
        double before;       // integral of the rate before the stage
        double count;        // integral of the rate over the stage
    };

    rate_schedule(double rate, std::chrono::nanoseconds duration, constant_tag);

    static double seconds(std::int64_t ns) noexcept { return static_cast<double>(ns) * 1e-9; }

    // Seconds into the stage at which its integral reaches m (0 <= m <= count): the positive root of
    // slope/2 t^2 + from t - m = 0, in the form without cancellation for either sign of the slope.
    static double solve(const segment& s, double m) noexcept {
        if (m <= 0.0) {
            return 0.0;
        }
        if (s.slope == 0.0) {
            return m / s.from;
        }
        const double discriminant = std::max(0.0, s.from * s.from + 2.0 * s.slope * m);
        return 2.0 * m / (s.from + std::sqrt(discriminant));
    }

    const segment& segment_at(std::int64_t offset) const noexcept {
        auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                                   [](std::int64_t value, const segment& s) { return value < s.begin; });
        return *(it - 1);
    }

    // The integral as a whole number of arrivals, tolerating rounding noise.
    static std::uint64_t whole_arrivals(double integral) noexcept;
    static bool valid_rate(double rate) noexcept;
    // `stage_prefix` null: the schedule came from constant(), whose only stage is named "rate" and
    // "duration" in messages.
    void build(const char* owner, const char* start_field, const char* stage_prefix);

    double start_rate_;
    std::vector<rate_stage> stages_;
    std::vector<segment> segments_;
    std::int64_t total_ns_ = 0;
    double total_integral_ = 0.0;
    std::uint64_t total_count_ = 0;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/rate_schedule.ipp>
#endif

#endif // LOADKIT_RATE_SCHEDULE_HPP
