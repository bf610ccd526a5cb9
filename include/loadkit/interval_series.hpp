// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::interval_series — the time series a run_result carries (result.hpp): per interval,
// outcome counts (interval_stats) and a sparse histogram at 2 significant digits
// (sparse_histogram). Both merge exactly, and the series keeps its memory bounded over a 24 h soak
// by merging adjacent intervals pairwise when it reaches its cap.
#ifndef LOADKIT_INTERVAL_SERIES_HPP
#define LOADKIT_INTERVAL_SERIES_HPP

#include <loadkit/config.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

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
    void add(const histogram& h);

    sparse_histogram& operator+=(const sparse_histogram& other);

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
    [[nodiscard]] std::chrono::nanoseconds value_at_percentile(double p) const;
    // From the counters' midpoints: within 0.39 % of the exact mean.
    [[nodiscard]] std::chrono::duration<double, std::nano> mean() const noexcept;

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
    [[nodiscard]] histogram to_histogram(std::chrono::nanoseconds highest = std::chrono::hours{1}) const;

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
    static const detail::histogram_layout& layout() noexcept;

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

    interval_stats& operator+=(const interval_stats& other);
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
    // How long interval i lasted in a series that ends at `end` (the run's duration, or the time a
    // live snapshot was taken): width, less for a last interval cut short, 0 past the end.
    [[nodiscard]] std::chrono::nanoseconds length_of(std::size_t i,
                                                     std::chrono::nanoseconds end) const noexcept {
        const auto left = end - start_of(i);
        return left <= std::chrono::nanoseconds::zero() ? std::chrono::nanoseconds::zero()
                                                        : (left < width ? left : width);
    }
    // Operations finished per second in interval i over length_of(i, end): a partial interval's
    // rate is over its own length, not a whole width. 0 for an interval of no length.
    [[nodiscard]] double rate_of(std::size_t i, std::chrono::nanoseconds end) const noexcept {
        const double seconds = std::chrono::duration<double>(length_of(i, end)).count();
        return seconds > 0.0 ? static_cast<double>(intervals[i].count()) / seconds : 0.0;
    }

    // Adds s to the interval holding the time offset (from the run's start), growing the series
    // with empty intervals and halving its resolution as needed. width must be set (> 0).
    void add(std::chrono::nanoseconds offset, const interval_stats& s);

    // Merges pairs (2i, 2i + 1) into interval i and doubles width.
    void halve_resolution();

    // Exact: every interval of other lands in the one covering its start here.
    interval_series& operator+=(const interval_series& other);

    // The sum of every interval: equals the run's totals (warm-up included).
    [[nodiscard]] interval_stats total() const;

    friend bool operator==(const interval_series&, const interval_series&) = default;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/interval_series.ipp>
#endif

#endif // LOADKIT_INTERVAL_SERIES_HPP
