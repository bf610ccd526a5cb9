// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Numbers as people read them in a report: each value in the unit that suits it, with the same
// number of significant digits everywhere, so a column of them lines up and compares at a glance.
//
//   human_duration(153'200'000ns) == "153.2ms"    human_count(27312) == "27,312"
//   human_rate(1234.0) == "1.23k/s"               human_bytes(13107200) == "12.5 MiB"
//   human_percent(0.0059) == "0.59%"              human_clock(125s) == "2:05"
//
// Durations carry 4 significant digits (a histogram at 3 significant digits is within 0.05 %, so
// the fourth digit is still information); rates and bytes 3 (they are averages or samples).
// The one place such numbers are formatted: the console summary, the live progress line and the
// JUnit properties call these; the HTML report (detail/report/svg/text.hpp) and the contend / lock_probe /
// deadline lines (detail/harness/text.hpp) only pick their spelling of the same numbers.
#ifndef LOADKIT_DETAIL_TEXT_UNITS_HPP
#define LOADKIT_DETAIL_TEXT_UNITS_HPP

#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

LOADKIT_DECL std::string human_printf(const char* format, double v);

// v with `digits` significant digits in fixed notation (no exponent): 153.2, 15.32, 1.532, 0.1532;
// 1500 for 4 digits. Rounding that gains a digit drops a decimal (99.996 -> "100.0", not "100.00").
// At most max_decimals decimals (the HTML report keeps to 6).
LOADKIT_DECL std::string human_significant(double v, int digits, int max_decimals = 9);

// a in the first of `units` (each 1000 times the previous) where it reads below 1000 after rounding
// (999.96us is 1.000ms, never 1000us); returns the number and the unit's index.
LOADKIT_DECL std::size_t human_scale(double& a, std::size_t units, int digits);

// 850ns, 999.9µs, 153.2ms, 12.35s, 2m05s, 1h02m. micro is "µs" (UTF-8) or "us".
LOADKIT_DECL std::string human_duration(double ns, bool unicode = true, int digits = 4);
LOADKIT_DECL std::string human_duration(std::chrono::nanoseconds d, bool unicode = true, int digits = 4);
template <class Rep, class Period>
std::string human_duration(std::chrono::duration<Rep, Period> d, bool unicode = true, int digits = 4) {
    return human_duration(std::chrono::duration<double, std::nano>(d).count(), unicode, digits);
}

// A duration in running text, trailing zeros trimmed: 5s, 1.5s, 31.2s, 250ms, 1m05s.
LOADKIT_DECL std::string human_span(std::chrono::nanoseconds d, bool unicode = true);
template <class Rep, class Period>
std::string human_span(std::chrono::duration<Rep, Period> d, bool unicode = true) {
    return human_span(std::chrono::duration_cast<std::chrono::nanoseconds>(d), unicode);
}

// 0:42, 2:05, 1:02:03 — elapsed time on a clock face, as progress bars show it.
LOADKIT_DECL std::string human_clock(std::chrono::nanoseconds d);

// 27,312 and 1,234,567: thousands separated by commas (locale-independent, as k6 and Locust do not).
LOADKIT_DECL std::string human_count(std::uint64_t n);

// 3 significant digits with an SI prefix: 0.500, 62.0, 412, 1.23k, 45.6M.
LOADKIT_DECL std::string human_si(double v, int digits = 3);

// Operations per second: 412/s, 62.0/s, 1.23k/s.
LOADKIT_DECL std::string human_rate(double per_second);

// IEC binary units, 3 significant digits: 512 B, 12.5 MiB, 1.00 GiB (1000 KiB stays 1000 KiB:
// below 1024 of a unit is never written in the next).
LOADKIT_DECL std::string human_bytes(double bytes);
// A change: +3.90 MiB, -512 B, +0 B.
LOADKIT_DECL std::string human_bytes_delta(double bytes);

// A fraction as a percentage: 0%, 0.59%, 12.50%, 100%; below 0.01 % two significant digits
// (0.0037%) so a small but non-zero error rate never reads as zero.
LOADKIT_DECL std::string human_percent(double fraction);

// A wall-clock time in UTC: "2024-05-01 12:00:00 UTC", or ISO 8601 "2024-05-01T12:00:00" (the
// form JUnit's timestamp attribute takes). "" for the epoch (a time never set).
LOADKIT_DECL std::string human_utc(std::chrono::system_clock::time_point t, bool iso8601 = false);

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/text_units.ipp>
#endif

#endif // LOADKIT_DETAIL_TEXT_UNITS_HPP
