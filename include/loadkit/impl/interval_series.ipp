// SPDX-License-Identifier: MIT
// The time series' bodies (declared in interval_series.hpp): sparse histogram conversion, merging
// and queries, interval addition and resolution halving. The body of interval_series.hpp: included
// at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_INTERVAL_SERIES_IPP
#define LOADKIT_IMPL_INTERVAL_SERIES_IPP

#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL void sparse_histogram::add(const histogram& h) {
    if (h.empty()) {
        return;
    }
    sparse_histogram other;
    other.total_ = h.count();
    h.for_each_bucket([&](const histogram_bucket& b) {
        const auto index =
            static_cast<std::uint32_t>(layout().index_of(static_cast<std::uint64_t>(b.lowest.count())));
        if (!other.entries_.empty() && index_of(other.entries_.back()) == index) {
            other.entries_.back() += b.count;
        } else {
            other.entries_.push_back(make_entry(index, b.count));
        }
    });
    *this += other;
}

LOADKIT_DECL sparse_histogram& sparse_histogram::operator+=(const sparse_histogram& other) {
    if (other.total_ == 0) {
        return *this;
    }
    if (total_ == 0) {
        *this = other;
        return *this;
    }
    std::vector<entry> merged;
    merged.reserve(entries_.size() + other.entries_.size());
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < entries_.size() || j < other.entries_.size()) {
        if (j == other.entries_.size() ||
            (i < entries_.size() && index_of(entries_[i]) < index_of(other.entries_[j]))) {
            merged.push_back(entries_[i++]);
        } else if (i == entries_.size() || index_of(other.entries_[j]) < index_of(entries_[i])) {
            merged.push_back(other.entries_[j++]);
        } else {
            merged.push_back(entries_[i] + count_of(other.entries_[j]));
            ++i;
            ++j;
        }
    }
    entries_ = std::move(merged);
    total_ += other.total_;
    return *this;
}

LOADKIT_DECL std::chrono::nanoseconds sparse_histogram::value_at_percentile(double p) const {
    if (!(p >= 0.0 && p <= 100.0)) {
        throw std::invalid_argument("loadkit::sparse_histogram::value_at_percentile: p = " +
                                    detail::format_double(p) + " is outside [0, 100]");
    }
    if (total_ == 0) {
        return {};
    }
    const double exact = p / 100.0 * static_cast<double>(total_);
    const double rounded = std::ceil(exact - exact * 1e-12);
    const std::uint64_t rank = rounded < 1.0 ? 1 : static_cast<std::uint64_t>(rounded);
    std::uint64_t seen = 0;
    for (const entry e : entries_) {
        seen += count_of(e);
        if (seen >= rank) {
            return midpoint(index_of(e));
        }
    }
    return max();
}

LOADKIT_DECL std::chrono::duration<double, std::nano> sparse_histogram::mean() const noexcept {
    double sum = 0.0;
    for (const entry e : entries_) {
        sum += static_cast<double>(midpoint(index_of(e)).count()) * static_cast<double>(count_of(e));
    }
    return std::chrono::duration<double, std::nano>{total_ == 0 ? 0.0 : sum / static_cast<double>(total_)};
}

LOADKIT_DECL histogram sparse_histogram::to_histogram(std::chrono::nanoseconds highest) const {
    histogram out{{.significant_digits = 2, .highest = highest}};
    for (const entry e : entries_) {
        out.record(midpoint(index_of(e)), count_of(e));
    }
    return out;
}
LOADKIT_DECL const detail::histogram_layout& sparse_histogram::layout() noexcept {
    static const detail::histogram_layout l{sub_bucket_bits, sub_bucket_bits - 1,
                                            (std::uint64_t{1} << sub_bucket_bits) - 1,
                                            std::numeric_limits<std::uint64_t>::max() >> 1, 0};
    return l;
}

LOADKIT_DECL interval_stats& interval_stats::operator+=(const interval_stats& other) {
    ok += other.ok;
    errors += other.errors;
    timeouts += other.timeouts;
    dropped += other.dropped;
    latency += other.latency;
    return *this;
}

LOADKIT_DECL void interval_series::add(std::chrono::nanoseconds offset, const interval_stats& s) {
    if (width <= std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument("loadkit::interval_series::add: width = " +
                                    std::to_string(width.count()) + "ns is invalid (expected > 0)");
    }
    const auto at = offset < std::chrono::nanoseconds::zero() ? std::chrono::nanoseconds::zero() : offset;
    while (static_cast<std::size_t>(at / width) >= (max_intervals < 2 ? 2 : max_intervals)) {
        halve_resolution();
    }
    const auto index = static_cast<std::size_t>(at / width);
    if (index >= intervals.size()) {
        intervals.resize(index + 1);
    }
    intervals[index] += s;
}

LOADKIT_DECL void interval_series::halve_resolution() {
    const std::size_t half = (intervals.size() + 1) / 2;
    for (std::size_t i = 0; i < half; ++i) {
        interval_stats merged = std::move(intervals[2 * i]);
        if (2 * i + 1 < intervals.size()) {
            merged += intervals[2 * i + 1];
        }
        intervals[i] = std::move(merged);
    }
    intervals.resize(half);
    width *= 2;
}

LOADKIT_DECL interval_series& interval_series::operator+=(const interval_series& other) {
    if (other.width <= std::chrono::nanoseconds::zero() || other.intervals.empty()) {
        return *this;
    }
    if (width <= std::chrono::nanoseconds::zero() || intervals.empty()) {
        *this = other; // an empty series adopts the other's width and cap
        return *this;
    }
    while (width < other.width) {
        halve_resolution();
    }
    for (std::size_t i = 0; i < other.intervals.size(); ++i) {
        add(other.start_of(i), other.intervals[i]);
    }
    return *this;
}

LOADKIT_DECL interval_stats interval_series::total() const {
    interval_stats sum;
    for (const auto& s : intervals) {
        sum += s;
    }
    return sum;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_INTERVAL_SERIES_IPP
