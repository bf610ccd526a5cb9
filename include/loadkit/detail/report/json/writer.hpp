// SPDX-License-Identifier: MIT
//
// Writing JSON text (RFC 8259) for the reporters (report/json.hpp): string escaping with UTF-8
// repair, numbers that parse back to the same value, and a small indenting writer. No DOM: the
// report is written straight into one std::string.
#ifndef LOADKIT_DETAIL_REPORT_JSON_WRITER_HPP
#define LOADKIT_DETAIL_REPORT_JSON_WRITER_HPP

#include <loadkit/version.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// Length of the well-formed UTF-8 sequence at text[i], or 0 with `skip` set to the length of its
// maximal ill-formed subpart (at least 1). Well-formed sequences per Unicode 15 Table 3-7 (no
// overlongs, no surrogates, nothing above U+10FFFF); one U+FFFD per maximal subpart is the
// Unicode "best practice" substitution (also WHATWG's decoder).
inline std::size_t utf8_sequence(std::string_view text, std::size_t i, std::size_t& skip) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    skip = 1;
    if (lead < 0x80U) {
        return 1;
    }
    std::size_t length = 0;
    unsigned char low = 0x80U; // the range of the second byte; later ones are 80..BF
    unsigned char high = 0xBFU;
    if (lead >= 0xC2U && lead <= 0xDFU) {
        length = 2;
    } else if (lead >= 0xE0U && lead <= 0xEFU) {
        length = 3;
        low = lead == 0xE0U ? 0xA0U : 0x80U;
        high = lead == 0xEDU ? 0x9FU : 0xBFU;
    } else if (lead >= 0xF0U && lead <= 0xF4U) {
        length = 4;
        low = lead == 0xF0U ? 0x90U : 0x80U;
        high = lead == 0xF4U ? 0x8FU : 0xBFU;
    } else {
        return 0; // 80..C1, F5..FF never start a sequence
    }
    for (std::size_t k = 1; k < length; ++k) {
        if (i + k >= text.size()) {
            skip = k;
            return 0;
        }
        const unsigned char b = byte(i + k);
        if (k == 1 ? (b < low || b > high) : (b < 0x80U || b > 0xBFU)) {
            skip = k;
            return 0;
        }
    }
    return length;
}

// text with every ill-formed UTF-8 subpart replaced by U+FFFD (EF BF BD).
inline std::string utf8_repaired(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::size_t skip = 0;
        const std::size_t n = utf8_sequence(text, i, skip);
        if (n != 0) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            i += skip;
        }
    }
    return out;
}

// Appends text as a JSON string: '"' and '\' escaped, control characters as \b \f \n \r \t or
// \u00XX, well-formed UTF-8 passed through, ill-formed bytes as U+FFFD (RFC 8259 section 7).
inline void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0; // start of the run of characters copied as they are
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20U && c < 0x80U && c != '"' && c != '\\') {
            ++i;
            continue;
        }
        std::size_t skip = 0;
        const std::size_t n = c >= 0x80U ? utf8_sequence(text, i, skip) : 0;
        if (n != 0) {
            i += n;
            continue;
        }
        out.append(text.substr(plain, i - plain));
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20U) {
                out += "\\u00";
                out += hex[c >> 4U];
                out += hex[c & 0xFU];
            } else {
                out += "\xEF\xBF\xBD";
                i += skip - 1;
            }
        }
        ++i;
        plain = i;
    }
    out.append(text.substr(plain));
    out += '"';
}

template <class Int> void append_integer(std::string& out, Int v) {
    char text[24];
    const auto r = std::to_chars(text, text + sizeof text, v);
    out.append(text, r.ptr);
}

// The shortest decimal that parses back to exactly v (std::to_chars without a format: the
// round-trip guarantee of [charconv.to.chars]); e.g. 0.1 -> 0.1, 1e300 -> 1e+300. Finite v only.
// Whole numbers below 10^15 are written as integers (20000000, not 2e+07): exact, and readable.
inline void append_double(std::string& out, double v) {
    if (v == std::trunc(v) && std::fabs(v) < 1e15 && !(v == 0.0 && std::signbit(v))) {
        append_integer(out, static_cast<std::int64_t>(v));
        return;
    }
    char text[32];
    const auto r = std::to_chars(text, text + sizeof text, v);
    out.append(text, r.ptr);
}

// v with `decimals` digits after the point (for figures meant for people; never read back).
inline void append_fixed(std::string& out, double v, int decimals) {
    char text[64];
    const int n = std::snprintf(text, sizeof text, "%.*f", decimals, std::isfinite(v) ? v : 0.0);
    out.append(text, n > 0 ? static_cast<std::size_t>(n) : 0U);
}

// Streams JSON into a string: objects one member per line (indent > 0), arrays one element per
// line unless begun `inline`, then on one line ("[1, 2]"). indent 0 writes everything on one line.
class json_writer {
public:
    explicit json_writer(std::string& out, int indent = 2) : out_(out), indent_(indent < 0 ? 0 : indent) {}

    void begin_object(bool one_line = false) { open('{', one_line); }
    void end_object() { close('}'); }
    // packed: on one line without spaces ("[1,2,3]"), for long arrays of numbers.
    void begin_array(bool one_line = false, bool packed = false) {
        open('[', one_line || packed);
        levels_.back().packed = packed;
    }
    void end_array() { close(']'); }

    void key(std::string_view name) {
        separate();
        append_json_string(out_, name);
        out_ += indent_ > 0 ? ": " : ":";
        after_key_ = true;
    }

    void value(std::string_view s) {
        separate();
        append_json_string(out_, s);
    }
    void value(const char* s) { value(std::string_view(s)); }
    void value(bool b) {
        separate();
        out_ += b ? "true" : "false";
    }
    void value(std::uint64_t v) {
        separate();
        append_integer(out_, v);
    }
    void value(std::int64_t v) {
        separate();
        append_integer(out_, v);
    }
    void value(unsigned v) { value(std::uint64_t{v}); }
    void value(int v) { value(std::int64_t{v}); }
    // NaN as null, infinities as the strings "Infinity" / "-Infinity" (JSON has no such numbers).
    void value(double v) {
        if (std::isnan(v)) {
            null();
        } else if (std::isinf(v)) {
            value(v > 0 ? "Infinity" : "-Infinity");
        } else {
            separate();
            append_double(out_, v);
        }
    }
    void fixed(double v, int decimals) {
        separate();
        append_fixed(out_, v, decimals);
    }
    void null() {
        separate();
        out_ += "null";
    }

    template <class T> void member(std::string_view name, const T& v) {
        key(name);
        value(v);
    }

private:
    struct level {
        bool one_line;
        bool empty;
        bool packed = false;
    };

    void newline() {
        out_ += '\n';
        out_.append(levels_.size() * static_cast<std::size_t>(indent_), ' ');
    }
    // Before a key, or a value that is not an object member's value.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (levels_.empty()) {
            return;
        }
        level& l = levels_.back();
        if (!l.empty) {
            out_ += ',';
            if (l.one_line && !l.packed && indent_ > 0) {
                out_ += ' ';
            }
        }
        l.empty = false;
        if (!l.one_line && indent_ > 0) {
            newline();
        }
    }
    void open(char bracket, bool one_line) {
        separate();
        out_ += bracket;
        const bool inherit = !levels_.empty() && levels_.back().one_line;
        levels_.push_back({one_line || inherit || indent_ == 0, true, false});
    }
    void close(char bracket) {
        const level l = levels_.back();
        levels_.pop_back();
        if (!l.empty && !l.one_line) {
            newline();
        }
        out_ += bracket;
    }

    std::string& out_;
    int indent_;
    bool after_key_ = false;
    std::vector<level> levels_;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_JSON_WRITER_HPP
