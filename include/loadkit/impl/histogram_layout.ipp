// SPDX-License-Identifier: MIT
// The histogram layout's cold half (declared in detail/stats/histogram_layout.hpp): option
// validation and layout derivation, run once per histogram, never while recording.
#ifndef LOADKIT_IMPL_HISTOGRAM_LAYOUT_IPP
#define LOADKIT_IMPL_HISTOGRAM_LAYOUT_IPP

#include <bit>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

[[noreturn]] LOADKIT_DECL void throw_histogram_option(const char* field, const std::string& value,
                                                      const char* expected) {
    throw std::invalid_argument(std::string("loadkit::histogram_options: ") + field + " = " + value +
                                " is invalid (expected " + expected + ")");
}

LOADKIT_DECL std::string format_double(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

LOADKIT_DECL histogram_layout make_histogram_layout(int significant_digits, double max_relative_error,
                                                    std::int64_t highest) {
    const bool digits_set = significant_digits != 0;
    const bool error_set = max_relative_error != 0.0;
    if (digits_set && error_set) {
        throw std::invalid_argument(
            "loadkit::histogram_options: significant_digits = " + std::to_string(significant_digits) +
            " and max_relative_error = " + format_double(max_relative_error) + " are both set (set one)");
    }
    histogram_layout layout;
    if (error_set) {
        const double finest = 1.0 / static_cast<double>(std::uint64_t{1} << histogram_max_sub_bucket_bits);
        if (!(max_relative_error >= finest && max_relative_error <= 0.5)) {
            throw_histogram_option("max_relative_error", format_double(max_relative_error),
                                   "3.8147e-06 (2^-18) .. 0.5");
        }
        unsigned bits = 1;
        while (1.0 / static_cast<double>(std::uint64_t{1} << bits) > max_relative_error) {
            ++bits;
        }
        layout.sub_bucket_bits = bits;
    } else {
        const int digits = digits_set ? significant_digits : 3;
        if (digits < 1 || digits > 5) {
            throw_histogram_option("significant_digits", std::to_string(significant_digits), "1 .. 5");
        }
        std::uint64_t largest = 2;
        for (int i = 0; i < digits; ++i) {
            largest *= 10;
        }
        layout.sub_bucket_bits = static_cast<unsigned>(std::bit_width(largest - 1));
    }
    if (highest < 2) { // HdrHistogram requires highest >= 2 * lowest
        throw_histogram_option("highest", std::to_string(highest) + "ns", "at least 2ns");
    }
    layout.half_bits = layout.sub_bucket_bits - 1;
    layout.sub_bucket_mask = (std::uint64_t{1} << layout.sub_bucket_bits) - 1;
    layout.highest = static_cast<std::uint64_t>(highest);
    layout.counts_len = layout.index_of(layout.highest) + 1;
    return layout;
}

LOADKIT_DECL int histogram_significant_digits(const histogram_layout& layout) noexcept {
    int digits = 0;
    std::uint64_t needed = 20;
    while (digits < 5 && needed <= layout.sub_bucket_count()) {
        ++digits;
        needed *= 10;
    }
    return digits;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_HISTOGRAM_LAYOUT_IPP
