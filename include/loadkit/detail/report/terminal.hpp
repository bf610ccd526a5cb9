// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Terminal text for the console summary and the live progress line: is this stream a terminal,
// may it have colour (https://no-color.org), how many columns does a UTF-8 string take, and
// making untrusted text (tag names, server error messages) safe to print: a control character
// in an error message must not move the cursor or recolour the terminal (an ESC from a server
// would otherwise reach the user's terminal as a command).
#ifndef LOADKIT_DETAIL_REPORT_TERMINAL_HPP
#define LOADKIT_DETAIL_REPORT_TERMINAL_HPP

#include <loadkit/report/terminal.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#if defined(_WIN32)
#include <io.h>
#elif defined(__unix__) || defined(__APPLE__)
#include <sys/ioctl.h>
#include <unistd.h>
#endif

namespace loadkit {
inline namespace v0_1 {

namespace detail {

inline bool console_is_terminal(std::FILE* f) noexcept {
    if (f == nullptr) {
        return false;
    }
#if defined(_WIN32)
    return _isatty(_fileno(f)) != 0;
#elif defined(__unix__) || defined(__APPLE__)
    return isatty(fileno(f)) != 0;
#else
    return false;
#endif
}

// Set and non-empty (NO_COLOR's own definition of "present").
inline bool console_env_set(const char* name) noexcept {
    const char* value = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read-only use
    return value != nullptr && *value != '\0';
}

inline bool console_use_color(color_mode mode, bool terminal) noexcept {
    if (mode != color_mode::automatic) {
        return mode == color_mode::always;
    }
    if (!terminal || console_env_set("NO_COLOR")) {
        return false;
    }
    const char* term = std::getenv("TERM"); // NOLINT(concurrency-mt-unsafe)
    return term == nullptr || std::string_view(term) != "dumb";
}

// Columns of the terminal behind f, or 0 when unknown (not a terminal, or a pty without a size).
inline std::size_t console_terminal_columns(std::FILE* f) noexcept {
#if (defined(__unix__) || defined(__APPLE__)) && defined(TIOCGWINSZ)
    winsize ws{};
    if (f != nullptr && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        return ws.ws_col;
    }
#else
    static_cast<void>(f);
#endif
    return 0;
}

// Decodes one UTF-8 sequence at text[i]; advances i. Invalid or overlong sequences and surrogates
// decode to U+FFFD one byte at a time (as the WHATWG decoder does).
inline char32_t utf8_next(std::string_view text, std::size_t& i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80U) {
        ++i;
        return b0;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0U) == 0xC0U) {
        len = 2, cp = b0 & 0x1FU, min = 0x80;
    } else if ((b0 & 0xF0U) == 0xE0U) {
        len = 3, cp = b0 & 0x0FU, min = 0x800;
    } else if ((b0 & 0xF8U) == 0xF0U) {
        len = 4, cp = b0 & 0x07U, min = 0x10000;
    }
    if (len == 0 || i + len > text.size()) {
        ++i;
        return 0xFFFD;
    }
    for (std::size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0U) != 0x80U) {
            ++i;
            return 0xFFFD;
        }
        cp = (cp << 6U) | (byte(i + k) & 0x3FU);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return 0xFFFD;
    }
    i += len;
    return cp;
}

inline void utf8_append(std::string& out, char32_t cp) {
    const auto put = [&](char32_t v) { out += static_cast<char>(static_cast<unsigned char>(v)); };
    if (cp < 0x80) {
        put(cp);
    } else if (cp < 0x800) {
        put(0xC0 | (cp >> 6U));
        put(0x80 | (cp & 0x3FU));
    } else if (cp < 0x10000) {
        put(0xE0 | (cp >> 12U));
        put(0x80 | ((cp >> 6U) & 0x3FU));
        put(0x80 | (cp & 0x3FU));
    } else {
        put(0xF0 | (cp >> 18U));
        put(0x80 | ((cp >> 12U) & 0x3FU));
        put(0x80 | ((cp >> 6U) & 0x3FU));
        put(0x80 | (cp & 0x3FU));
    }
}

// Columns a code point takes: 0 for combining marks, 2 for East Asian wide and fullwidth forms
// and emoji (the main blocks of Unicode's EastAsianWidth W/F), 1 otherwise.
constexpr std::size_t console_char_width(char32_t cp) noexcept {
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0xFE00 && cp <= 0xFE0F)) {
        return 0;
    }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
                      (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
                      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
    return wide ? 2 : 1;
}

// Terminal columns of UTF-8 text (no escape sequences in it).
inline std::size_t console_width(std::string_view text) noexcept {
    std::size_t w = 0;
    for (std::size_t i = 0; i < text.size();) {
        w += console_char_width(utf8_next(text, i));
    }
    return w;
}

// Bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): invisible,
// they reorder what follows them on the line, so a tag could make "FAIL" read as "PASS" or hide
// text ("Trojan Source", CVE-2021-42574).
constexpr bool console_bidi_control(char32_t cp) noexcept {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Untrusted text made printable on one line: control characters (C0, DEL, C1) and bidi controls
// become visible escapes (\n, \t, \x1b, \u202e), invalid UTF-8 becomes U+FFFD; everything else
// passes through.
inline std::string console_safe(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const char32_t cp = utf8_next(text, i);
        if (cp == '\n') {
            out += "\\n";
        } else if (cp == '\r') {
            out += "\\r";
        } else if (cp == '\t') {
            out += "\\t";
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            out += "\\x";
            out += hex[(cp >> 4U) & 0xFU];
            out += hex[cp & 0xFU];
        } else if (console_bidi_control(cp)) {
            out += "\\u";
            for (unsigned shift = 12;; shift -= 4) {
                out += hex[(cp >> shift) & 0xFU];
                if (shift == 0) {
                    break;
                }
            }
        } else {
            utf8_append(out, cp);
        }
    }
    return out;
}

// Bytes of the longest prefix of text that fits `columns` (whole code points only); its columns
// in *width when asked. Reads only the prefix (and one code point past it), however long text is.
inline std::size_t console_prefix(std::string_view text, std::size_t columns,
                                  std::size_t* width = nullptr) noexcept {
    std::size_t w = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t next = i;
        const std::size_t cw = console_char_width(utf8_next(text, next));
        if (w + cw > columns) {
            break;
        }
        w += cw;
        i = next;
    }
    if (width != nullptr) {
        *width = w;
    }
    return i;
}

// The longest prefix of (safe) text that fits `columns`, ending in an ellipsis when cut.
inline std::string console_fit(std::string_view text, std::size_t columns, bool unicode = true) {
    if (console_width(text) <= columns) {
        return std::string(text);
    }
    const std::string_view ellipsis = unicode ? "\xE2\x80\xA6" : "...";
    const std::size_t ellipsis_width = unicode ? 1 : 3;
    if (columns <= ellipsis_width) {
        return columns == 0 ? std::string() : std::string(unicode ? ellipsis : ellipsis.substr(0, columns));
    }
    return std::string(text.substr(0, console_prefix(text, columns - ellipsis_width))) +
           std::string(ellipsis);
}

// text padded with spaces to `columns` (right-aligned when `right`).
inline std::string console_pad(std::string_view text, std::size_t columns, bool right = false) {
    const std::size_t w = console_width(text);
    const std::string fill(w < columns ? columns - w : 0, ' ');
    return right ? fill + std::string(text) : std::string(text) + fill;
}

// Word-wraps text to `columns`: the first line starts at column `first` (the caller has written
// that much before it; default: indent), continuation lines with `indent` spaces. A word longer
// than a line is cut (a URL in an error message must not push the layout off the screen).
inline std::string console_wrap(std::string_view text, std::size_t columns, std::size_t indent,
                                std::size_t first = static_cast<std::size_t>(-1)) {
    std::string out;
    std::size_t line = first == static_cast<std::size_t>(-1) ? indent : first;
    bool started = false;
    const std::size_t room = columns > indent + 10 ? columns : indent + 10;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t space = text.find(' ', i);
        std::string_view word = text.substr(i, space == std::string_view::npos ? text.size() - i : space - i);
        i = space == std::string_view::npos ? text.size() : space + 1;
        if (word.empty()) {
            continue;
        }
        std::size_t ww = console_width(word);
        if (started && line + 1 + ww > room) {
            out += '\n';
            out.append(indent, ' ');
            line = indent;
        } else if (started) {
            out += ' ';
            ++line;
        }
        started = true;
        while (line + ww > room) { // a single word wider than the line
            std::size_t cut_width = 0;
            const std::size_t cut = console_prefix(word, room - line, &cut_width);
            if (cut == 0) {
                break;
            }
            out.append(word.substr(0, cut));
            word.remove_prefix(cut);
            out += '\n';
            out.append(indent, ' ');
            line = indent;
            ww -= cut_width; // not measured again: that made a long word quadratic
        }
        out.append(word);
        line += ww;
    }
    return out;
}

// What the console reporters draw with, resolved from their options.
struct console_style {
    bool color = false;
    bool unicode = true;
    std::size_t width = 100;

    // SGR-wrapped text: "1" bold, "2" dim, "31" red, "32" green, "33" yellow, "36" cyan.
    [[nodiscard]] std::string paint(std::string_view text, const char* sgr) const {
        if (!color || sgr == nullptr || *sgr == '\0' || text.empty()) {
            return std::string(text);
        }
        return "\x1b[" + std::string(sgr) + "m" + std::string(text) + "\x1b[0m";
    }
    [[nodiscard]] const char* rule_char() const noexcept { return unicode ? "\xE2\x94\x80" : "-"; }
    [[nodiscard]] std::string rule(std::size_t columns) const {
        std::string out;
        for (std::size_t i = 0; i < columns; ++i) {
            out += rule_char();
        }
        return out;
    }
    [[nodiscard]] const char* arrow() const noexcept { return unicode ? "\xE2\x86\x92" : "->"; }
    [[nodiscard]] const char* dash() const noexcept { return unicode ? "\xE2\x80\x94" : "-"; }
    [[nodiscard]] const char* times() const noexcept { return unicode ? "\xC3\x97" : "x"; }
    [[nodiscard]] const char* pass_mark() const noexcept { return unicode ? "\xE2\x9C\x93" : "+"; }
    [[nodiscard]] const char* fail_mark() const noexcept { return unicode ? "\xE2\x9C\x97" : "x"; }
    [[nodiscard]] const char* maybe_mark() const noexcept { return unicode ? "?" : "?"; }
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_TERMINAL_HPP
