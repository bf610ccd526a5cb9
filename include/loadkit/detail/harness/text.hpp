// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Text shared by the concurrency-correctness bodies (impl/contend.ipp, impl/lock_probe.ipp,
// impl/deadline.ipp): their spelling of a duration ("1.2us", "80us", "1.0s", formatted by
// detail/text/units.hpp, as counts are: human_count). Only those bodies include it, so a user's
// translation unit in separate compilation does not read units.hpp for them. Names carry a
// contend_ prefix so they never clash with other detail helpers pulled into the same translation unit.
#ifndef LOADKIT_DETAIL_HARNESS_TEXT_HPP
#define LOADKIT_DETAIL_HARNESS_TEXT_HPP

#include <loadkit/detail/text/units.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// Two significant digits and ASCII "us": one line per run, read next to thread counts, where the
// console table's fourth digit would be noise. 850ns, 1.2us, 80us, 1.1ms, 1.0s, 2m05s.
inline std::string contend_duration_text(std::chrono::nanoseconds d) { return human_duration(d, false, 2); }

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_HARNESS_TEXT_HPP
