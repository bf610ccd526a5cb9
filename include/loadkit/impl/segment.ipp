// SPDX-License-Identifier: MIT
// The body of segment.hpp: parsing and checking segments (messages naming the field and the value),
// the exact block and striping arithmetic, and reading a launcher's environment.
#ifndef LOADKIT_IMPL_SEGMENT_IPP
#define LOADKIT_IMPL_SEGMENT_IPP

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

[[noreturn]] inline void throw_segment(std::string_view who, std::string_view field, const std::string& value,
                                       const std::string& expected) {
    throw std::invalid_argument(std::string(who) + ": " + std::string(field) + " = " + value + " (expected " +
                                expected + ")");
}

inline std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

inline std::string bound_text(segment_bound b) {
    if (b.num == 0) {
        return "0";
    }
    if (b.num == b.den) {
        return "1";
    }
    return std::to_string(b.num) + "/" + std::to_string(b.den);
}

// A run of decimal digits (no sign, no space), at most 18 of them so it cannot overflow.
inline std::optional<std::uint64_t> segment_digits(std::string_view s) {
    if (s.empty() || s.size() > 18) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

// "n/d", "n" or a decimal "0.25" (up to 9 decimals, so its denominator stays within the limit).
inline std::optional<segment_bound> parse_bound(std::string_view s) {
    if (const auto slash = s.find('/'); slash != std::string_view::npos) {
        const auto n = segment_digits(s.substr(0, slash));
        const auto d = segment_digits(s.substr(slash + 1));
        if (!n || !d) {
            return std::nullopt;
        }
        return segment_bound{*n, *d};
    }
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    const auto w = segment_digits(whole);
    if (!w) {
        return std::nullopt;
    }
    if (dot == std::string_view::npos) {
        return segment_bound{*w, 1};
    }
    const std::string_view decimals = s.substr(dot + 1);
    if (decimals.size() > 9) {
        return std::nullopt;
    }
    const auto f = segment_digits(decimals);
    if (!f) {
        return std::nullopt;
    }
    std::uint64_t den = 1;
    for (std::size_t i = 0; i < decimals.size(); ++i) {
        den *= 10;
    }
    return segment_bound{*w * den + *f, den};
}

// ceil(n / d * 2^64) for n < d <= max_denominator (< 2^32): long division in 32-bit digits, exact.
inline std::uint64_t segment_point(std::uint64_t n, std::uint64_t d) noexcept {
    const std::uint64_t x1 = n << 32;
    const std::uint64_t q1 = x1 / d;
    const std::uint64_t x2 = (x1 % d) << 32;
    const std::uint64_t q2 = x2 / d;
    return (q1 << 32) + q2 + (x2 % d != 0 ? 1 : 0);
}

// floor(n * num / den) for num <= den <= max_denominator, without overflow.
inline std::uint64_t segment_floor(std::uint64_t n, segment_bound b) noexcept {
    return (n / b.den) * b.num + ((n % b.den) * b.num) / b.den;
}

// How many k in [0, n) have reverse_bits(k) < x. Comparing from the top, reverse_bits(k) < x at
// the first bit where they differ, k's bit being 0 and x's 1; for each 1 bit of x (its i-th from
// the top), the k that match x's first i bits and have a 0 next are a residue class mod 2^(i+1).
inline std::uint64_t reversed_below(std::uint64_t n, std::uint64_t x) noexcept {
    std::uint64_t count = 0;
    std::uint64_t low = 0; // the low i bits of the k still matching x's top i bits
    for (unsigned i = 0; i < 64; ++i) {
        if (((x >> (63 - i)) & 1U) == 0) {
            continue;
        }
        if (i == 63) {
            count += low < n ? 1 : 0;
        } else {
            const std::uint64_t m = std::uint64_t{1} << (i + 1);
            count += n / m + (n % m > low ? 1 : 0);
        }
        low |= std::uint64_t{1} << i;
    }
    return count;
}

inline std::string segment_expected_syntax() {
    return "\"i/N\" (shard i of N, 0 <= i < N) or \"from:to\" with 0 <= from < to <= 1 as fractions "
           "or decimals, e.g. \"1/4:2/4\", \"0:1/3\", \"0.25:0.5\"";
}

// Brings both bounds to lowest terms; "" when 0 <= begin < end <= 1 with denominators within the
// limit, else what was expected (and the field and value at fault).
inline std::string segment_bounds_problem(segment_bound& begin, segment_bound& end, std::string& field,
                                          std::string& value) {
    for (segment_bound* b : {&begin, &end}) {
        field = b == &begin ? "from" : "to";
        value = std::to_string(b->num) + "/" + std::to_string(b->den);
        if (b->den == 0) {
            return "a fraction with a denominator >= 1";
        }
        const std::uint64_t g = std::gcd(b->num, b->den);
        if (g > 1) {
            b->num /= g;
            b->den /= g;
        }
        if (b->num > b->den) {
            return "in [0, 1]";
        }
        if (b->den > execution_segment::max_denominator) {
            return "a fraction with a denominator <= 1,000,000,000 in lowest terms";
        }
    }
    // Compared exactly: both products stay below 10^18.
    if (begin.num * end.den >= end.num * begin.den) {
        field = "from";
        value = bound_text(begin);
        return "< to = " + bound_text(end);
    }
    return {};
}

inline execution_segment parse_segment(std::string_view text, std::string_view who, std::string_view field) {
    const std::string value = quoted(text);
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        const auto slash = text.find('/');
        const auto i = slash == std::string_view::npos ? std::nullopt : segment_digits(text.substr(0, slash));
        const auto n =
            slash == std::string_view::npos ? std::nullopt : segment_digits(text.substr(slash + 1));
        if (!i || !n) {
            throw_segment(who, field, value, segment_expected_syntax());
        }
        if (*n == 0) {
            throw_segment(who, field, value, "a shard count N >= 1 in \"i/N\"");
        }
        if (*n > execution_segment::max_denominator) {
            throw_segment(who, field, value, "a shard count N <= 1,000,000,000");
        }
        if (*i >= *n) {
            throw_segment(who, field, value, "a shard index i < N in \"i/N\" (0-based)");
        }
        return execution_segment::shard(*i, *n);
    }
    const auto begin = parse_bound(text.substr(0, colon));
    const auto end = parse_bound(text.substr(colon + 1));
    if (!begin || !end) {
        throw_segment(who, field, value, segment_expected_syntax());
    }
    segment_bound b = *begin;
    segment_bound e = *end;
    std::string bad_field;
    std::string bad_value;
    const std::string expected = segment_bounds_problem(b, e, bad_field, bad_value);
    if (!expected.empty()) {
        throw_segment(who, field, value, bad_field + " = " + bad_value + " to be " + expected);
    }
    return execution_segment(b, e);
}

} // namespace detail

LOADKIT_DECL execution_segment::execution_segment(segment_bound begin, segment_bound end) {
    std::string field;
    std::string value;
    const std::string expected = detail::segment_bounds_problem(begin, end, field, value);
    if (!expected.empty()) {
        detail::throw_segment("loadkit::execution_segment", field, value, expected);
    }
    begin_ = begin;
    end_ = end;
    low_ = begin_.num == 0 ? 0 : detail::segment_point(begin_.num, begin_.den);
    to_one_ = end_.num == end_.den;
    high_ = to_one_ ? 0 : detail::segment_point(end_.num, end_.den);
    text_ = detail::bound_text(begin_) + ":" + detail::bound_text(end_);
}

LOADKIT_DECL execution_segment execution_segment::parse(std::string_view text) {
    execution_segment s = detail::parse_segment(text, "loadkit::execution_segment", "text");
    if (text.find(':') != std::string_view::npos) {
        s.text_ = std::string(text);
    }
    return s;
}

LOADKIT_DECL execution_segment execution_segment::shard(std::uint64_t index, std::uint64_t count) {
    constexpr std::string_view who = "loadkit::execution_segment::shard";
    if (count == 0 || count > max_denominator) {
        detail::throw_segment(who, "count", std::to_string(count), "1 .. 1,000,000,000");
    }
    if (index >= count) {
        detail::throw_segment(who, "index", std::to_string(index), "< count = " + std::to_string(count));
    }
    execution_segment s({index, count}, {index + 1, count});
    s.text_ = std::to_string(index) + "/" + std::to_string(count) + ":" + std::to_string(index + 1) + "/" +
              std::to_string(count);
    return s;
}

LOADKIT_DECL std::uint64_t execution_segment::first_of(std::uint64_t n) const noexcept {
    return detail::segment_floor(n, begin_);
}

LOADKIT_DECL std::uint64_t execution_segment::count_of(std::uint64_t n) const noexcept {
    return detail::segment_floor(n, end_) - detail::segment_floor(n, begin_);
}

LOADKIT_DECL std::uint64_t execution_segment::owned_below(std::uint64_t n) const noexcept {
    const std::uint64_t below_end = to_one_ ? n : detail::reversed_below(n, high_);
    return below_end - detail::reversed_below(n, low_);
}

LOADKIT_DECL std::uint64_t execution_segment::nth_owned(std::uint64_t r) const noexcept {
    // The smallest n with owned_below(n) > r; the item is n - 1.
    std::uint64_t lo = 1;
    std::uint64_t hi = std::numeric_limits<std::uint64_t>::max();
    if (owned_below(hi) <= r) {
        return hi;
    }
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        if (owned_below(mid) > r) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo - 1;
}

LOADKIT_DECL std::string segment_assignment::describe() const {
    std::string s = segment.text() + " (" + source;
    if (rank && size) {
        s += " rank " + std::to_string(*rank) + " of " + std::to_string(*size);
    }
    return s + ")";
}

namespace detail {

struct launcher_rank {
    const char* launcher;
    const char* rank_var;
    const char* size_var;
    std::uint64_t rank;
    std::uint64_t size;
};

constexpr std::string_view environment_who = "loadkit::segment_from_environment";

// A variable's value through segment_from_lookup's callback (nullptr: unset).
struct environment {
    const char* (*read)(const void*, const char*);
    const void* context;
    const char* operator()(const char* name) const { return read(context, name); }
};

inline std::optional<std::uint64_t> environment_number(const environment& lookup, const char* name) {
    const char* value = lookup(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    const auto n = segment_digits(value);
    if (!n) {
        throw_segment(environment_who, name, quoted(value), "a whole number >= 0");
    }
    return n;
}

// A rank variable with its size (from the first size variable set); nothing when the rank is unset.
inline void find_launcher(const environment& lookup, std::vector<launcher_rank>& found, const char* launcher,
                          const char* rank_var, std::initializer_list<const char*> size_vars) {
    const auto rank = environment_number(lookup, rank_var);
    if (!rank) {
        return;
    }
    for (const char* size_var : size_vars) {
        if (const auto size = environment_number(lookup, size_var)) {
            const std::string value = std::to_string(*rank);
            if (*size == 0 || *size > execution_segment::max_denominator) {
                throw_segment(environment_who, size_var, std::to_string(*size),
                              "1 .. 1,000,000,000 processes");
            }
            if (*rank >= *size) {
                throw_segment(environment_who, rank_var, value,
                              std::string("< ") + size_var + " = " + std::to_string(*size));
            }
            found.push_back({launcher, rank_var, size_var, *rank, *size});
            return;
        }
    }
    std::string sizes;
    for (const char* size_var : size_vars) {
        sizes += sizes.empty() ? size_var : std::string(" or ") + size_var;
    }
    throw_segment(environment_who, rank_var, std::to_string(*rank),
                  std::string("its count in ") + sizes + ", which is not set");
}

LOADKIT_DECL std::optional<segment_assignment>
segment_from_lookup(const char* (*read)(const void* context, const char* name), const void* context) {
    const environment lookup{read, context};
    if (const char* text = lookup("LOADKIT_SEGMENT")) {
        static_cast<void>(parse_segment(text, environment_who, "LOADKIT_SEGMENT"));
        // Checked: parsed once more to keep the text as written.
        return segment_assignment{execution_segment::parse(text), "LOADKIT_SEGMENT", std::nullopt,
                                  std::nullopt};
    }
    std::vector<launcher_rank> found;
    find_launcher(lookup, found, "kubernetes", "JOB_COMPLETION_INDEX", {"LOADKIT_SEGMENT_COUNT"});
    find_launcher(lookup, found, "mpi", "OMPI_COMM_WORLD_RANK", {"OMPI_COMM_WORLD_SIZE"});
    find_launcher(lookup, found, "mpi", "PMI_RANK", {"PMI_SIZE"});
    find_launcher(lookup, found, "mpi", "PMIX_RANK", {"PMIX_SIZE", "OMPI_COMM_WORLD_SIZE"});
    find_launcher(lookup, found, "slurm", "SLURM_PROCID", {"SLURM_NTASKS"});
    if (found.empty()) {
        return std::nullopt;
    }
    const launcher_rank& first = found.front();
    for (const auto& f : found) {
        if (f.rank != first.rank || f.size != first.size) {
            throw_segment(environment_who, f.rank_var,
                          std::to_string(f.rank) + ", " + f.size_var + " = " + std::to_string(f.size),
                          std::string("the rank and size of ") + first.rank_var + " = " +
                              std::to_string(first.rank) + ", " + first.size_var + " = " +
                              std::to_string(first.size) + ": the launchers disagree");
        }
    }
    return segment_assignment{execution_segment::shard(first.rank, first.size), first.launcher, first.rank,
                              first.size};
}

} // namespace detail

LOADKIT_DECL std::optional<segment_assignment> segment_from_environment() {
    return segment_from_environment([](const char* name) -> const char* { return std::getenv(name); });
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_SEGMENT_IPP
