// SPDX-License-Identifier: MIT
//
// The byte-level pieces of HdrHistogram's V2 histogram encoding (report/hlog.hpp): big-endian
// integers, ZigZag LEB128 "64b9B" counts, a zlib stream (RFC 1950) around stored deflate blocks
// (RFC 1951 3.2.4) or, with LOADKIT_WITH_ZLIB, around zlib's own compression, and base64 (RFC 4648).
// Without zlib the stream is valid but uncompressed: every reader inflates it, and the V2 payload
// is already compact (one byte per small count, one varint per run of empty counters).
#ifndef LOADKIT_DETAIL_REPORT_HLOG_CODEC_HPP
#define LOADKIT_DETAIL_REPORT_HLOG_CODEC_HPP

#include <loadkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#if defined(LOADKIT_WITH_ZLIB)
#if __has_include(<zlib.h>)
#include <zlib.h>
#define LOADKIT_HLOG_ZLIB 1
#else
#error "loadkit: LOADKIT_WITH_ZLIB is defined but <zlib.h> was not found (install zlib, or undefine it)"
#endif
#endif

namespace loadkit {
inline namespace v0_1 {
namespace detail {

using hlog_bytes = std::vector<std::uint8_t>;

// A malformed .hlog line or payload: read_hlog reports it as loadkit::hlog_error with the line
// number (report/hlog.hpp, which this header cannot include: that header's body includes this one).
struct hlog_format_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ---- big-endian fields (Java ByteBuffer's default order) ---------------------------------------
inline void put_be32(hlog_bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
}
inline void put_be64(hlog_bytes& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
}
inline void patch_be32(hlog_bytes& out, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) {
        out[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
    }
}

// Reads fields from a byte range; running past its end throws hlog_format_error.
class hlog_cursor {
public:
    hlog_cursor(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

    [[nodiscard]] std::size_t position() const noexcept { return pos_; }
    [[nodiscard]] std::size_t remaining() const noexcept { return size_ - pos_; }
    [[nodiscard]] const std::uint8_t* here() const noexcept { return data_ + pos_; }
    void skip(std::size_t n) {
        need(n);
        pos_ += n;
    }
    std::uint8_t byte() {
        need(1);
        return data_[pos_++];
    }
    std::uint32_t be32() { return static_cast<std::uint32_t>(be(4)); }
    std::uint64_t be64() { return be(8); }

    // ZigZag LEB128-64b9B (HdrHistogram ZigZagEncoding.getLong): 7 bits per byte, low bits first,
    // a set top bit means "more"; the 9th byte contributes all 8 of its bits.
    std::int64_t zigzag() {
        std::uint64_t v = 0;
        for (unsigned i = 0; i < 8; ++i) {
            const std::uint8_t b = byte();
            v |= std::uint64_t{b & 0x7Fu} << (7 * i);
            if ((b & 0x80u) == 0) {
                return unzigzag(v);
            }
        }
        v |= std::uint64_t{byte()} << 56;
        return unzigzag(v);
    }

private:
    static std::int64_t unzigzag(std::uint64_t v) noexcept {
        return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1)); // (v >>> 1) ^ -(v & 1)
    }
    void need(std::size_t n) const {
        if (size_ - pos_ < n) {
            throw hlog_format_error("truncated histogram payload (" + std::to_string(n) +
                                    " bytes needed at " + std::to_string(pos_) + " of " +
                                    std::to_string(size_) + ")");
        }
    }
    std::uint64_t be(std::size_t n) {
        need(n);
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            v = (v << 8) | data_[pos_ + i];
        }
        pos_ += n;
        return v;
    }

    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

// ZigZag LEB128-64b9B (HdrHistogram ZigZagEncoding.putLong): 1 byte for -64..63, 9 at most.
inline void put_zigzag(hlog_bytes& out, std::int64_t value) {
    std::uint64_t v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
    for (unsigned i = 0; i < 8; ++i) {
        if ((v >> 7) == 0) {
            out.push_back(static_cast<std::uint8_t>(v));
            return;
        }
        out.push_back(static_cast<std::uint8_t>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v)); // the 9th byte: the top 8 bits
}

// ---- zlib stream (RFC 1950) --------------------------------------------------------------------
// Adler-32 (RFC 1950 8.2): two sums mod 65521, reduced every 5552 bytes (the most that cannot
// overflow 32 bits, as zlib does).
inline std::uint32_t adler32(const std::uint8_t* data, std::size_t size, std::uint32_t adler = 1) noexcept {
    std::uint32_t a = adler & 0xFFFF;
    std::uint32_t b = adler >> 16;
    while (size > 0) {
        const std::size_t n = size < 5552 ? size : 5552;
        for (std::size_t i = 0; i < n; ++i) {
            a += data[i];
            b += a;
        }
        a %= 65521;
        b %= 65521;
        data += n;
        size -= n;
    }
    return (b << 16) | a;
}

inline constexpr std::size_t deflate_stored_max = 65535; // LEN is 16 bits

// A zlib stream of stored (uncompressed) deflate blocks: header 78 01 (32 KiB window, "fastest"
// level, FCHECK making the 16-bit header a multiple of 31), blocks of at most 65,535 bytes (byte
// BFINAL/BTYPE=00, LEN and its one's complement NLEN little-endian), then the Adler-32 big-endian.
inline void zlib_store(const std::uint8_t* data, std::size_t size, hlog_bytes& out) {
    out.push_back(0x78);
    out.push_back(0x01);
    std::size_t at = 0;
    do {
        const std::size_t n = size - at < deflate_stored_max ? size - at : deflate_stored_max;
        const bool final = at + n == size;
        out.push_back(final ? 0x01 : 0x00);
        out.push_back(static_cast<std::uint8_t>(n & 0xFF));
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(~n & 0xFF));
        out.push_back(static_cast<std::uint8_t>((~n >> 8) & 0xFF));
        out.insert(out.end(), data + at, data + at + n);
        at += n;
    } while (at < size);
    put_be32(out, adler32(data, size));
}

// Whether zlib_compress really compresses (LOADKIT_WITH_ZLIB and <zlib.h>) or stores.
[[nodiscard]] constexpr bool hlog_uses_zlib() noexcept {
#if defined(LOADKIT_HLOG_ZLIB)
    return true;
#else
    return false;
#endif
}

// A zlib stream of data: zlib's compress2 at `level` (9 = Java's Deflater.BEST_COMPRESSION, which
// HdrHistogram's log writer uses: same library and settings, so the same bytes) when built with
// LOADKIT_WITH_ZLIB, stored blocks otherwise (level ignored).
inline void zlib_compress(const std::uint8_t* data, std::size_t size, int level, hlog_bytes& out) {
#if defined(LOADKIT_HLOG_ZLIB)
    uLongf length = compressBound(static_cast<uLong>(size));
    const std::size_t at = out.size();
    out.resize(at + length);
    if (compress2(out.data() + at, &length, data, static_cast<uLong>(size), level) != Z_OK) {
        throw std::runtime_error("loadkit: zlib compress2 failed");
    }
    out.resize(at + length);
#else
    static_cast<void>(level);
    zlib_store(data, size, out);
#endif
}

// ---- base64 (RFC 4648 section 4: standard alphabet, '=' padding, no line breaks) ----------------
inline void base64_encode(const std::uint8_t* data, std::size_t size, std::string& out) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.reserve(out.size() + (size + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= size; i += 3) {
        const std::uint32_t v =
            (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i < size) {
        const bool two = i + 1 < size;
        const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (two ? std::uint32_t{data[i + 1]} << 8 : 0u);
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += two ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
}

// Strict: length a multiple of 4, only alphabet characters, '=' only as final padding, and zero
// unused bits (so each byte string has exactly one encoding). Into out, replacing its contents
// (the .hlog reader reuses one buffer for every line).
inline void base64_decode(std::string_view text, hlog_bytes& out) {
    const auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '+' ? 62 : (c == '/' ? 63 : -1);
    };
    if (text.size() % 4 != 0) {
        throw hlog_format_error("base64 length " + std::to_string(text.size()) + " is not a multiple of 4");
    }
    out.clear();
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const std::size_t pad = last ? (text[i + 3] == '=' ? (text[i + 2] == '=' ? 2u : 1u) : 0u) : 0u;
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const int d = k >= 4 - pad ? 0 : value(text[i + k]);
            if (d < 0) {
                throw hlog_format_error("invalid base64 character at offset " + std::to_string(i + k));
            }
            v = (v << 6) | static_cast<std::uint32_t>(d);
        }
        if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0)) {
            throw hlog_format_error("base64 padding with non-zero bits");
        }
        out.push_back(static_cast<std::uint8_t>(v >> 16));
        if (pad < 2) {
            out.push_back(static_cast<std::uint8_t>(v >> 8));
        }
        if (pad < 1) {
            out.push_back(static_cast<std::uint8_t>(v));
        }
    }
}
inline hlog_bytes base64_decode(std::string_view text) {
    hlog_bytes out;
    base64_decode(text, out);
    return out;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_HLOG_CODEC_HPP
