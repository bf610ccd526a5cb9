// SPDX-License-Identifier: MIT
// loadkit::histogram's cold half (declared in histogram.hpp): merging, subtraction, statistics and
// percentile scans. The body of histogram.hpp: included at its end in header-only mode, by
// impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_HISTOGRAM_IPP
#define LOADKIT_IMPL_HISTOGRAM_IPP

#include <loadkit/detail/stats/histogram_layout.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL histogram::histogram(const options& opts)
    : layout_(detail::make_histogram_layout(opts.significant_digits, opts.max_relative_error,
                                            opts.highest.count())),
      counts_(layout_.counts_len, 0) {}

LOADKIT_DECL histogram& histogram::operator+=(const histogram& other) {
    check_same_config(other, "operator+=");
    if (other.total_ == 0) {
        return *this;
    }
    const std::size_t last = other.last_index();
    for (std::size_t i = other.first_index(); i <= last; ++i) { // only other's occupied range
        counts_[i] += other.counts_[i];
    }
    total_ += other.total_;
    clamped_low_ += other.clamped_low_;
    clamped_high_ += other.clamped_high_;
    min_ = other.min_ < min_ ? other.min_ : min_;
    max_ = other.max_ > max_ ? other.max_ : max_;
    return *this;
}

LOADKIT_DECL histogram& histogram::operator-=(const histogram& other) {
    check_same_config(other, "operator-=");
    bool contained =
        other.total_ <= total_ && other.clamped_low_ <= clamped_low_ && other.clamped_high_ <= clamped_high_;
    if (contained && other.total_ != 0) {
        const std::size_t last = other.last_index();
        for (std::size_t i = other.first_index(); contained && i <= last; ++i) {
            contained = other.counts_[i] <= counts_[i];
        }
    }
    if (!contained) {
        throw std::invalid_argument("loadkit::histogram::operator-=: the right-hand side holds values this "
                                    "histogram does not (not an earlier snapshot of the same recording)");
    }
    if (other.total_ == 0) {
        return *this;
    }
    const std::size_t first = first_index(); // ours contains other's occupied range
    const std::size_t last = last_index();
    const std::uint64_t old_min = min_;
    const std::uint64_t old_max = max_;
    total_ -= other.total_; // in this order, h -= h works too
    clamped_low_ -= other.clamped_low_;
    clamped_high_ -= other.clamped_high_;
    // The remainder's extremes lie somewhere in its first / last non-empty counter (and within the
    // old extremes): its midpoint, kept within them, is at most half a counter's width away,
    // whichever value it is; an edge could be a whole width away (twice max_relative_error()).
    const auto nearest = [&](std::size_t i) {
        const std::uint64_t mid = layout_.midpoint_of(i);
        return mid < old_min ? old_min : (mid > old_max ? old_max : mid);
    };
    std::size_t kept_first = last + 1;
    std::size_t kept_last = 0;
    for (std::size_t i = first; i <= last; ++i) {
        counts_[i] -= other.counts_[i];
        if (counts_[i] != 0) {
            kept_first = kept_first <= last ? kept_first : i;
            kept_last = i;
        }
    }
    if (total_ == 0) {
        min_ = std::numeric_limits<std::uint64_t>::max();
        max_ = 0;
    } else {
        min_ = nearest(kept_first);
        max_ = nearest(kept_last);
    }
    return *this;
}

LOADKIT_DECL void histogram::reset() noexcept {
    if (total_ != 0) {
        const std::size_t last = last_index();
        for (std::size_t i = first_index(); i <= last; ++i) {
            counts_[i] = 0;
        }
    }
    total_ = clamped_low_ = clamped_high_ = 0;
    min_ = std::numeric_limits<std::uint64_t>::max();
    max_ = 0;
}

LOADKIT_DECL bool operator==(const histogram& a, const histogram& b) noexcept {
    if (!a.same_config(b) || a.total_ != b.total_ || a.clamped_low_ != b.clamped_low_ ||
        a.clamped_high_ != b.clamped_high_ || a.min_ != b.min_ || a.max_ != b.max_) {
        return false;
    }
    for (std::size_t i = 0; i < a.counts_.size(); ++i) {
        if (a.counts_[i] != b.counts_[i]) {
            return false;
        }
    }
    return true;
}

LOADKIT_DECL std::chrono::duration<double, std::nano> histogram::mean() const noexcept {
    if (total_ == 0) {
        return {};
    }
    double sum = 0.0;
    for_each_index([&](std::size_t i, std::uint64_t c) {
        sum += static_cast<double>(representative_of(i)) * static_cast<double>(c);
    });
    return std::chrono::duration<double, std::nano>{sum / static_cast<double>(total_)};
}

LOADKIT_DECL std::chrono::duration<double, std::nano> histogram::stddev() const noexcept {
    if (total_ == 0) {
        return {};
    }
    const double mu = mean().count();
    double sum = 0.0;
    for_each_index([&](std::size_t i, std::uint64_t c) {
        const double d = static_cast<double>(representative_of(i)) - mu;
        sum += d * d * static_cast<double>(c);
    });
    return std::chrono::duration<double, std::nano>{std::sqrt(sum / static_cast<double>(total_))};
}

LOADKIT_DECL std::chrono::nanoseconds histogram::value_at_percentile(double p) const {
    if (!(p >= 0.0 && p <= 100.0)) {
        throw std::invalid_argument("loadkit::histogram::value_at_percentile: p = " +
                                    detail::format_double(p) + " is outside [0, 100]");
    }
    if (total_ == 0) {
        return {};
    }
    if (p == 0.0) {
        return min();
    }
    if (p == 100.0) {
        return max();
    }
    // p / 100 * N is rarely exact in binary (99.99 % of 10^6 = 999900.0000000001): shave a
    // relative 1e-12 so decimal percentiles land on the rank they denote.
    const double exact = p / 100.0 * static_cast<double>(total_);
    const double rounded = std::ceil(exact - exact * 1e-12);
    std::uint64_t rank = rounded < 1.0 ? 1 : static_cast<std::uint64_t>(rounded);
    rank = rank > total_ ? total_ : rank;
    return ns(representative_of(index_of_rank(rank)));
}

LOADKIT_DECL std::uint64_t histogram::count_at_or_below(std::int64_t value_ns) const noexcept {
    if (total_ == 0 || value_ns < 0 || static_cast<std::uint64_t>(value_ns) < min_) {
        return 0;
    }
    const auto value = static_cast<std::uint64_t>(value_ns);
    if (value >= max_) {
        return total_;
    }
    std::uint64_t above = 0;
    const std::size_t last = last_index();
    for (std::size_t i = layout_.index_of(value) + 1; i <= last; ++i) {
        above += counts_[i];
    }
    return total_ - above;
}

LOADKIT_DECL int histogram::significant_digits() const noexcept {
    return detail::histogram_significant_digits(layout_);
}

LOADKIT_DECL std::uint64_t histogram::block_sum(const std::uint64_t* c) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    typedef std::uint64_t u64x2 __attribute__((vector_size(16)));
    u64x2 s0{0, 0};
    u64x2 s1{0, 0};
    u64x2 s2{0, 0};
    u64x2 s3{0, 0};
    for (std::size_t k = 0; k < scan_block; k += 8) {
        u64x2 v0;
        u64x2 v1;
        u64x2 v2;
        u64x2 v3;
        std::memcpy(&v0, c + k, sizeof v0); // counters are only 8-byte aligned
        std::memcpy(&v1, c + k + 2, sizeof v1);
        std::memcpy(&v2, c + k + 4, sizeof v2);
        std::memcpy(&v3, c + k + 6, sizeof v3);
        s0 += v0;
        s1 += v1;
        s2 += v2;
        s3 += v3;
    }
    const u64x2 s = (s0 + s1) + (s2 + s3);
    return s[0] + s[1];
#else
    std::uint64_t s0 = 0;
    std::uint64_t s1 = 0;
    std::uint64_t s2 = 0;
    std::uint64_t s3 = 0;
    for (std::size_t k = 0; k < scan_block; k += 4) {
        s0 += c[k];
        s1 += c[k + 1];
        s2 += c[k + 2];
        s3 += c[k + 3];
    }
    return (s0 + s1) + (s2 + s3);
#endif
}

LOADKIT_DECL std::size_t histogram::index_of_rank(std::uint64_t rank) const noexcept {
    const std::size_t first = first_index();
    const std::size_t last = last_index();
    const std::uint64_t* c = counts_.data();
    std::uint64_t seen = 0;
    if (rank <= total_ / 2) {
        std::size_t i = first;
        for (; last - i >= scan_block; i += scan_block) {
            const std::uint64_t sum = block_sum(c + i);
            if (seen + sum >= rank) {
                break;
            }
            seen += sum;
        }
        for (; seen + c[i] < rank; ++i) {
            seen += c[i];
        }
        return i;
    }
    const std::uint64_t from_top = total_ - rank + 1; // the same value, counted from the largest
    std::size_t i = last;
    for (; i - first >= scan_block; i -= scan_block) {
        const std::uint64_t sum = block_sum(c + (i + 1 - scan_block));
        if (seen + sum >= from_top) {
            break;
        }
        seen += sum;
    }
    for (; seen + c[i] < from_top; --i) {
        seen += c[i];
    }
    return i;
}

LOADKIT_DECL void histogram::check_same_config(const histogram& other, const char* operation) const {
    if (layout_.sub_bucket_mask != other.layout_.sub_bucket_mask) {
        throw std::invalid_argument(std::string("loadkit::histogram::") + operation +
                                    ": sub_bucket_count differs (" +
                                    std::to_string(layout_.sub_bucket_count()) + " vs " +
                                    std::to_string(other.layout_.sub_bucket_count()) +
                                    ", i.e. significant_digits / max_relative_error)");
    }
    if (layout_.highest != other.layout_.highest) {
        throw std::invalid_argument(std::string("loadkit::histogram::") + operation + ": highest differs (" +
                                    std::to_string(layout_.highest) + "ns vs " +
                                    std::to_string(other.layout_.highest) + "ns)");
    }
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_HISTOGRAM_IPP
