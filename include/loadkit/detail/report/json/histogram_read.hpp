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
inline namespace v0_1 {
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

// The smallest layout (3 counters): what the reader builds result objects with before it reads
// their histograms, each a required member. A default histogram (3 digits up to 1 h, 270 KB zeroed)
// per result, tag and warm-up was most of from_json's time.
inline histogram_options json_placeholder_precision() noexcept {
    return {.max_relative_error = 0.5, .highest = std::chrono::nanoseconds{2}};
}

// The layout f declares: sub_bucket_count and highest_ns checked; "" or why they are invalid.
inline std::string json_histogram_layout(const json_histogram_fields& f, histogram_layout& layout) {
    const auto bits = static_cast<unsigned>(std::bit_width(f.sub_bucket_count)) - 1U;
    if (f.sub_bucket_count < 2 || (f.sub_bucket_count & (f.sub_bucket_count - 1)) != 0 ||
        bits > histogram_max_sub_bucket_bits) {
        return "sub_bucket_count = " + std::to_string(f.sub_bucket_count) +
               " (expected a power of two 2 .. 262144)";
    }
    if (f.highest < 2) {
        return "highest_ns = " + std::to_string(f.highest) + " (expected >= 2)";
    }
    layout = make_histogram_layout(0, 1.0 / static_cast<double>(f.sub_bucket_count), f.highest);
    return {};
}

// Whether f's counters, totals, extremes and clamped counts can make a histogram of layout (from
// json_histogram_layout), without building it: "" or why not. buckets receives the counters as
// (lowest value, count).
inline std::string check_histogram(const json_histogram_fields& f, const histogram_layout& layout,
                                   std::vector<std::pair<std::int64_t, std::uint64_t>>& buckets) {
    buckets.clear();
    if (f.count == 0) {
        return f.counters.empty() && f.clamped_low == 0 && f.clamped_high == 0 && f.min == 0 && f.max == 0
                   ? std::string()
                   : "an empty histogram (count 0) with counters, clamped values or extremes other than 0";
    }
    const auto index = [&](std::int64_t v) { return layout.index_of(static_cast<std::uint64_t>(v)); };
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
    // Clamped values sit in counter 0 (the first, checked above) and in the top counter, which is
    // the last one when any are clamped high (max = highest), never counter 0 (highest >= 2).
    if (f.clamped_high > buckets.back().second) {
        return "clamped_low / clamped_high exceed the count of their counter";
    }
    return {};
}

// The histogram holding exactly these counters, totals and extremes, in layout (from
// json_histogram_layout); "" or why there is none. histogram has no setter for its exact min/max,
// so each counter's count is recorded at a value inside it chosen to make them exact: clamped into
// [min, max] (the first counter's values land on min), and one of the last counter's values at max.
// Clamped counts go through record's own clamping, which counts them. Only one value with
// min != max cannot be rebuilt, and no histogram holds that. (Recording min and max once more and
// subtracting a histogram of just them, as this did for every histogram, builds two more
// histograms of the full layout: most of from_json's time.)
inline std::string rebuild_histogram(const json_histogram_fields& f, const histogram_layout& layout,
                                     histogram& out) {
    std::vector<std::pair<std::int64_t, std::uint64_t>> buckets;
    if (std::string problem = check_histogram(f, layout, buckets); !problem.empty()) {
        return problem;
    }
    const histogram_options options{.max_relative_error = 1.0 / static_cast<double>(f.sub_bucket_count),
                                    .highest = std::chrono::nanoseconds{f.highest}};
    out = histogram(options);
    if (f.clamped_low > 0) {
        out.record(-1, f.clamped_low); // counted as clamped, filed at 0
    }
    if (f.clamped_high > 0) {
        out.record(f.highest + 1, f.clamped_high); // counted as clamped, filed at highest = max
    }
    const std::size_t top = layout.index_of(static_cast<std::uint64_t>(f.highest));
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        const auto [value, count] = buckets[i];
        const std::size_t at = layout.index_of(static_cast<std::uint64_t>(value));
        std::uint64_t rest = count - (at == 0 ? f.clamped_low : 0) - (at == top ? f.clamped_high : 0);
        if (i + 1 == buckets.size() && rest > 0) {
            out.record(f.max); // the last counter holds max
            --rest;
        }
        out.record(value < f.min ? f.min : (value > f.max ? f.max : value), rest);
    }
    if (out.count() != f.count || out.min().count() != f.min || out.max().count() != f.max ||
        out.clamped_low_count() != f.clamped_low || out.clamped_high_count() != f.clamped_high) {
        return "the counters cannot hold these extremes and clamped counts";
    }
    return {};
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_JSON_HISTOGRAM_READ_HPP
