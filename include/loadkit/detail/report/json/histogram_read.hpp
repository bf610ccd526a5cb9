// SPDX-License-Identifier: MIT
//
// Rebuilding a loadkit::histogram exactly from what the JSON holds (report/json.hpp): its
// configuration, totals, extremes, clamped counts and counters. Whatever the counters, extremes
// and clamped counts allow is accepted; anything inconsistent is named.
#ifndef LOADKIT_DETAIL_REPORT_JSON_HISTOGRAM_READ_HPP
#define LOADKIT_DETAIL_REPORT_JSON_HISTOGRAM_READ_HPP

#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/version.hpp>

#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {
namespace detail {

// A histogram as the JSON holds it, before it is rebuilt.
struct json_histogram_fields {
    std::uint64_t sub_bucket_count = 0;
    std::int64_t highest = 0;
    std::uint64_t count = 0;
    std::int64_t min = 0;
    std::int64_t max = 0;
    std::uint64_t clamped_low = 0;
    std::uint64_t clamped_high = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> counters; // (index, count), ascending index
};

// (index, count) pairs -> (lowest value, count) pairs in layout; "" or why they do not fit.
inline std::string counters_to_values(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& counters,
                                      const histogram_layout& layout,
                                      std::vector<std::pair<std::int64_t, std::uint64_t>>& out) {
    out.clear();
    for (const auto& [index, n] : counters) {
        if (index >= layout.counts_len) {
            return "counts: counter " + std::to_string(index) + " is beyond the last one (" +
                   std::to_string(layout.counts_len - 1) + ")";
        }
        out.emplace_back(static_cast<std::int64_t>(layout.lowest_of(static_cast<std::size_t>(index))), n);
    }
    return {};
}

// The histogram holding exactly these counters, totals and extremes; "" or why there is none.
// histogram has no setter for its min/max, so they come from what it records: every counter's
// values at its lowest value kept within [min, max] (the first counter's land on min), and one
// value of the last counter at max, whichever way the original was made (recorded, merged or a
// difference of snapshots, as steady-state histograms are). Only one value with min != max
// cannot be rebuilt, and no histogram holds that.
inline std::string rebuild_histogram(const json_histogram_fields& f, histogram& out) {
    const auto bits = static_cast<unsigned>(std::bit_width(f.sub_bucket_count)) - 1U;
    if (f.sub_bucket_count < 2 || (f.sub_bucket_count & (f.sub_bucket_count - 1)) != 0 ||
        bits > histogram_max_sub_bucket_bits) {
        return "sub_bucket_count = " + std::to_string(f.sub_bucket_count) +
               " (expected a power of two 2 .. 262144)";
    }
    if (f.highest < 2) {
        return "highest_ns = " + std::to_string(f.highest) + " (expected >= 2)";
    }
    const histogram_options options{.max_relative_error = 1.0 / static_cast<double>(f.sub_bucket_count),
                                    .highest = std::chrono::nanoseconds{f.highest}};
    out = histogram(options);
    if (f.count == 0) {
        return f.counters.empty() && f.clamped_low == 0 && f.clamped_high == 0 && f.min == 0 && f.max == 0
                   ? std::string()
                   : "an empty histogram (count 0) with counters, clamped values or extremes other than 0";
    }
    const histogram_layout layout = make_histogram_layout(0, options.max_relative_error, f.highest);
    const auto index = [&](std::int64_t v) { return layout.index_of(static_cast<std::uint64_t>(v)); };
    std::vector<std::pair<std::int64_t, std::uint64_t>> buckets; // (lowest value, count)
    if (std::string problem = counters_to_values(f.counters, layout, buckets); !problem.empty()) {
        return problem;
    }
    std::uint64_t sum = 0;
    for (const auto& b : buckets) {
        if (b.second > std::numeric_limits<std::uint64_t>::max() - sum) {
            return "counts: the counts overflow";
        }
        sum += b.second;
    }
    if (sum != f.count || buckets.empty()) {
        return "count = " + std::to_string(f.count) + " but the counters hold " + std::to_string(sum);
    }
    const auto first = buckets.front().first;
    const auto last = buckets.back().first;
    if (f.min < 0 || f.max < f.min || index(f.min) != index(first) || f.max > f.highest ||
        index(f.max) != index(last)) {
        return "min_ns / max_ns (" + std::to_string(f.min) + ", " + std::to_string(f.max) +
               ") must lie in the first / last counter";
    }
    if ((f.clamped_low > 0 && (f.min != 0 || f.clamped_low > buckets.front().second || first != 0)) ||
        (f.clamped_high > 0 &&
         (f.max != f.highest || f.highest == std::numeric_limits<std::int64_t>::max()))) {
        return "clamped_low / clamped_high disagree with min_ns / max_ns and the counters";
    }
    if (f.clamped_low > 0) {
        out.record(-1, f.clamped_low); // counted as clamped, filed at 0
    }
    if (f.clamped_high > 0) {
        out.record(f.highest + 1, f.clamped_high); // counted as clamped, filed at highest
    }
    const std::size_t top = index(f.highest);
    for (const auto& [value, count] : buckets) {
        const std::size_t at = index(value);
        const std::uint64_t clamped = (at == 0 ? f.clamped_low : 0) + (at == top ? f.clamped_high : 0);
        if (clamped > count) {
            return "clamped_low / clamped_high exceed the count of their counter";
        }
        std::uint64_t n = count - clamped;
        if (value == last && n > 0 && f.clamped_high == 0) { // clamped values are at max already
            out.record(f.max);
            --n;
        }
        out.record(value < f.min ? f.min : (value > f.max ? f.max : value), n);
    }
    if (out.count() != f.count || out.min().count() != f.min || out.max().count() != f.max ||
        out.clamped_low_count() != f.clamped_low || out.clamped_high_count() != f.clamped_high) {
        return "the counters cannot hold these extremes and clamped counts";
    }
    return {};
}

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_JSON_HISTOGRAM_READ_HPP
