// SPDX-License-Identifier: MIT
// The error-category bookkeeping (declared in detail/recorder/errors.hpp): merging, subtracting and
// bounding category lists. The body of detail/recorder/errors.hpp, which only bodies include:
// included at its end in header-only mode, by impl/src.hpp (through recorder.hpp) otherwise.
#ifndef LOADKIT_IMPL_ERROR_CATEGORY_IPP
#define LOADKIT_IMPL_ERROR_CATEGORY_IPP

#include <loadkit/error_category.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

LOADKIT_DECL void add_error_message(error_category& into, std::string_view text, std::uint64_t n) {
    for (auto& m : into.messages) {
        if (m.text == text) {
            m.count += n;
            return;
        }
    }
    into.messages.push_back({std::string(text), n});
}

LOADKIT_DECL void normalize_error_category(error_category& c) {
    small_sort(c.messages, [](const error_message& a, const error_message& b) { return a.text < b.text; });
    c.other_messages +=
        keep_largest(c.messages, max_error_messages, [](const error_message& m) { return m.count; });
    small_sort(c.messages, [](const error_message& a, const error_message& b) { return a.text < b.text; });
}

LOADKIT_DECL error_category& find_or_add_category(std::vector<error_category>& list, std::string_view name) {
    for (auto& c : list) {
        if (c.name == name) {
            return c;
        }
    }
    list.push_back({std::string(name), 0, {}, 0});
    return list.back();
}

LOADKIT_DECL void normalize_error_categories(std::vector<error_category>& list) {
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

LOADKIT_DECL void merge_error_categories(std::vector<error_category>& into,
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

LOADKIT_DECL void subtract_error_categories(std::vector<error_category>& into,
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
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_ERROR_CATEGORY_IPP
