// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Number formatting for the rate limiters' configuration errors ("stages[2].target = -5"), kept
// apart so rate_schedule.hpp and token_bucket.hpp share one spelling without pulling in a reporter.
#ifndef LOADKIT_DETAIL_TEXT_RATE_TEXT_HPP
#define LOADKIT_DETAIL_TEXT_RATE_TEXT_HPP

#include <loadkit/version.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// 15 significant digits: integral values print bare ("-5", "1000000"), fractions without noise
// ("0.1"), and nan/inf as such.
inline std::string rate_number(double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%.15g", value);
    return text;
}

inline std::string rate_duration(std::chrono::nanoseconds value) {
    return std::to_string(value.count()) + "ns";
}

[[noreturn]] inline void throw_rate_option(const char* owner, const std::string& field,
                                           const std::string& value, const char* expected) {
    throw std::invalid_argument(std::string("loadkit::") + owner + ": " + field + " = " + value +
                                " (expected " + expected + ")");
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_TEXT_RATE_TEXT_HPP
