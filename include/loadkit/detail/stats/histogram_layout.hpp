// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_STATS_HISTOGRAM_LAYOUT_HPP
#define LOADKIT_DETAIL_STATS_HISTOGRAM_LAYOUT_HPP

#include <loadkit/config.hpp>
#include <loadkit/version.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// The log-linear counter layout shared by histogram and sharded_histogram's shards: HdrHistogram's
// bucket/sub-bucket indexing (HdrHistogram AbstractHistogram.countsArrayIndex) with a unit magnitude
// of 0, i.e. a resolution of 1 ns. Values below sub_bucket_count are counted exactly; above, each
// power-of-two range [2^k, 2^(k+1)) is split into sub_bucket_count / 2 equal counters.
struct histogram_layout {
    unsigned sub_bucket_bits = 0;      // log2(sub_bucket_count)
    unsigned half_bits = 0;            // log2(sub_bucket_count / 2)
    std::uint64_t sub_bucket_mask = 0; // sub_bucket_count - 1
    std::uint64_t highest = 0;         // largest trackable value; larger ones are clamped to it
    std::size_t counts_len = 0;        // index_of(highest) + 1

    // Branch-free: the bit width picks the power-of-two bucket, one shift picks the sub-bucket.
    [[nodiscard]] constexpr std::size_t index_of(std::uint64_t value) const noexcept {
        const auto bucket = static_cast<unsigned>(std::bit_width(value | sub_bucket_mask)) - sub_bucket_bits;
        return (std::size_t{bucket} << half_bits) + static_cast<std::size_t>(value >> bucket);
    }
    [[nodiscard]] constexpr unsigned bucket_of(std::size_t index) const noexcept {
        const std::size_t top = index >> half_bits;
        return top == 0 ? 0U : static_cast<unsigned>(top - 1);
    }
    [[nodiscard]] constexpr std::uint64_t lowest_of(std::size_t index) const noexcept {
        const unsigned bucket = bucket_of(index);
        return static_cast<std::uint64_t>(index - (std::size_t{bucket} << half_bits)) << bucket;
    }
    [[nodiscard]] constexpr std::uint64_t width_of(std::size_t index) const noexcept {
        return std::uint64_t{1} << bucket_of(index);
    }
    [[nodiscard]] constexpr std::uint64_t highest_of(std::size_t index) const noexcept {
        return lowest_of(index) + (width_of(index) - 1);
    }
    // HdrHistogram's medianEquivalentValue: reporting the middle, not the upper edge, centres the
    // quantization error (at most half a counter's width) instead of biasing every value upward.
    [[nodiscard]] constexpr std::uint64_t midpoint_of(std::size_t index) const noexcept {
        return lowest_of(index) + width_of(index) / 2;
    }
    [[nodiscard]] constexpr std::uint64_t sub_bucket_count() const noexcept { return sub_bucket_mask + 1; }

    friend constexpr bool operator==(const histogram_layout&, const histogram_layout&) = default;
};

inline constexpr unsigned histogram_max_sub_bucket_bits = 18; // = 5 significant digits

// value as "%g" prints it, for error messages. (Bodies of this block: impl/histogram_layout.ipp.)
LOADKIT_DECL std::string format_double(double value);

// Validates the options and derives the layout. significant_digits d follows HdrHistogram
// (sub_bucket_count = 2^ceil(log2(2 * 10^d))); max_relative_error e picks the smallest power-of-two
// sub_bucket_count with 1 / sub_bucket_count <= e. 0 in both means "not set" (then d = 3). Throws
// std::invalid_argument naming the field and the value.
LOADKIT_DECL histogram_layout make_histogram_layout(int significant_digits, double max_relative_error,
                                                    std::int64_t highest);

// The largest d (0..5) whose HdrHistogram layout this one matches or exceeds: 2 * 10^d <= sub_bucket_count.
[[nodiscard]] LOADKIT_DECL int histogram_significant_digits(const histogram_layout& layout) noexcept;

// Coordinated-omission back-fill with HdrHistogram recordValueWithExpectedInterval semantics: after
// the value itself, the missing samples value - k * interval for every k >= 1 with result >= interval.
// Calls record(v, n) and handles all values sharing a counter at once, so the cost is bounded by the
// counter count even for value = 1 h, interval = 1 ns (HdrHistogram would loop 3.6e12 times).
template <class Record>
void record_backfill(const histogram_layout& layout, std::int64_t value, std::int64_t interval,
                     Record&& record) {
    if (interval <= 0 || value <= interval) {
        return;
    }
    std::uint64_t left = static_cast<std::uint64_t>(value / interval) - 1;
    const auto step = static_cast<std::uint64_t>(interval);
    auto top = static_cast<std::uint64_t>(value) - step;
    while (left > 0) {
        // Everything above the range shares the clamped top counter; otherwise top's own counter.
        const std::uint64_t floor =
            top > layout.highest ? layout.highest + 1 : layout.lowest_of(layout.index_of(top));
        const std::uint64_t fit = (top - floor) / step + 1;
        const std::uint64_t n = fit < left ? fit : left;
        const std::uint64_t low = top - (n - 1) * step;
        record(static_cast<std::int64_t>(low), 1); // keeps min exact
        if (n > 1) {
            record(static_cast<std::int64_t>(top), n - 1);
        }
        left -= n;
        top = low - step;
    }
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/histogram_layout.ipp>
#endif

#endif // LOADKIT_DETAIL_STATS_HISTOGRAM_LAYOUT_HPP
