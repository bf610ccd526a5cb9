// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The vocabulary every stage of a run shares, from the profile to the reporters: how latency is
// measured (latency_model), how one operation ended (outcome_kind), why a run ended (stop_reason),
// and the two verdicts (verdict for objectives, leak_verdict for the leak-trend checker). Here, and
// not in the header of the stage that produces them, so no header reaches back up the data flow for
// an enum.
#ifndef LOADKIT_CORE_TYPES_HPP
#define LOADKIT_CORE_TYPES_HPP

#include <loadkit/version.hpp>

#include <cstdint>

namespace loadkit {
inline namespace v0_1 {

// closed: each virtual user starts its next operation when the previous one ends, so latency is
// measured from the actual start (a stalled server also stalls the load: coordinated omission).
// open: operations start on a schedule; latency counts from the intended start.
enum class latency_model : std::uint8_t { closed, open };

// How one operation ended.
enum class outcome_kind : std::uint8_t { ok, error, timeout, dropped };

// Why a run ended. running marks a live snapshot. Ordered by severity: merging results keeps the
// most severe reason.
enum class stop_reason : std::uint8_t { running, completed, deadline, interrupted, slo_abort, error };

// An objective's verdict at its stated confidence (slo.hpp).
enum class verdict : std::uint8_t { pass, fail, inconclusive };

// The leak-trend checker's verdict (leak.hpp); the SLO policy judges it too (slo_context::leak).
enum class leak_verdict : std::uint8_t { no_leak, leak, inconclusive };

[[nodiscard]] constexpr const char* to_string(latency_model m) noexcept {
    return m == latency_model::open ? "open" : "closed";
}

[[nodiscard]] constexpr const char* to_string(outcome_kind k) noexcept {
    switch (k) {
    case outcome_kind::ok:
        return "ok";
    case outcome_kind::error:
        return "error";
    case outcome_kind::timeout:
        return "timeout";
    case outcome_kind::dropped:
        return "dropped";
    }
    return "unknown";
}

[[nodiscard]] constexpr const char* to_string(stop_reason r) noexcept {
    switch (r) {
    case stop_reason::running:
        return "running";
    case stop_reason::completed:
        return "completed";
    case stop_reason::deadline:
        return "deadline";
    case stop_reason::interrupted:
        return "interrupted";
    case stop_reason::slo_abort:
        return "slo_abort";
    case stop_reason::error:
        return "error";
    }
    return "unknown";
}

[[nodiscard]] constexpr const char* to_string(verdict v) noexcept {
    return v == verdict::pass ? "PASS" : (v == verdict::fail ? "FAIL" : "INCONCLUSIVE");
}

[[nodiscard]] constexpr const char* to_string(leak_verdict v) noexcept {
    switch (v) {
    case leak_verdict::no_leak:
        return "no leak";
    case leak_verdict::leak:
        return "leak";
    case leak_verdict::inconclusive:
        return "inconclusive";
    }
    return "?";
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_CORE_TYPES_HPP
