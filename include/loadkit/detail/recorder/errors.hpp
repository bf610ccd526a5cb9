// SPDX-License-Identifier: MIT
//
// Errors as a run_result reports them (result.hpp): counted per category, with a bounded sample of
// distinct messages per category, so a 24 h soak failing with a new message every request keeps a
// few kilobytes. Counts always merge exactly; which messages the sample keeps is a sample.
#ifndef LOADKIT_DETAIL_RECORDER_ERRORS_HPP
#define LOADKIT_DETAIL_RECORDER_ERRORS_HPP

#include <loadkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

// Distinct categories kept per tag; further ones are counted under other_error_category.
inline constexpr std::size_t max_error_categories = 64;
// Distinct messages kept per category; further occurrences are counted in other_messages.
inline constexpr std::size_t max_error_messages = 8;
// Bytes kept of a message (cut at a UTF-8 character boundary).
inline constexpr std::size_t max_error_message_length = 200;
inline constexpr std::string_view other_error_category = "other";

struct error_message {
    std::string text;
    std::uint64_t count = 0;
    friend bool operator==(const error_message&, const error_message&) = default;
};

struct error_category {
    std::string name;
    std::uint64_t count = 0;             // every error of this category
    std::vector<error_message> messages; // <= max_error_messages, sorted by text
    std::uint64_t other_messages = 0;    // occurrences with a message that the sample does not hold
    friend bool operator==(const error_category&, const error_category&) = default;
};

namespace detail {

// The first max_error_message_length bytes of text, not splitting a UTF-8 sequence.
inline std::string_view truncate_error_message(std::string_view text) noexcept {
    if (text.size() <= max_error_message_length) {
        return text;
    }
    std::size_t n = max_error_message_length;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0U) == 0x80U) {
        --n; // text[n] continues a sequence: cut before the sequence's first byte
    }
    return text.substr(0, n);
}

// Stable insertion sort: the lists here hold at most a few dozen elements.
template <class T, class Less> void small_sort(std::vector<T>& v, Less less) {
    for (std::size_t i = 1; i < v.size(); ++i) {
        for (std::size_t j = i; j > 0 && less(v[j], v[j - 1]); --j) {
            std::swap(v[j], v[j - 1]);
        }
    }
}

// Keeps the `keep` largest by count (ties keep their order: stable); returns the counts dropped.
template <class T, class Count>
std::uint64_t keep_largest(std::vector<T>& v, std::size_t keep, Count count_of) {
    std::uint64_t dropped = 0;
    if (v.size() > keep) {
        small_sort(v, [&](const T& a, const T& b) { return count_of(a) > count_of(b); });
        for (std::size_t i = keep; i < v.size(); ++i) {
            dropped += count_of(v[i]);
        }
        v.resize(keep);
    }
    return dropped;
}

inline void add_error_message(error_category& into, std::string_view text, std::uint64_t n) {
    for (auto& m : into.messages) {
        if (m.text == text) {
            m.count += n;
            return;
        }
    }
    into.messages.push_back({std::string(text), n});
}

// Brings a category back within its bounds: messages sorted by text, at most max_error_messages.
inline void normalize_error_category(error_category& c) {
    small_sort(c.messages, [](const error_message& a, const error_message& b) { return a.text < b.text; });
    c.other_messages +=
        keep_largest(c.messages, max_error_messages, [](const error_message& m) { return m.count; });
    small_sort(c.messages, [](const error_message& a, const error_message& b) { return a.text < b.text; });
}

inline error_category& find_or_add_category(std::vector<error_category>& list, std::string_view name) {
    for (auto& c : list) {
        if (c.name == name) {
            return c;
        }
    }
    list.push_back({std::string(name), 0, {}, 0});
    return list.back();
}

// Sorted by name, empty categories dropped, at most max_error_categories plus "other".
inline void normalize_error_categories(std::vector<error_category>& list) {
    std::erase_if(list, [](const error_category& c) { return c.count == 0; });
    std::vector<error_category> overflow;
    std::size_t named = 0;
    for (const auto& c : list) {
        named += c.name != other_error_category ? 1U : 0U;
    }
    if (named > max_error_categories) {
        small_sort(list, [](const error_category& a, const error_category& b) { return a.name < b.name; });
        small_sort(list, [](const error_category& a, const error_category& b) {
            const bool a_other = a.name == other_error_category;
            const bool b_other = b.name == other_error_category;
            return a_other != b_other ? b_other : a.count > b.count; // "other" last, then by count
        });
        for (std::size_t i = max_error_categories; i < list.size(); ++i) {
            overflow.push_back(std::move(list[i]));
        }
        list.resize(max_error_categories);
        error_category& other = find_or_add_category(list, other_error_category);
        for (auto& c : overflow) {
            other.count += c.count;
            if (c.name == other_error_category) {
                for (const auto& m : c.messages) {
                    add_error_message(other, m.text, m.count);
                }
                other.other_messages += c.other_messages;
            } else {
                for (const auto& m : c.messages) {
                    other.other_messages += m.count;
                }
                other.other_messages += c.other_messages;
            }
        }
    }
    for (auto& c : list) {
        normalize_error_category(c);
    }
    small_sort(list, [](const error_category& a, const error_category& b) { return a.name < b.name; });
}

// into += from, exact in the counts.
inline void merge_error_categories(std::vector<error_category>& into,
                                   const std::vector<error_category>& from) {
    for (const auto& c : from) {
        error_category& target = find_or_add_category(into, c.name);
        target.count += c.count;
        target.other_messages += c.other_messages;
        for (const auto& m : c.messages) {
            add_error_message(target, m.text, m.count);
        }
    }
    normalize_error_categories(into);
}

// into -= from, where from is an earlier state of the same recording (counts clamp at zero; a
// message the later sample no longer holds is taken from other_messages).
inline void subtract_error_categories(std::vector<error_category>& into,
                                      const std::vector<error_category>& from) {
    const auto minus = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
    for (const auto& c : from) {
        for (auto& target : into) {
            if (target.name != c.name) {
                continue;
            }
            target.count = minus(target.count, c.count);
            target.other_messages = minus(target.other_messages, c.other_messages);
            for (const auto& m : c.messages) {
                bool found = false;
                for (auto& t : target.messages) {
                    if (t.text == m.text) {
                        t.count = minus(t.count, m.count);
                        found = true;
                    }
                }
                if (!found) {
                    target.other_messages = minus(target.other_messages, m.count);
                }
            }
            std::erase_if(target.messages, [](const error_message& m) { return m.count == 0; });
        }
    }
    normalize_error_categories(into);
}

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_RECORDER_ERRORS_HPP
