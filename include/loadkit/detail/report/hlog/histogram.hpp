// SPDX-License-Identifier: MIT
//
// HdrHistogram's counts layout and its encoded form (Java AbstractHistogram
// encodeIntoCompressedByteBuffer / decodeFromCompressedByteBuffer): what one .hlog interval line
// carries (report/hlog.hpp). The layout is HdrHistogram's own, including a unit magnitude
// (lowestDiscernibleValue > 1), so logs written by other tools decode too; loadkit's histograms are
// the unit-magnitude-0 case and map onto it counter for counter (detail/stats/histogram_layout.hpp).
#ifndef LOADKIT_DETAIL_REPORT_HLOG_HISTOGRAM_HPP
#define LOADKIT_DETAIL_REPORT_HLOG_HISTOGRAM_HPP

#include <loadkit/detail/report/hlog/codec.hpp>
#include <loadkit/detail/report/hlog/inflate.hpp>
#include <loadkit/version.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

inline constexpr std::uint32_t hdr_v2_cookie = 0x1c849313;            // V2 base 0x1c849303 | 0x10
inline constexpr std::uint32_t hdr_v2_compressed_cookie = 0x1c849314; // V2 compressed base | 0x10
inline constexpr std::size_t hdr_header_size = 40;

// HdrHistogram's parameters and its index math (AbstractHistogram.init / countsArrayIndex /
// valueFromIndex).
struct hdr_layout {
    int significant_digits = 3;
    std::uint64_t lowest = 1;  // lowestDiscernibleValue
    std::uint64_t highest = 2; // highestTrackableValue
    unsigned unit_magnitude = 0;
    unsigned sub_bucket_magnitude = 1; // log2(subBucketCount)
    unsigned half_magnitude = 0;       // log2(subBucketCount / 2)

    [[nodiscard]] std::uint64_t sub_bucket_count() const noexcept {
        return std::uint64_t{1} << sub_bucket_magnitude;
    }
    [[nodiscard]] std::size_t index_of(std::uint64_t value) const noexcept {
        const std::uint64_t mask = (sub_bucket_count() - 1) << unit_magnitude;
        const auto bucket =
            static_cast<unsigned>(std::bit_width(value | mask)) - unit_magnitude - sub_bucket_magnitude;
        return (std::size_t{bucket} << half_magnitude) +
               static_cast<std::size_t>(value >> (bucket + unit_magnitude));
    }
    [[nodiscard]] unsigned bucket_of(std::size_t index) const noexcept {
        const std::size_t top = index >> half_magnitude;
        return top == 0 ? 0U : static_cast<unsigned>(top - 1);
    }
    [[nodiscard]] std::uint64_t lowest_of(std::size_t index) const noexcept {
        const unsigned bucket = bucket_of(index);
        return static_cast<std::uint64_t>(index - (std::size_t{bucket} << half_magnitude))
               << (bucket + unit_magnitude);
    }
    [[nodiscard]] std::uint64_t width_of(std::size_t index) const noexcept {
        return std::uint64_t{1} << (bucket_of(index) + unit_magnitude);
    }
    [[nodiscard]] std::uint64_t highest_of(std::size_t index) const noexcept {
        return lowest_of(index) + (width_of(index) - 1);
    }
    // medianEquivalentValue: the middle of the counter.
    [[nodiscard]] std::uint64_t median_of(std::size_t index) const noexcept {
        return lowest_of(index) + width_of(index) / 2;
    }
    // The index past the last counter whose values all fit in 63 bits (Java longs).
    [[nodiscard]] std::size_t index_limit() const noexcept {
        return index_of(static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) + 1;
    }
};

// log2 of HdrHistogram's subBucketCount for d significant digits: ceil(log2(2 * 10^d)).
[[nodiscard]] inline unsigned hdr_sub_bucket_magnitude(int digits) noexcept {
    std::uint64_t largest = 2;
    for (int i = 0; i < digits; ++i) {
        largest *= 10;
    }
    return static_cast<unsigned>(std::bit_width(largest - 1));
}

// Validates as HdrHistogram's constructor does (hlog_format_error, since it reads a file).
inline hdr_layout make_hdr_layout(int digits, std::uint64_t lowest, std::uint64_t highest) {
    const std::uint64_t top = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (digits < 0 || digits > 5) {
        throw hlog_format_error("numberOfSignificantValueDigits " + std::to_string(digits) + " is not 0..5");
    }
    if (lowest < 1 || lowest > top / 2 || highest < 2 * lowest || highest > top) {
        throw hlog_format_error("lowest " + std::to_string(lowest) + " / highest " + std::to_string(highest) +
                                " trackable values are invalid (expected 1 <= 2 * lowest <= highest < 2^63)");
    }
    hdr_layout l;
    l.significant_digits = digits;
    l.lowest = lowest;
    l.highest = highest;
    l.unit_magnitude = static_cast<unsigned>(std::bit_width(lowest) - 1); // floor(log2(lowest))
    l.sub_bucket_magnitude = hdr_sub_bucket_magnitude(digits);
    l.half_magnitude = l.sub_bucket_magnitude - 1;
    if (l.sub_bucket_magnitude + l.unit_magnitude > 62) {
        throw hlog_format_error("numberOfSignificantValueDigits " + std::to_string(digits) +
                                " cannot be represented beyond lowestDiscernibleValue " +
                                std::to_string(lowest));
    }
    return l;
}

// The HdrHistogram layout a loadkit histogram of 2^sub_bucket_bits sub-buckets is written in: the
// coarsest with at least as many sub-buckets (so each loadkit counter contains whole HdrHistogram
// counters), i.e. the same layout when the histogram was made with significant_digits.
[[nodiscard]] inline int hdr_digits_for(unsigned sub_bucket_bits) noexcept {
    int digits = 1;
    while (digits < 5 && hdr_sub_bucket_magnitude(digits) < sub_bucket_bits) {
        ++digits;
    }
    return digits;
}

// One non-empty HdrHistogram counter.
struct hdr_count {
    std::size_t index = 0;
    std::uint64_t count = 0;
    friend bool operator==(const hdr_count&, const hdr_count&) = default;
};

// The counts payload (AbstractHistogram.fillBufferFromCountsArray): counters 0 .. the last non-empty
// one as ZigZag LEB128 varints, a run of N > 1 empty counters as -N and a single one as 0. counts must
// be in increasing index order, without zeros. An empty histogram is one 0 counter, as Java writes it.
inline void put_hdr_counts(const std::vector<hdr_count>& counts, hlog_bytes& out) {
    if (counts.empty()) {
        put_zigzag(out, 0);
        return;
    }
    std::size_t next = 0;
    for (const hdr_count& c : counts) {
        const std::size_t gap = c.index - next;
        if (gap == 1) {
            put_zigzag(out, 0);
        } else if (gap > 1) {
            put_zigzag(out, -static_cast<std::int64_t>(gap));
        }
        if (c.count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            throw std::overflow_error("loadkit: a histogram count above 2^63 - 1 does not fit HdrHistogram's "
                                      "signed 64-bit counts");
        }
        put_zigzag(out, static_cast<std::int64_t>(c.count));
        next = c.index + 1;
    }
}

// The compressed V2 encoding: cookie, length of the zlib stream, then the zlib stream of (cookie,
// payload length, normalizingIndexOffset 0, digits, lowest, highest, integerToDoubleValueConversionRatio
// 1.0, counts payload). All integers big-endian.
inline hlog_bytes encode_hdr_v2(const hdr_layout& layout, const std::vector<hdr_count>& counts,
                                int compression_level) {
    hlog_bytes inner;
    put_be32(inner, hdr_v2_cookie);
    put_be32(inner, 0); // payload length, patched below
    put_be32(inner, 0); // normalizingIndexOffset
    put_be32(inner, static_cast<std::uint32_t>(layout.significant_digits));
    put_be64(inner, layout.lowest);
    put_be64(inner, layout.highest);
    double ratio = 1.0;
    std::uint64_t ratio_bits = 0;
    std::memcpy(&ratio_bits, &ratio, sizeof ratio_bits);
    put_be64(inner, ratio_bits);
    put_hdr_counts(counts, inner);
    patch_be32(inner, 4, static_cast<std::uint32_t>(inner.size() - hdr_header_size));

    hlog_bytes out;
    put_be32(out, hdr_v2_compressed_cookie);
    put_be32(out, 0); // compressed length, patched below
    zlib_compress(inner.data(), inner.size(), compression_level, out);
    patch_be32(out, 4, static_cast<std::uint32_t>(out.size() - 8));
    return out;
}

// An encoded histogram, opened: its layout and where its counts payload lies (in the input, or in
// the buffer it was inflated into).
struct hdr_encoded {
    hdr_layout layout;
    const std::uint8_t* counts = nullptr;
    std::size_t counts_size = 0;
    std::size_t word = 9; // bytes per count: 9 = ZigZag LEB128 varints (V2), else fixed 2, 4 or 8
};

// Reads the framing and header of what encode_hdr_v2 writes or HdrHistogram writes (V2; V1 and V0
// fixed-width counts), compressed or not, inflating into `inflated` (the caller's, reused from line
// to line) at most max_payload bytes. Integer histograms only: a DoubleHistogram's ratio != 1 is
// rejected. The counts are read by for_each_hdr_count.
inline hdr_encoded open_hdr(const std::uint8_t* data, std::size_t size, std::size_t max_payload,
                            hlog_bytes& inflated) {
    constexpr std::uint32_t v0 = 0x1c849308;
    constexpr std::uint32_t v0_compressed = 0x1c849309;
    constexpr std::uint32_t v1 = 0x1c849301;
    constexpr std::uint32_t v1_compressed = 0x1c849302;
    constexpr std::uint32_t v2 = 0x1c849303;
    constexpr std::uint32_t v2_compressed = 0x1c849304;
    hlog_cursor outer(data, size);
    const std::uint32_t outer_cookie = outer.be32();
    const std::uint32_t outer_base = outer_cookie & ~0xf0u;
    const std::uint8_t* body = data;
    std::size_t body_size = size;
    if (outer_base == v2_compressed || outer_base == v1_compressed || outer_base == v0_compressed) {
        const std::uint32_t length = outer.be32();
        if (length > outer.remaining()) {
            throw hlog_format_error("compressed length " + std::to_string(length) + " exceeds the " +
                                    std::to_string(outer.remaining()) + " bytes present");
        }
        inflated.clear();
        zlib_inflate(outer.here(), length, inflated, max_payload);
        body = inflated.data();
        body_size = inflated.size();
    } else if (outer_base != v2 && outer_base != v1 && outer_base != v0) {
        throw hlog_format_error("not an HdrHistogram encoding (cookie 0x" + [&] {
            char text[16];
            std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(outer_cookie));
            return std::string(text);
        }() + ")");
    }

    hlog_cursor in(body, body_size);
    const std::uint32_t cookie = in.be32();
    const std::uint32_t base = cookie & ~0xf0u;
    std::size_t word = 9;
    std::size_t payload = 0;
    int digits = 0;
    std::uint64_t lowest = 0;
    std::uint64_t highest = 0;
    if (base == v2 || base == v1) {
        word = base == v2 ? 9 : ((cookie & 0xf0u) >> 4) & 0xeu;
        payload = in.be32();
        if (in.be32() != 0) {
            throw hlog_format_error("normalizingIndexOffset != 0 (a shifted histogram) is not supported");
        }
        digits = static_cast<int>(in.be32());
        lowest = in.be64();
        highest = in.be64();
        const std::uint64_t ratio_bits = in.be64();
        double ratio = 0.0;
        std::memcpy(&ratio, &ratio_bits, sizeof ratio);
        if (ratio != 1.0) {
            throw hlog_format_error(
                "integerToDoubleValueConversionRatio != 1 (a DoubleHistogram) is not supported");
        }
    } else if (base == v0) {
        word = ((cookie & 0xf0u) >> 4) & 0xeu;
        digits = static_cast<int>(in.be32());
        lowest = in.be64();
        highest = in.be64();
        in.skip(8); // total count
        payload = in.remaining();
    } else {
        throw hlog_format_error("inner cookie is not an HdrHistogram encoding");
    }
    if (word != 9 && word != 2 && word != 4 && word != 8) {
        throw hlog_format_error("word size " + std::to_string(word) + " is not 2, 4, 8 or 9");
    }
    if (payload > in.remaining()) {
        throw hlog_format_error("payload length " + std::to_string(payload) + " exceeds the " +
                                std::to_string(in.remaining()) + " bytes present");
    }
    return {make_hdr_layout(digits, lowest, highest), in.here(), payload, word};
}

// Calls f(index, count) for each non-empty counter in increasing index order, allocating nothing;
// returns the total count. Throws hlog_format_error for a malformed payload (a count past the last
// counter below 2^63, a negative fixed-width count, a zero run of 2^31 or more, a total past 2^64).
template <class F> std::uint64_t for_each_hdr_count(const hdr_encoded& e, F&& f) {
    hlog_cursor in(e.counts, e.counts_size);
    const std::size_t limit = e.layout.index_limit();
    const std::size_t word = e.word;
    std::size_t index = 0;
    std::uint64_t total = 0;
    while (in.remaining() > 0) {
        std::int64_t count = 0;
        if (word == 9) {
            count = in.zigzag();
        } else {
            std::uint64_t v = 0;
            for (std::size_t i = 0; i < word; ++i) {
                v = (v << 8) | in.byte();
            }
            count = word == 8 ? static_cast<std::int64_t>(v)
                              : (word == 4 ? std::int64_t{static_cast<std::int32_t>(v)}
                                           : std::int64_t{static_cast<std::int16_t>(v)});
            if (count < 0) {
                throw hlog_format_error("negative count in a fixed-width payload");
            }
        }
        if (count < 0) { // a run of empty counters
            if (count == std::numeric_limits<std::int64_t>::min() || -count > std::int64_t{1} << 31) {
                throw hlog_format_error("zero run longer than 2^31 counters");
            }
            index += static_cast<std::size_t>(-count);
            continue;
        }
        if (count > 0) {
            if (index >= limit) {
                throw hlog_format_error("counter index " + std::to_string(index) + " is beyond 2^63");
            }
            if (total > std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(count)) {
                throw hlog_format_error("total count overflows 64 bits");
            }
            total += static_cast<std::uint64_t>(count);
            f(index, static_cast<std::uint64_t>(count));
        }
        ++index;
    }
    return total;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_HLOG_HISTOGRAM_HPP
