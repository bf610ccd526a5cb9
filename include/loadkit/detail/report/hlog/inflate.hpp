// SPDX-License-Identifier: MIT
//
// zlib_inflate: decompresses a zlib stream (RFC 1950) of deflate blocks (RFC 1951) of every kind —
// stored, fixed and dynamic Huffman — so the .hlog reader (report/hlog.hpp) reads what Java's
// HdrHistogram and HdrHistogram_c write, not only loadkit's stored blocks. Canonical Huffman codes
// are decoded a bit at a time from per-length counts, the method of Mark Adler's puff.c (zlib
// contrib): small and obviously correct, and fast enough for histogram payloads of a few KiB
// (with puff's faster bit loop and the fixed code built once).
#ifndef LOADKIT_DETAIL_REPORT_HLOG_INFLATE_HPP
#define LOADKIT_DETAIL_REPORT_HLOG_INFLATE_HPP

#include <loadkit/detail/report/hlog/codec.hpp>
#include <loadkit/version.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

class inflater {
public:
    inflater(const std::uint8_t* data, std::size_t size, std::size_t max_output)
        : data_(data), size_(size), max_output_(max_output) {}

    // Decodes the zlib stream; returns how many input bytes it used.
    std::size_t run(hlog_bytes& out) {
        if (size_ < 2) {
            fail("zlib stream shorter than its header");
        }
        const unsigned cmf = data_[0];
        const unsigned flg = data_[1];
        if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0) {
            fail("not a zlib deflate stream (header " + std::to_string(cmf) + " " + std::to_string(flg) +
                 ")");
        }
        if ((flg & 0x20) != 0) {
            fail("zlib stream needs a preset dictionary");
        }
        pos_ = 2;
        const std::size_t begin = out.size();
        bool last = false;
        while (!last) {
            last = bits(1) == 1;
            switch (bits(2)) {
            case 0:
                stored(out);
                break;
            case 1:
                fixed(out);
                break;
            case 2:
                dynamic(out);
                break;
            default:
                fail("invalid deflate block type 3");
            }
        }
        bit_count_ = 0; // the Adler-32 starts at the next byte boundary
        if (size_ - pos_ < 4) {
            fail("zlib stream without its Adler-32 checksum");
        }
        std::uint32_t expected = 0;
        for (int i = 0; i < 4; ++i) {
            expected = (expected << 8) | data_[pos_++];
        }
        if (adler32(out.data() + begin, out.size() - begin) != expected) {
            fail("Adler-32 checksum mismatch");
        }
        return pos_;
    }

private:
    static constexpr int max_bits = 15;
    struct huffman {
        std::array<std::uint16_t, max_bits + 1> count{}; // codes of each length
        std::array<std::uint16_t, 288> symbol{};         // symbols ordered by code
    };

    [[noreturn]] static void fail(const std::string& what) { throw hlog_format_error("inflate: " + what); }

    unsigned bits(int need) {
        std::uint32_t v = bit_buffer_;
        while (bit_count_ < need) {
            if (pos_ == size_) {
                fail("compressed data ends early");
            }
            v |= std::uint32_t{data_[pos_++]} << bit_count_;
            bit_count_ += 8;
        }
        bit_buffer_ = v >> need;
        bit_count_ -= need;
        return v & ((1u << need) - 1);
    }

    void emit(hlog_bytes& out, std::uint8_t b) {
        if (out.size() >= max_output_) {
            fail("output exceeds " + std::to_string(max_output_) + " bytes");
        }
        out.push_back(b);
    }

    void stored(hlog_bytes& out) {
        bit_buffer_ = 0;
        bit_count_ = 0;
        if (size_ - pos_ < 4) {
            fail("stored block header truncated");
        }
        const unsigned len = data_[pos_] | (unsigned{data_[pos_ + 1]} << 8);
        const unsigned nlen = data_[pos_ + 2] | (unsigned{data_[pos_ + 3]} << 8);
        pos_ += 4;
        if (len != (~nlen & 0xFFFF)) {
            fail("stored block LEN/NLEN mismatch");
        }
        if (size_ - pos_ < len) {
            fail("stored block truncated");
        }
        if (max_output_ - out.size() < len) {
            fail("output exceeds " + std::to_string(max_output_) + " bytes");
        }
        out.insert(out.end(), data_ + pos_, data_ + pos_ + len);
        pos_ += len;
    }

    // Canonical code: codes of one length are consecutive, shorter codes first (RFC 1951 3.2.2).
    // Bit by bit from the bit buffer, refilled a byte at a time (puff.c's faster decode(): the
    // same walk as reading one bit per call, without a call per bit).
    int decode(const huffman& h) {
        int code = 0;
        int first = 0;
        int index = 0;
        int len = 1;
        std::uint32_t buffer = bit_buffer_;
        int left = bit_count_;
        for (;;) {
            while (left-- > 0) {
                code |= static_cast<int>(buffer & 1U);
                buffer >>= 1;
                const int count = h.count[static_cast<std::size_t>(len)];
                if (code - count < first) {
                    bit_buffer_ = buffer;
                    bit_count_ = (bit_count_ - len) & 7;
                    return h.symbol[static_cast<std::size_t>(index + (code - first))];
                }
                index += count;
                first += count;
                first <<= 1;
                code <<= 1;
                ++len;
            }
            left = (max_bits + 1) - len;
            if (left == 0) {
                fail("invalid Huffman code");
            }
            if (pos_ == size_) {
                fail("compressed data ends early");
            }
            buffer = data_[pos_++];
            left = left > 8 ? 8 : left;
        }
    }

    // Builds the decoding tables from the code lengths; returns how many codes are left unused (0:
    // complete). Over-subscribed lengths are an error.
    static int build(huffman& h, const std::uint16_t* lengths, int n) {
        h.count.fill(0);
        for (int s = 0; s < n; ++s) {
            ++h.count[lengths[s]];
        }
        if (h.count[0] == n) {
            return 0;
        }
        int left = 1;
        for (int len = 1; len <= max_bits; ++len) {
            left <<= 1;
            left -= h.count[static_cast<std::size_t>(len)];
            if (left < 0) {
                fail("over-subscribed Huffman code lengths");
            }
        }
        std::array<std::uint16_t, max_bits + 1> offsets{};
        for (int len = 1; len < max_bits; ++len) {
            offsets[static_cast<std::size_t>(len + 1)] = static_cast<std::uint16_t>(
                offsets[static_cast<std::size_t>(len)] + h.count[static_cast<std::size_t>(len)]);
        }
        for (int s = 0; s < n; ++s) {
            if (lengths[s] != 0) {
                h.symbol[offsets[lengths[s]]++] = static_cast<std::uint16_t>(s);
            }
        }
        return left;
    }

    void codes(hlog_bytes& out, const huffman& lit, const huffman& dist) {
        static constexpr std::uint16_t length_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                                          15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                                          67, 83, 99, 115, 131, 163, 195, 227, 258};
        static constexpr std::uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                          2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
        static constexpr std::uint16_t dist_base[30] = {
            1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
            193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
        static constexpr std::uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                                        6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
        for (;;) {
            int symbol = decode(lit);
            if (symbol < 256) {
                emit(out, static_cast<std::uint8_t>(symbol));
            } else if (symbol == 256) {
                return;
            } else {
                symbol -= 257;
                if (symbol >= 29) {
                    fail("invalid length symbol");
                }
                const std::size_t len = length_base[symbol] + bits(length_extra[symbol]);
                const int d = decode(dist);
                if (d >= 30) {
                    fail("invalid distance symbol");
                }
                const std::size_t distance = dist_base[d] + bits(dist_extra[d]);
                if (distance > out.size()) {
                    fail("distance reaches before the start of the output");
                }
                if (max_output_ - out.size() < len) {
                    fail("output exceeds " + std::to_string(max_output_) + " bytes");
                }
                for (std::size_t i = 0; i < len; ++i) {
                    out.push_back(out[out.size() - distance]); // overlapping copies repeat, as intended
                }
            }
        }
    }

    // The fixed code (RFC 1951 3.2.6), built once per process rather than per stream.
    void fixed(hlog_bytes& out) {
        struct tables {
            huffman lit;
            huffman dist;
        };
        static const tables fixed_code = [] {
            tables t;
            std::array<std::uint16_t, 288> lengths{};
            for (int s = 0; s < 288; ++s) {
                lengths[static_cast<std::size_t>(s)] = s < 144 ? 8 : (s < 256 ? 9 : (s < 280 ? 7 : 8));
            }
            build(t.lit, lengths.data(), 288);
            lengths.fill(5);
            build(t.dist, lengths.data(), 30);
            return t;
        }();
        codes(out, fixed_code.lit, fixed_code.dist);
    }

    void dynamic(hlog_bytes& out) {
        static constexpr std::uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                   11, 4,  12, 3, 13, 2, 14, 1, 15};
        const int nlen = static_cast<int>(bits(5)) + 257;
        const int ndist = static_cast<int>(bits(5)) + 1;
        const int ncode = static_cast<int>(bits(4)) + 4;
        if (nlen > 286 || ndist > 30) {
            fail("too many length or distance codes");
        }
        std::array<std::uint16_t, 320> lengths{};
        for (int i = 0; i < ncode; ++i) {
            lengths[order[i]] = static_cast<std::uint16_t>(bits(3));
        }
        huffman lencode;
        if (build(lencode, lengths.data(), 19) != 0) {
            fail("incomplete code-length code");
        }
        int index = 0;
        while (index < nlen + ndist) {
            int symbol = decode(lencode);
            if (symbol < 16) {
                lengths[static_cast<std::size_t>(index++)] = static_cast<std::uint16_t>(symbol);
                continue;
            }
            std::uint16_t repeat_value = 0;
            int repeat = 0;
            if (symbol == 16) {
                if (index == 0) {
                    fail("length repeat with no previous length");
                }
                repeat_value = lengths[static_cast<std::size_t>(index - 1)];
                repeat = 3 + static_cast<int>(bits(2));
            } else if (symbol == 17) {
                repeat = 3 + static_cast<int>(bits(3));
            } else {
                repeat = 11 + static_cast<int>(bits(7));
            }
            if (index + repeat > nlen + ndist) {
                fail("too many code lengths");
            }
            while (repeat-- > 0) {
                lengths[static_cast<std::size_t>(index++)] = repeat_value;
            }
        }
        if (lengths[256] == 0) {
            fail("no end-of-block code");
        }
        // Incomplete codes are allowed only as a single code of length 1 (puff.c's rule).
        huffman lit;
        huffman dist;
        if (build(lit, lengths.data(), nlen) != 0 && nlen != lit.count[0] + lit.count[1]) {
            fail("incomplete literal/length code");
        }
        if (build(dist, lengths.data() + nlen, ndist) != 0 && ndist != dist.count[0] + dist.count[1]) {
            fail("incomplete distance code");
        }
        codes(out, lit, dist);
    }

    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t max_output_;
    std::size_t pos_ = 0;
    std::uint32_t bit_buffer_ = 0;
    int bit_count_ = 0;
};

// Appends the decompressed zlib stream to out; throws hlog_format_error on malformed data, a bad
// checksum or more than max_output bytes. Returns the input bytes used.
inline std::size_t zlib_inflate(const std::uint8_t* data, std::size_t size, hlog_bytes& out,
                                std::size_t max_output) {
    inflater z(data, size, out.size() + max_output);
    return z.run(out);
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_HLOG_INFLATE_HPP
