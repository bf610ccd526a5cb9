// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::error_category — errors as a run_result reports them (result.hpp): counted per category,
// with a bounded sample of distinct messages per category, so a 24 h soak failing with a new message
// every request keeps a few kilobytes. Counts always merge exactly; which messages the sample keeps
// is a sample. The limits below are what the recorder (recorder.hpp) and every merge hold to.
#ifndef LOADKIT_ERROR_CATEGORY_HPP
#define LOADKIT_ERROR_CATEGORY_HPP

#include <loadkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

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

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_ERROR_CATEGORY_HPP
