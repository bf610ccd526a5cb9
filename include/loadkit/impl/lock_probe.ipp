// SPDX-License-Identifier: MIT
// The probed locks' body (declared in lock_probe.hpp and detail/harness/lock_probe_*.hpp): the
// clock's calibration, building lock_stats from the counters and histograms, and their text.
// The body of lock_probe.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_LOCK_PROBE_IPP
#define LOADKIT_IMPL_LOCK_PROBE_IPP

#include <loadkit/detail/harness/lock_probe_clock.hpp>
#include <loadkit/detail/harness/lock_probe_stats.hpp>
#include <loadkit/detail/harness/text.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/histogram.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

#if defined(LOADKIT_LOCK_PROBE_TSC)
inline bool kernel_uses_tsc() noexcept {
    std::FILE* f = std::fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (f == nullptr) {
        return false;
    }
    char name[32] = {};
    const bool ok = std::fgets(name, sizeof name, f) != nullptr;
    std::fclose(f);
    return ok && std::strncmp(name, "tsc", 3) == 0 && (name[3] == '\n' || name[3] == '\0');
}

// One (steady_clock, TSC) pair, taken where the two reads were close together (retried when the
// thread was interrupted between them), as the TSC value at the steady_clock midpoint.
inline bool tsc_pair(std::int64_t& ns, std::uint64_t& ticks) noexcept {
    using clock = std::chrono::steady_clock;
    for (int attempt = 0; attempt < 16; ++attempt) {
        const auto before = clock::now();
        const std::uint64_t t = __builtin_ia32_rdtsc();
        const auto after = clock::now();
        if (after - before < std::chrono::microseconds{2}) {
            ns = ((before.time_since_epoch() + after.time_since_epoch()) / 2).count();
            ticks = t;
            return true;
        }
    }
    return false;
}
#endif

LOADKIT_DECL lock_probe_calibration lock_probe_calibration::measure() noexcept {
    lock_probe_calibration c;
#if defined(LOADKIT_LOCK_PROBE_TSC)
    if (!kernel_uses_tsc()) {
        return c;
    }
    std::int64_t ns0 = 0;
    std::int64_t ns1 = 0;
    std::uint64_t t0 = 0;
    std::uint64_t t1 = 0;
    if (!tsc_pair(ns0, t0)) {
        return c;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds{1};
    while (std::chrono::steady_clock::now() < until) {
    }
    if (!tsc_pair(ns1, t1) || t1 <= t0 || ns1 <= ns0) {
        return c;
    }
    const double ratio = static_cast<double>(ns1 - ns0) / static_cast<double>(t1 - t0);
    if (!(ratio > 1e-3 && ratio < 1e3) || !std::isfinite(ratio)) { // 1 MHz .. 1 THz: sane counters
        return c;
    }
    c.tsc = true;
    c.ns_per_tick = ratio;
#endif
    return c;
}

LOADKIT_DECL lock_probe_core::lock_probe_core(const lock_probe_options& opts)
    : name_(opts.name), wait_(opts.histogram), hold_(opts.histogram) {
    (void)lock_probe_clock_calibration(); // calibrate now, not in the first lock()
}

LOADKIT_DECL lock_stats lock_probe_core::stats() const {
    const std::uint64_t contended = contended_.load(std::memory_order_relaxed);
    std::uint64_t acquisitions = acquisitions_.load(std::memory_order_relaxed);
    acquisitions = acquisitions < contended ? contended : acquisitions;
    histogram contended_wait = wait_.snapshot();
    histogram wait = contended_wait;
    // Uncontended acquisitions waited 0: added here rather than recorded one by one, which
    // would cost the fast path a second histogram write.
    wait.record(0, acquisitions - contended);
    // Built in place: a default-constructed lock_stats would allocate histograms to throw away.
    return lock_stats{name_,
                      acquisitions,
                      contended,
                      timeouts_.load(std::memory_order_relaxed),
                      failed_try_locks_.load(std::memory_order_relaxed),
                      std::move(wait),
                      std::move(contended_wait),
                      hold_.snapshot()};
}

LOADKIT_DECL void lock_probe_core::reset() noexcept {
    for (auto* c : {&acquisitions_, &contended_, &timeouts_, &failed_try_locks_}) {
        c->store(0, std::memory_order_relaxed);
    }
    wait_.reset();
    hold_.reset();
}

inline std::string lock_stats_figures(const histogram& h) {
    return "p50 " + contend_duration_text(h.value_at_percentile(50.0)) + " p99 " +
           contend_duration_text(h.value_at_percentile(99.0)) + " max " + contend_duration_text(h.max());
}

} // namespace detail

LOADKIT_DECL std::string lock_stats::describe() const {
    std::string out = name.empty() ? std::string{} : name + ": ";
    out += detail::human_count(acquisitions) + (acquisitions == 1 ? " acquisition, " : " acquisitions, ");
    char pct[32];
    const double p = contended_fraction() * 100.0;
    if (p > 0.0 && p < 0.1) {
        std::snprintf(pct, sizeof pct, "<0.1%%");
    } else {
        std::snprintf(pct, sizeof pct, p > 0.0 && p < 9.95 ? "%.1f%%" : "%.0f%%", p);
    }
    out += std::string(pct) + " contended";
    if (contended_wait.count() != 0) {
        out += ", wait " + detail::lock_stats_figures(contended_wait);
    }
    if (hold.count() != 0) {
        out += ", hold " + detail::lock_stats_figures(hold);
    }
    if (timeouts != 0) {
        out += ", " + detail::human_count(timeouts) + (timeouts == 1 ? " timeout" : " timeouts");
    }
    if (failed_try_locks != 0) {
        out += ", " + detail::human_count(failed_try_locks) + " failed try_lock";
    }
    return out;
}

LOADKIT_DECL std::string shared_lock_stats::describe() const {
    std::string out = exclusive.name.empty() ? std::string{} : exclusive.name + ": ";
    lock_stats e = exclusive;
    lock_stats s = shared;
    e.name.clear();
    s.name.clear();
    return out + "exclusive " + e.describe() + "; shared " + s.describe();
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_LOCK_PROBE_IPP
