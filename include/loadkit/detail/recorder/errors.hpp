// SPDX-License-Identifier: MIT
//
// The bookkeeping behind error_category (error_category.hpp): cutting messages, merging and
// bounding category lists. The non-template bodies are in impl/error_category.ipp.
#ifndef LOADKIT_DETAIL_RECORDER_ERRORS_HPP
#define LOADKIT_DETAIL_RECORDER_ERRORS_HPP

#include <loadkit/config.hpp>
#include <loadkit/error_category.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
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

LOADKIT_DECL void add_error_message(error_category& into, std::string_view text, std::uint64_t n);

// Brings a category back within its bounds: messages sorted by text, at most max_error_messages.
LOADKIT_DECL void normalize_error_category(error_category& c);

LOADKIT_DECL error_category& find_or_add_category(std::vector<error_category>& list, std::string_view name);

// Sorted by name, empty categories dropped, at most max_error_categories plus "other".
LOADKIT_DECL void normalize_error_categories(std::vector<error_category>& list);

// into += from, exact in the counts.
LOADKIT_DECL void merge_error_categories(std::vector<error_category>& into,
                                         const std::vector<error_category>& from);

// into -= from, where from is an earlier state of the same recording (counts clamp at zero; a
// message the later sample no longer holds is taken from other_messages).
LOADKIT_DECL void subtract_error_categories(std::vector<error_category>& into,
                                            const std::vector<error_category>& from);

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/error_category.ipp>
#endif

#endif // LOADKIT_DETAIL_RECORDER_ERRORS_HPP
