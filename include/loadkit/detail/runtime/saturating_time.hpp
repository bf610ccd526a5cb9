// SPDX-License-Identifier: MIT
// Deadlines from user durations without overflow. Options take any std::chrono::nanoseconds, and
// a value near nanoseconds::max() means "never" (a timeout, a grace period, a pause); `now + d`
// would overflow (undefined behaviour, and in practice a deadline in the past that fires at once).
#ifndef LOADKIT_DETAIL_RUNTIME_SATURATING_TIME_HPP
#define LOADKIT_DETAIL_RUNTIME_SATURATING_TIME_HPP

#include <loadkit/version.hpp>

#include <chrono>
#include <limits>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// t + d, held at the time point's range instead of wrapping around.
template <class TimePoint>
constexpr TimePoint saturating_add(TimePoint t, std::chrono::nanoseconds d) noexcept {
    using duration = typename TimePoint::duration;
    using rep = typename duration::rep;
    const rep step = std::chrono::duration_cast<duration>(d).count();
    const rep at = t.time_since_epoch().count();
    if (step > 0 && at > std::numeric_limits<rep>::max() - step) {
        return TimePoint::max();
    }
    if (step < 0 && at < std::numeric_limits<rep>::min() - step) {
        return TimePoint::min();
    }
    return TimePoint(duration(at + step));
}

// a + b for durations, held at nanoseconds::max() (both are >= 0 where it is used).
constexpr std::chrono::nanoseconds saturating_sum(std::chrono::nanoseconds a,
                                                  std::chrono::nanoseconds b) noexcept {
    if (b.count() > 0 && a.count() > std::numeric_limits<std::chrono::nanoseconds::rep>::max() - b.count()) {
        return std::chrono::nanoseconds::max();
    }
    return a + b;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_RUNTIME_SATURATING_TIME_HPP
