// SPDX-License-Identifier: MIT
//
// The time series a run_result carries (result.hpp): per interval, outcome counts and a sparse
// histogram at 2 significant digits. Both merge exactly, and the series keeps its memory bounded
// over a 24 h soak by merging adjacent intervals pairwise when it reaches its cap.
#ifndef LOADKIT_DETAIL_RECORDER_SERIES_HPP
#define LOADKIT_DETAIL_RECORDER_SERIES_HPP

#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0 {

// A histogram storing only its non-empty counters, in HdrHistogram's layout at 2 significant
// digits (256 sub-buckets: every reported value is its counter's midpoint, within 1/256 = 0.39 %
// of the exact value). An idle interval costs no counter at all and a typical one a few hundred
// bytes, against 36 KiB dense. Built from a loadkit::histogram of at least 2 digits, whose counters
// nest inside these (both layouts split each power of two into equal power-of-two widths), so it
// is exact at this resolution. It keeps no exact min/max (an interval is the difference of two
// cumulative snapshots, whose extremes are unknown): min() and max() are the first and last
// counters' midpoints, which makes += exact and independent of how the data was split.
// Percentiles follow histogram's nearest-rank definition.
class sparse_histogram {
public:
    static constexpr unsigned sub_bucket_bits = 8;

    sparse_histogram() = default;
    explicit sparse_histogram(const histogram& h) { add(h); }

    // Adds h's counts at this resolution.
    void add(const histogram& h) {
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

    sparse_histogram& operator+=(const sparse_histogram& other) {
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

    [[nodiscard]] std::uint64_t count() const noexcept { return total_; }
    [[nodiscard]] bool empty() const noexcept { return total_ == 0; }
    [[nodiscard]] std::chrono::nanoseconds min() const noexcept {
        return entries_.empty() ? std::chrono::nanoseconds{} : midpoint(index_of(entries_.front()));
    }
    [[nodiscard]] std::chrono::nanoseconds max() const noexcept {
        return entries_.empty() ? std::chrono::nanoseconds{} : midpoint(index_of(entries_.back()));
    }
    // Number of stored (non-empty) counters.
    [[nodiscard]] std::size_t bucket_count() const noexcept { return entries_.size(); }
    [[nodiscard]] std::size_t memory_bytes() const noexcept {
        return sizeof(sparse_histogram) + entries_.capacity() * sizeof(entry);
    }

    // As histogram::value_at_percentile (nearest rank), reporting the counter's midpoint.
    [[nodiscard]] std::chrono::nanoseconds value_at_percentile(double p) const {
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
    // From the counters' midpoints: within 0.39 % of the exact mean.
    [[nodiscard]] std::chrono::duration<double, std::nano> mean() const noexcept {
        double sum = 0.0;
        for (const entry e : entries_) {
            sum += static_cast<double>(midpoint(index_of(e)).count()) * static_cast<double>(count_of(e));
        }
        return std::chrono::duration<double, std::nano>{total_ == 0 ? 0.0
                                                                    : sum / static_cast<double>(total_)};
    }

    // Calls f(const histogram_bucket&) for every stored counter, in increasing value order.
    template <class F> void for_each_bucket(F&& f) const {
        for (const entry e : entries_) {
            const std::uint32_t i = index_of(e);
            const histogram_bucket b{ns(layout().lowest_of(i)), ns(layout().highest_of(i)), midpoint(i),
                                     count_of(e)};
            f(b);
        }
    }

    // A dense loadkit::histogram with the same counts ({.significant_digits = 2}; each counter's
    // values recorded at its midpoint), e.g. to merge intervals into one window and query it.
    [[nodiscard]] histogram to_histogram(std::chrono::nanoseconds highest = std::chrono::hours{1}) const {
        histogram out{{.significant_digits = 2, .highest = highest}};
        for (const entry e : entries_) {
            out.record(midpoint(index_of(e)), count_of(e));
        }
        return out;
    }

    friend bool operator==(const sparse_histogram&, const sparse_histogram&) = default;

private:
    // One counter in 8 bytes: its index (< 2^13 even for highest = 2^63 ns) in the top 16 bits,
    // its count (< 2^48 = 2.8e14 per interval) below.
    using entry = std::uint64_t;
    static constexpr unsigned count_bits = 48;
    static constexpr entry make_entry(std::uint32_t index, std::uint64_t count) noexcept {
        return (entry{index} << count_bits) | count;
    }
    static constexpr std::uint32_t index_of(entry e) noexcept {
        return static_cast<std::uint32_t>(e >> count_bits);
    }
    static constexpr std::uint64_t count_of(entry e) noexcept { return e & ((entry{1} << count_bits) - 1); }

    static std::chrono::nanoseconds ns(std::uint64_t v) noexcept {
        return std::chrono::nanoseconds{static_cast<std::int64_t>(v)};
    }
    static std::chrono::nanoseconds midpoint(std::uint32_t index) noexcept {
        return ns(layout().midpoint_of(index));
    }
    static const detail::histogram_layout& layout() noexcept {
        static const detail::histogram_layout l{sub_bucket_bits, sub_bucket_bits - 1,
                                                (std::uint64_t{1} << sub_bucket_bits) - 1,
                                                std::numeric_limits<std::uint64_t>::max() >> 1, 0};
        return l;
    }

    std::vector<entry> entries_; // ascending index, counts > 0
    std::uint64_t total_ = 0;
};

// One interval of one tag (or of the whole run). Latency is the response time in an open-model
// run and the only latency in a closed-model one, for every operation that ran.
struct interval_stats {
    std::uint64_t ok = 0;
    std::uint64_t errors = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t dropped = 0; // never started; not in count() and not in latency
    sparse_histogram latency;

    [[nodiscard]] std::uint64_t count() const noexcept { return ok + errors + timeouts; }
    [[nodiscard]] std::uint64_t failed() const noexcept { return errors + timeouts; }
    [[nodiscard]] bool empty() const noexcept { return count() == 0 && dropped == 0; }

    interval_stats& operator+=(const interval_stats& other) {
        ok += other.ok;
        errors += other.errors;
        timeouts += other.timeouts;
        dropped += other.dropped;
        latency += other.latency;
        return *this;
    }
    friend bool operator==(const interval_stats&, const interval_stats&) = default;
};

// intervals[i] covers [i * width, (i + 1) * width) from the run's start (the last one may be
// partial: it ends at the run's duration). When a new interval would exceed max_intervals, each
// pair of adjacent intervals merges into one and width doubles: a 24 h soak at 1 s intervals and
// the default cap of 1024 ends with 675 intervals of 128 s. Merging series (+=) is exact when both
// started from the same base width (the recorder's interval), as the runners of one test do.
struct interval_series {
    std::chrono::nanoseconds width{};
    std::size_t max_intervals = 1024;
    std::vector<interval_stats> intervals;

    [[nodiscard]] bool empty() const noexcept { return intervals.empty(); }
    [[nodiscard]] std::chrono::nanoseconds start_of(std::size_t i) const noexcept {
        return width * static_cast<std::int64_t>(i);
    }

    // Adds s to the interval holding the time offset (from the run's start), growing the series
    // with empty intervals and halving its resolution as needed. width must be set (> 0).
    void add(std::chrono::nanoseconds offset, const interval_stats& s) {
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

    // Merges pairs (2i, 2i + 1) into interval i and doubles width.
    void halve_resolution() {
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

    // Exact: every interval of other lands in the one covering its start here.
    interval_series& operator+=(const interval_series& other) {
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

    // The sum of every interval: equals the run's totals (warm-up included).
    [[nodiscard]] interval_stats total() const {
        interval_stats sum;
        for (const auto& s : intervals) {
            sum += s;
        }
        return sum;
    }

    friend bool operator==(const interval_series&, const interval_series&) = default;
};

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_RECORDER_SERIES_HPP
