// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::histogram — a latency histogram in nanoseconds with a fixed relative error, constant
// memory and O(1), allocation-free, lock-free recording (HdrHistogram's log-linear layout).
//
//   loadkit::histogram h{{.significant_digits = 3}};         // or {{.max_relative_error = 0.01}}
//   h.record(std::chrono::nanoseconds{1'250'000});
//   auto p99 = h.value_at_percentile(99.0);                    // std::chrono::nanoseconds
//
// Accuracy: values 0 .. sub_bucket_count() - 1 ns are counted exactly. A larger value v shares a
// counter of width w = 2^k whose lower edge lo is at least (sub_bucket_count() / 2) * w. Reported
// values are the counter's midpoint lo + w / 2, clamped to the exact min()/max(), so a reported value
// r for an exact value v satisfies |r - v| <= w / 2 <= lo / sub_bucket_count() <= v * max_relative_error(),
// with max_relative_error() = 1 / sub_bucket_count() (half a counter's width relative to its lower
// edge, at worst). significant_digits 1/2/3/4/5 -> 1/32, 1/256, 1/2048, 1/32768, 1/262144
// (3 digits: 0.0488 %; HdrHistogram reports the upper edge instead: twice the error, always upward).
//
// Threads: a histogram is a plain value (no internal locking). Record from many threads with
// loadkit::sharded_histogram (sharded_histogram.hpp): one shard per thread, merged on snapshot.
#ifndef LOADKIT_HISTOGRAM_HPP
#define LOADKIT_HISTOGRAM_HPP

#include <loadkit/config.hpp>
#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// Configuration (validated by the histogram constructor, which throws std::invalid_argument naming the
// field and the value). Set significant_digits or max_relative_error, not both; neither means 3 digits.
struct histogram_options {
    // HdrHistogram's numberOfSignificantValueDigits, 1..5: the layout HdrHistogram would use.
    int significant_digits = 0;
    // Alternative: the bound on |reported - exact| / exact, 2^-18 .. 0.5; rounded to a power of two
    // (0.01 -> 1/128, 0.001 -> 1/1024), so max_relative_error() may be smaller than asked.
    double max_relative_error = 0.0;
    // Largest trackable value; larger values are clamped to it and counted (clamped_high_count()).
    std::chrono::nanoseconds highest = std::chrono::hours{1};
};

// One non-empty counter, as for_each_bucket() reports it.
struct histogram_bucket {
    std::chrono::nanoseconds lowest;         // smallest value the counter holds
    std::chrono::nanoseconds highest;        // largest value the counter holds
    std::chrono::nanoseconds representative; // midpoint, clamped to the histogram's exact min()/max()
    std::uint64_t count;
};

class sharded_histogram;

class histogram {
public:
    using options = histogram_options;

    histogram() : histogram(options{}) {}
    // Allocates the counters once; nothing else in this class allocates except copies.
    explicit histogram(const options& opts);

    // ---- recording: O(1), no allocation, no lock, never throws -------------------------------
    // Values in [0, highest()] land in their counter; negative values are recorded as 0 and values
    // above highest() as highest(), and counted in clamped_low_count() / clamped_high_count().
    void record(std::int64_t value_ns, std::uint64_t count = 1) noexcept {
        if (count == 0) {
            return;
        }
        auto value = static_cast<std::uint64_t>(value_ns); // negative -> huge: one test catches both ends
        if (value > layout_.highest) [[unlikely]] {
            value = clamp_out_of_range(value_ns, count);
        }
        counts_[layout_.index_of(value)] += count;
        total_ += count;
        if (value < min_) {
            min_ = value;
        }
        if (value > max_) {
            max_ = value;
        }
    }
    void record(std::chrono::nanoseconds value, std::uint64_t count = 1) noexcept {
        record(value.count(), count);
    }

    // For closed-loop callers whose slow response delayed the next request (coordinated omission):
    // records value, then value - interval, value - 2 * interval, ... while >= interval
    // (HdrHistogram recordValueWithExpectedInterval). interval <= 0 records value alone.
    // Cost is bounded by bucket_count(), however many values are back-filled.
    void record_corrected(std::int64_t value_ns, std::int64_t expected_interval_ns) noexcept {
        record(value_ns);
        detail::record_backfill(layout_, value_ns, expected_interval_ns,
                                [this](std::int64_t v, std::uint64_t n) { record(v, n); });
    }
    void record_corrected(std::chrono::nanoseconds value,
                          std::chrono::nanoseconds expected_interval) noexcept {
        record_corrected(value.count(), expected_interval.count());
    }

    // ---- combining ------------------------------------------------------------------------------
    // Exact: adds counts. Throws std::invalid_argument if the layouts differ (see same_config()).
    histogram& operator+=(const histogram& other);
    friend histogram operator+(histogram lhs, const histogram& rhs) {
        lhs += rhs;
        return lhs; // moved, not copied
    }

    // Removes other's values, where other is contained in this histogram (every counter and clamped
    // count <= ours), e.g. the previous cumulative snapshot of the same recording: this is how an
    // interval histogram comes out of two sharded_histogram snapshots. The remainder's exact min/max
    // are unknown, so they become the midpoints of its first/last non-empty counters, kept within
    // the old [min(), max()]: like every reported value, within max_relative_error() of the exact
    // extremes (the counters' edges could be twice that away). Throws std::invalid_argument,
    // changing nothing, if the configurations differ or other is not contained.
    histogram& operator-=(const histogram& other);
    friend histogram operator-(histogram lhs, const histogram& rhs) {
        lhs -= rhs;
        return lhs;
    }

    // Back to empty, keeping the configuration and the storage (O(occupied range)).
    void reset() noexcept;
    void clear() noexcept { reset(); }

    // Same configuration and identical contents: every counter, count, clamped counts, min and max.
    friend bool operator==(const histogram& a, const histogram& b) noexcept;

    // ---- statistics (an empty histogram reports 0 for all of them) ------------------------------
    [[nodiscard]] std::uint64_t count() const noexcept { return total_; } // clamped values included
    [[nodiscard]] bool empty() const noexcept { return total_ == 0; }
    [[nodiscard]] std::uint64_t clamped_low_count() const noexcept { return clamped_low_; }
    [[nodiscard]] std::uint64_t clamped_high_count() const noexcept { return clamped_high_; }
    [[nodiscard]] std::uint64_t clamped_count() const noexcept { return clamped_low_ + clamped_high_; }
    // Exact smallest / largest recorded value (after clamping); after operator-=, within
    // max_relative_error() of the remainder's.
    [[nodiscard]] std::chrono::nanoseconds min() const noexcept { return ns(total_ == 0 ? 0 : min_); }
    [[nodiscard]] std::chrono::nanoseconds max() const noexcept { return ns(max_); }

    // From the counters' representatives: within max_relative_error() of the exact mean.
    [[nodiscard]] std::chrono::duration<double, std::nano> mean() const noexcept;
    // Population standard deviation (divides by count(), as HdrHistogram getStdDeviation).
    [[nodiscard]] std::chrono::duration<double, std::nano> stddev() const noexcept;

    // Nearest rank: with N values sorted ascending v[1..N], the value v[k] with k = ceil(p / 100 * N)
    // (at least 1), i.e. the smallest recorded value with at least p % of values <= it; p = 0 gives
    // min() and p = 100 max(), exactly. Returns v[k]'s counter midpoint clamped to [min(), max()], so
    // the result is within v[k] * max_relative_error() of the exact v[k]. p must be in [0, 100]
    // (std::invalid_argument otherwise). Cost: one scan of the occupied counters from the nearer end.
    [[nodiscard]] std::chrono::nanoseconds value_at_percentile(double p) const;

    // Percentage (0 .. 100) of recorded values <= value, at counter resolution: exact when value is
    // the highest value of its counter (or below min() / at or above max()); otherwise every value
    // sharing value's counter counts as <= value. 0 for an empty histogram.
    [[nodiscard]] double percentile_of(std::int64_t value_ns) const noexcept {
        return total_ == 0
                   ? 0.0
                   : 100.0 * static_cast<double>(count_at_or_below(value_ns)) / static_cast<double>(total_);
    }
    [[nodiscard]] double percentile_of(std::chrono::nanoseconds value) const noexcept {
        return percentile_of(value.count());
    }
    // Number of recorded values <= value, at counter resolution as percentile_of().
    [[nodiscard]] std::uint64_t count_at_or_below(std::int64_t value_ns) const noexcept;
    [[nodiscard]] std::uint64_t count_at_or_below(std::chrono::nanoseconds value) const noexcept {
        return count_at_or_below(value.count());
    }

    // Calls f(const histogram_bucket&) for every non-empty counter, in increasing value order.
    template <class F> void for_each_bucket(F&& f) const {
        for_each_index([&](std::size_t i, std::uint64_t c) {
            const histogram_bucket bucket{ns(layout_.lowest_of(i)), ns(layout_.highest_of(i)),
                                          ns(representative_of(i)), c};
            f(bucket);
        });
    }

    // ---- configuration --------------------------------------------------------------------------
    [[nodiscard]] static constexpr std::chrono::nanoseconds lowest() noexcept {
        return std::chrono::nanoseconds{1};
    }
    [[nodiscard]] std::chrono::nanoseconds highest() const noexcept { return ns(layout_.highest); }
    // HdrHistogram-equivalent digits: the largest d with 2 * 10^d <= sub_bucket_count().
    [[nodiscard]] int significant_digits() const noexcept;
    // 1 / sub_bucket_count(): the bound on |reported - exact| / exact for every reported value.
    [[nodiscard]] double max_relative_error() const noexcept {
        return 1.0 / static_cast<double>(layout_.sub_bucket_count());
    }
    [[nodiscard]] std::size_t sub_bucket_count() const noexcept {
        return static_cast<std::size_t>(layout_.sub_bucket_count());
    }
    // Number of counters (what for_each_bucket() walks over).
    [[nodiscard]] std::size_t bucket_count() const noexcept { return layout_.counts_len; }
    [[nodiscard]] std::size_t memory_bytes() const noexcept {
        return sizeof(histogram) + counts_.capacity() * sizeof(std::uint64_t);
    }
    // Same layout (sub_bucket_count) and highest(): the condition for +=.
    [[nodiscard]] bool same_config(const histogram& other) const noexcept { return layout_ == other.layout_; }

private:
    friend class sharded_histogram;
    static constexpr std::size_t scan_block = 32;

    static std::chrono::nanoseconds ns(std::uint64_t value) noexcept {
        return std::chrono::nanoseconds{static_cast<std::int64_t>(value)};
    }

    std::uint64_t clamp_out_of_range(std::int64_t value_ns, std::uint64_t count) noexcept {
        if (value_ns < 0) {
            clamped_low_ += count;
            return 0;
        }
        clamped_high_ += count;
        return layout_.highest;
    }

    [[nodiscard]] std::size_t first_index() const noexcept { return layout_.index_of(min_); }
    [[nodiscard]] std::size_t last_index() const noexcept { return layout_.index_of(max_); }

    [[nodiscard]] std::uint64_t representative_of(std::size_t index) const noexcept {
        const std::uint64_t mid = layout_.midpoint_of(index);
        return mid < min_ ? min_ : (mid > max_ ? max_ : mid);
    }

    template <class F> void for_each_index(F&& f) const {
        if (total_ == 0) {
            return;
        }
        const std::size_t last = last_index();
        for (std::size_t i = first_index(); i <= last; ++i) {
            if (counts_[i] != 0) {
                f(i, counts_[i]);
            }
        }
    }

    // Sum of the block of counters starting at c: most of a percentile query's cost. GCC 12
    // vectorizes the scalar form at -O2 but not at -O3 (it unrolls it into scalar adds first, 2.8x
    // slower: p90 of 10^6 lognormal values 1.04 vs 0.37 us), so GCC and Clang get explicit 2 x 64-bit
    // vectors (SSE2 / NEON, or scalar code where the target has none) in four independent chains.
    static std::uint64_t block_sum(const std::uint64_t* c) noexcept;

    // The counter holding the rank-th smallest value (1 <= rank <= count()). Scans from the nearer
    // end a block at a time, then counter by counter inside the block that reaches the rank.
    [[nodiscard]] std::size_t index_of_rank(std::uint64_t rank) const noexcept;

    void check_same_config(const histogram& other, const char* operation) const;

    detail::histogram_layout layout_;
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max(); // max while empty: any value is smaller
    std::uint64_t max_ = 0;
    std::uint64_t clamped_low_ = 0;
    std::uint64_t clamped_high_ = 0;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/histogram.ipp>
#endif

#endif // LOADKIT_HISTOGRAM_HPP
