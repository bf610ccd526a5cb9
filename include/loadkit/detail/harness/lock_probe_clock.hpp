// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The clock a probed lock reads: the CPU's time-stamp counter where the kernel itself trusts it
// as its clocksource, else std::chrono::steady_clock.
//
// Why: an uncontended lock()/unlock() pair of a std::mutex costs ~10-20 ns, and a probed one reads
// the clock twice (acquired, released). steady_clock::now() costs ~20 ns on an idle machine with
// clocksource tsc and 50 ns or more on a busy VM (measured by bench/lock_probe.cpp), so the clock
// would be most of the probe's cost; rdtsc is ~8 ns. The counter is only trusted when Linux
// runs on it (/sys/devices/system/clocksource/clocksource0/current_clocksource is "tsc": the kernel
// checked it is invariant and synchronized across cores). Ticks are converted to nanoseconds with a
// ratio calibrated once per process against steady_clock over ~1 ms, at the first probed lock's
// construction; its error (well under 0.1 %) is below the histograms' own.
#ifndef LOADKIT_DETAIL_HARNESS_LOCK_PROBE_CLOCK_HPP
#define LOADKIT_DETAIL_HARNESS_LOCK_PROBE_CLOCK_HPP

#include <loadkit/version.hpp>

#include <chrono>
#include <cstdint>

#if defined(__linux__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LOADKIT_LOCK_PROBE_TSC 1
#endif

namespace loadkit {
inline namespace v0_1 {
namespace detail {

struct lock_probe_calibration {
    bool tsc = false; // ticks are TSC cycles (else steady_clock nanoseconds)
    double ns_per_tick = 1.0;

    // Reads the kernel's clocksource and, when it is the TSC, times the counter against
    // steady_clock for ~1 ms (impl/lock_probe.ipp, with the file and math headers it needs).
    static lock_probe_calibration measure() noexcept;
};

// Calibrated once per process, thread-safely (a function-local static).
inline const lock_probe_calibration& lock_probe_clock_calibration() noexcept {
#if defined(LOADKIT_LOCK_PROBE_TSC)
    static const lock_probe_calibration c = lock_probe_calibration::measure();
#else
    static const lock_probe_calibration c{};
#endif
    return c;
}

// Ticks since an arbitrary origin, and their difference in nanoseconds.
struct lock_probe_clock {
    using ticks = std::int64_t;

    static ticks now() noexcept {
#if defined(LOADKIT_LOCK_PROBE_TSC)
        if (lock_probe_clock_calibration().tsc) {
            return static_cast<ticks>(__builtin_ia32_rdtsc());
        }
#endif
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    static std::chrono::nanoseconds between(ticks from, ticks to) noexcept {
        const lock_probe_calibration& c = lock_probe_clock_calibration();
        const ticks d = to - from;
        if (d <= 0) { // a thread moved between cores may see the TSC a few cycles behind
            return std::chrono::nanoseconds{0};
        }
        if (!c.tsc) {
            return std::chrono::nanoseconds{d};
        }
        return std::chrono::nanoseconds{static_cast<ticks>(static_cast<double>(d) * c.ns_per_tick + 0.5)};
    }
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_HARNESS_LOCK_PROBE_CLOCK_HPP
