// SPDX-License-Identifier: MIT
//
// Reading JSON text (RFC 8259) strictly, for report/json.hpp: a pull parser that the report reader
// drives field by field, so nothing is built but the report itself. Every error names the line,
// the column, the member path ("result.tags[2].latency") and what was expected there
// (detail::json_failure, which from_json throws as loadkit::json_error).
#ifndef LOADKIT_DETAIL_REPORT_JSON_READER_HPP
#define LOADKIT_DETAIL_REPORT_JSON_READER_HPP

#include <loadkit/detail/report/json/writer.hpp>
#include <loadkit/version.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

// Where and why reading failed. loadkit::from_json turns it into the public loadkit::json_error
// (report/json.hpp, which this header cannot include: that header's body includes this one).
struct json_failure {
    std::size_t line;
    std::size_t column;
    std::string path;
    std::string message;
};

// A non-owning reference to a callable taking an index (an object's key, an array's position).
class element_fn {
public:
    template <class F>
    explicit element_fn(F& f) noexcept
        : target_(static_cast<void*>(std::addressof(f))),
          call_([](void* target, std::size_t index) { (*static_cast<F*>(target))(index); }) {}
    void operator()(std::size_t index) const { call_(target_, index); }

private:
    void* target_;
    void (*call_)(void*, std::size_t);
};

class json_reader {
public:
    static constexpr std::size_t max_depth = 128;

    explicit json_reader(std::string_view text) : text_(text) {
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
            pos_ = 3; // a UTF-8 byte order mark, which RFC 8259 lets a parser ignore
        }
    }

    [[noreturn]] void fail_at(std::size_t offset, const std::string& message) const {
        fail_at(offset, path(), message);
    }
    // For an error found after its value was read: the path that current_path() gave there.
    [[noreturn]] void fail_at(std::size_t offset, std::string at_path, const std::string& message) const {
        // Lines by memchr, then code points on the last line only: an error costs little even at
        // the end of a one-line report of megabytes (and the fuzzer meets one per input).
        const char* const begin = text_.data();
        const char* const end = begin + (offset < text_.size() ? offset : text_.size());
        std::size_t line = 1;
        const char* line_start = begin;
        for (const char* p = begin; p < end;) {
            const void* newline = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
            if (newline == nullptr) {
                break;
            }
            ++line;
            p = static_cast<const char*>(newline) + 1;
            line_start = p;
        }
        std::size_t column = 1;
        for (const char* p = line_start; p < end; ++p) {
            column += (static_cast<unsigned char>(*p) & 0xC0U) != 0x80U ? 1U : 0U;
        }
        throw json_failure{line, column, std::move(at_path), message};
    }
    // The member path of the value being read, e.g. "result.tags[2].latency".
    [[nodiscard]] std::string current_path() const { return path(); }
    // At the start of the value just read (or about to be read).
    [[noreturn]] void fail(const std::string& message) const { fail_at(token_, message); }

    // An object whose members are named in keys; a trailing '?' marks an optional member. Calls
    // member(index into keys) with the reader at the member's value, which member must read.
    // Unknown, duplicate and missing members are errors.
    template <std::size_t N, class F> void object(const std::array<std::string_view, N>& keys, F&& member) {
        static_assert(N <= 64, "json_reader::object: at most 64 keys");
        object_of(keys, element_fn(member));
    }
    // object() for any number of keys (at most 64) and a type-erased member: compiled once rather
    // than once per call site's lambda, which was most of the JSON reader's compile time.
    void object_of(std::span<const std::string_view> keys, element_fn member) {
        const std::size_t count = keys.size();
        expect_value('{', "an object");
        const std::size_t open = token_;
        enter();
        std::uint64_t seen = 0;
        skip_space();
        if (peek() == '}') {
            ++pos_;
        } else {
            for (;;) {
                skip_space();
                token_ = pos_;
                if (peek() != '"') {
                    fail("expected a member name in double quotes");
                }
                const std::size_t key_at = pos_;
                read_string(key_);
                std::size_t index = count;
                for (std::size_t i = 0; i < count; ++i) {
                    if (name_of(keys[i]) == key_) {
                        index = i;
                        break;
                    }
                }
                if (index == count) {
                    std::string known;
                    for (std::size_t i = 0; i < count; ++i) {
                        known += (i == 0 ? "\"" : ", \"") + std::string(name_of(keys[i])) + "\"";
                    }
                    fail_at(key_at, "unknown member \"" + key_ + "\" (expected one of " + known + ")");
                }
                if ((seen >> index) & 1U) {
                    fail_at(key_at, "duplicate member \"" + key_ + "\"");
                }
                seen |= std::uint64_t{1} << index;
                skip_space();
                token_ = pos_;
                if (peek() != ':') {
                    fail("expected ':' after the member name");
                }
                ++pos_;
                path_.push_back({name_of(keys[index]), 0});
                member(index);
                path_.pop_back();
                skip_space();
                token_ = pos_;
                if (peek() == ',') {
                    ++pos_;
                    continue;
                }
                if (peek() == '}') {
                    ++pos_;
                    break;
                }
                fail("expected ',' or '}' after a member");
            }
        }
        leave();
        for (std::size_t i = 0; i < count; ++i) {
            if (((seen >> i) & 1U) == 0 && keys[i].back() != '?') {
                fail_at(open, "missing member \"" + std::string(keys[i]) + "\"");
            }
        }
    }

    // An array; calls element(index) with the reader at each element, which element must read.
    template <class F> void array(F&& element) { array_of(element_fn(element)); }
    void array_of(element_fn element) {
        expect_value('[', "an array");
        enter();
        skip_space();
        if (peek() == ']') {
            ++pos_;
            leave();
            return;
        }
        for (std::size_t index = 0;; ++index) {
            path_.push_back({{}, index});
            element(index);
            path_.pop_back();
            skip_space();
            token_ = pos_;
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == ']') {
                ++pos_;
                break;
            }
            fail("expected ',' or ']' after an array element");
        }
        leave();
    }

    // Consumes `null` if it comes next.
    bool null() {
        skip_space();
        token_ = pos_;
        if (text_.substr(pos_, 4) == "null" && !word_continues(pos_ + 4)) {
            pos_ += 4;
            return true;
        }
        return false;
    }
    bool boolean() {
        skip_space();
        token_ = pos_;
        if (text_.substr(pos_, 4) == "true" && !word_continues(pos_ + 4)) {
            pos_ += 4;
            return true;
        }
        if (text_.substr(pos_, 5) == "false" && !word_continues(pos_ + 5)) {
            pos_ += 5;
            return false;
        }
        fail("expected true or false" + found());
    }
    std::string string() {
        std::string out;
        string(out);
        return out;
    }
    void string(std::string& out) {
        skip_space();
        token_ = pos_;
        if (peek() != '"') {
            fail("expected a string" + found());
        }
        read_string(out);
    }

    std::uint64_t u64() { return integer<std::uint64_t>("an unsigned integer"); }
    std::int64_t i64() { return integer<std::int64_t>("an integer"); }
    std::uint32_t u32() { return integer<std::uint32_t>("an unsigned 32-bit integer"); }
    // An integer of either sign as (negative, magnitude), magnitude up to 2^64 - 1.
    std::pair<bool, std::uint64_t> signed_magnitude(const char* what) {
        const std::string_view t = number_token(what);
        const bool negative = t[0] == '-';
        std::uint64_t v = 0;
        const char* const end = t.data() + t.size();
        const auto r = std::from_chars(t.data() + (negative ? 1 : 0), end, v);
        if (t.find_first_of(".eE") != std::string_view::npos || r.ec != std::errc{} || r.ptr != end) {
            fail(std::string("expected ") + what + ", found " + std::string(t));
        }
        return {negative, v};
    }

    // A number; also null (NaN) and "Infinity" / "-Infinity", as json_writer writes them.
    double number() {
        if (null()) {
            return std::numeric_limits<double>::quiet_NaN();
        }
        if (peek() == '"') {
            const std::string s = string();
            if (s == "Infinity" || s == "-Infinity") {
                return s[0] == '-' ? -std::numeric_limits<double>::infinity()
                                   : std::numeric_limits<double>::infinity();
            }
            fail("expected a number, null, \"Infinity\" or \"-Infinity\", found \"" + s + "\"");
        }
        const std::string_view t = number_token("a number");
        double v = 0.0;
        const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
        if (r.ec != std::errc{} || r.ptr != t.data() + t.size()) {
            fail("number " + std::string(t) + " is out of range for a double");
        }
        return v;
    }

    // Reads and discards one value of any kind.
    void skip() {
        skip_space();
        token_ = pos_;
        const char c = peek();
        if (c == '{') {
            ++pos_;
            enter();
            skip_space();
            if (peek() == '}') {
                ++pos_;
            } else {
                for (;;) {
                    string(key_);
                    skip_space();
                    token_ = pos_;
                    if (peek() != ':') {
                        fail("expected ':' after the member name");
                    }
                    ++pos_;
                    skip();
                    if (!separator('}')) {
                        break;
                    }
                }
            }
            leave();
        } else if (c == '[') {
            ++pos_;
            enter();
            skip_space();
            if (peek() == ']') {
                ++pos_;
            } else {
                do {
                    skip();
                } while (separator(']'));
            }
            leave();
        } else if (c == '"') {
            read_string(key_);
        } else if (c == 't' || c == 'f') {
            static_cast<void>(boolean());
        } else if (!null()) {
            static_cast<void>(number_token("a value"));
        }
    }

    // Nothing but whitespace may follow the top-level value.
    void finish() {
        skip_space();
        token_ = pos_;
        if (pos_ != text_.size()) {
            fail("expected the end of the input after the top-level value" + found());
        }
    }

    // Where the next value starts (for errors found after reading it).
    std::size_t mark() noexcept {
        skip_space();
        return pos_;
    }

private:
    struct segment {
        std::string_view key; // empty: an array index
        std::size_t index;
    };

    static std::string_view name_of(std::string_view key) noexcept {
        return !key.empty() && key.back() == '?' ? key.substr(0, key.size() - 1) : key;
    }
    [[nodiscard]] std::string path() const {
        std::string out;
        for (const segment& s : path_) {
            // Appended piece by piece: GCC 12 warns falsely (-Wrestrict, its bug 105329) on
            // `"." + std::string(...)` when it inlines the insert at position 0.
            if (s.key.empty()) {
                out += '[';
                out += std::to_string(s.index);
                out += ']';
            } else {
                if (!out.empty()) {
                    out += '.';
                }
                out.append(s.key);
            }
        }
        return out;
    }
    [[nodiscard]] char peek() const noexcept { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    [[nodiscard]] bool word_continues(std::size_t at) const noexcept {
        if (at >= text_.size()) {
            return false;
        }
        const char c = text_[at];
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
    void skip_space() noexcept {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }
    // ", found X" for an error message: the next token, cut short.
    [[nodiscard]] std::string found() const {
        if (token_ >= text_.size()) {
            return ", found the end of the input";
        }
        std::size_t end = token_;
        while (end < text_.size() && end - token_ < 24 && text_[end] != ',' && text_[end] != '\n' &&
               text_[end] != '}' && text_[end] != ']') {
            ++end;
        }
        end = end == token_ ? token_ + 1 : end;
        return ", found " + utf8_repaired(text_.substr(token_, end - token_));
    }
    void expect_value(char c, const char* what) {
        skip_space();
        token_ = pos_;
        if (peek() != c) {
            fail(std::string("expected ") + what + found());
        }
        ++pos_;
    }
    void enter() {
        if (++depth_ > max_depth) {
            fail("nesting deeper than " + std::to_string(max_depth) + " levels");
        }
    }
    void leave() noexcept { --depth_; }
    // After an element: true at ',', false at the closing bracket.
    bool separator(char closing) {
        skip_space();
        token_ = pos_;
        if (peek() == ',') {
            ++pos_;
            return true;
        }
        if (peek() == closing) {
            ++pos_;
            return false;
        }
        fail(std::string("expected ',' or '") + closing + "'" + found());
    }

    // The text of a number per RFC 8259's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    std::string_view number_token(const char* what) {
        skip_space();
        token_ = pos_;
        const auto digit = [&](std::size_t at) {
            return at < text_.size() && text_[at] >= '0' && text_[at] <= '9';
        };
        std::size_t p = pos_;
        if (peek() == '-') {
            ++p;
        }
        if (!digit(p)) {
            fail(std::string("expected ") + what + found());
        }
        if (text_[p] == '0') {
            ++p;
            if (digit(p)) {
                fail(std::string("expected ") + what + " (no leading zeros)" + found());
            }
        }
        while (digit(p)) {
            ++p;
        }
        if (p < text_.size() && text_[p] == '.') {
            if (!digit(++p)) {
                fail(std::string("expected ") + what + " (digits after '.')" + found());
            }
            while (digit(p)) {
                ++p;
            }
        }
        if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
            ++p;
            if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) {
                ++p;
            }
            if (!digit(p)) {
                fail(std::string("expected ") + what + " (digits in the exponent)" + found());
            }
            while (digit(p)) {
                ++p;
            }
        }
        if (word_continues(p)) {
            fail(std::string("expected ") + what + found());
        }
        const std::string_view t = text_.substr(pos_, p - pos_);
        pos_ = p;
        return t;
    }

    template <class Int> Int integer(const char* what) {
        const std::string_view t = number_token(what);
        if (t.find_first_of(".eE") != std::string_view::npos ||
            (std::numeric_limits<Int>::min() == 0 && t[0] == '-')) {
            fail(std::string("expected ") + what + ", found " + std::string(t));
        }
        Int v{};
        const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
        if (r.ec != std::errc{} || r.ptr != t.data() + t.size()) {
            fail(std::string("expected ") + what + ", found " + std::string(t) + " (out of range)");
        }
        return v;
    }

    static int hex_value(char c) noexcept {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
    std::uint32_t hex4(std::size_t at) const {
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const int h = at + k < text_.size() ? hex_value(text_[at + k]) : -1;
            if (h < 0) {
                fail_at(at - 2, "expected four hex digits after \\u");
            }
            v = v * 16 + static_cast<std::uint32_t>(h);
        }
        return v;
    }
    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0U | (cp >> 6));
            out += static_cast<char>(0x80U | (cp & 0x3FU));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0U | (cp >> 12));
            out += static_cast<char>(0x80U | ((cp >> 6) & 0x3FU));
            out += static_cast<char>(0x80U | (cp & 0x3FU));
        } else {
            out += static_cast<char>(0xF0U | (cp >> 18));
            out += static_cast<char>(0x80U | ((cp >> 12) & 0x3FU));
            out += static_cast<char>(0x80U | ((cp >> 6) & 0x3FU));
            out += static_cast<char>(0x80U | (cp & 0x3FU));
        }
    }

    // At '"': decodes the string into out (escapes resolved, UTF-8 checked).
    void read_string(std::string& out) {
        out.clear();
        ++pos_;
        std::size_t plain = pos_;
        for (;;) {
            if (pos_ >= text_.size()) {
                fail("unterminated string (expected a closing '\"')");
            }
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                out.append(text_.substr(plain, pos_ - plain));
                ++pos_;
                return;
            }
            if (c < 0x20U) {
                fail_at(pos_, "control character in a string (expected it escaped, e.g. \\n or \\u00XX)");
            }
            if (c >= 0x80U) {
                std::size_t skip = 0;
                const std::size_t n = utf8_sequence(text_, pos_, skip);
                if (n == 0) {
                    fail_at(pos_, "invalid UTF-8 in a string");
                }
                pos_ += n;
                continue;
            }
            if (c != '\\') {
                ++pos_;
                continue;
            }
            out.append(text_.substr(plain, pos_ - plain));
            const char e = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
            pos_ += 2;
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                std::uint32_t cp = hex4(pos_);
                pos_ += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) { // a high surrogate needs its low half (RFC 8259 7)
                    if (text_.substr(pos_, 2) != "\\u") {
                        fail_at(pos_ - 6, "unpaired surrogate \\u escape (expected a low surrogate next)");
                    }
                    const std::uint32_t low = hex4(pos_ + 2);
                    if (low < 0xDC00 || low > 0xDFFF) {
                        fail_at(pos_, "expected a low surrogate \\uDC00..\\uDFFF");
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    pos_ += 6;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail_at(pos_ - 6, "unpaired low surrogate \\u escape");
                }
                append_utf8(out, cp);
                break;
            }
            default:
                fail_at(pos_ - 2, "invalid escape (expected \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)");
            }
            plain = pos_;
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t token_ = 0; // start of the current token, for error positions
    std::size_t depth_ = 0;
    std::string key_;
    std::vector<segment> path_;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_JSON_READER_HPP
