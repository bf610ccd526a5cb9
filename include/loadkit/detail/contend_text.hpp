// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Text shared by the concurrency-correctness headers (contend.hpp, lock_probe.hpp, deadline.hpp):
// short durations ("1.2us", "80us", "1.0s"), counts with thousands separators ("1,000") and what a
// caught exception says about itself (what() and its demangled type). Names carry a contend_ prefix
// so they never clash with other detail helpers pulled into the same translation unit.
#ifndef LOADKIT_DETAIL_CONTEND_TEXT_HPP
#define LOADKIT_DETAIL_CONTEND_TEXT_HPP

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#if defined(__has_include)
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define LOADKIT_HAS_CXXABI 1
#endif
#endif

namespace loadkit {
inline namespace v0 {
namespace detail {

// "1,000,000": counts read at a glance.
inline std::string contend_count_text(std::uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    const std::size_t lead = digits.size() % 3;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (i + 3 - lead) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return out;
}

// Two significant figures at most, in the largest unit where the value is at least 1:
// 850ns, 1.2us, 80us, 1.1ms, 1.0s, 75s.
inline std::string contend_duration_text(std::chrono::nanoseconds d) {
    const std::int64_t ns = d.count();
    if (ns < 0) {
        // Appended, not "-" + rvalue: that operator+ trips GCC 12's -Wrestrict at -O3 (bug 105651).
        std::string out = "-";
        out += contend_duration_text(std::chrono::nanoseconds{ns == INT64_MIN ? INT64_MAX : -ns});
        return out;
    }
    if (ns < 1000) {
        return std::to_string(ns) + "ns";
    }
    static constexpr const char* units[] = {"us", "ms", "s"};
    double v = static_cast<double>(ns) / 1e3;
    std::size_t u = 0;
    while (u + 1 < sizeof units / sizeof units[0] && v >= 999.5) {
        v /= 1e3;
        ++u;
    }
    char text[32];
    std::snprintf(text, sizeof text, v < 9.95 ? "%.1f%s" : "%.0f%s", v, units[u]);
    return text;
}

inline std::string contend_demangle(const char* name) {
#if defined(LOADKIT_HAS_CXXABI)
    int status = 0;
    char* readable = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (status == 0 && readable != nullptr) {
        std::string out(readable);
        std::free(readable);
        return out;
    }
    std::free(readable);
#endif
    return name;
}

// What an exception says about itself: what() (or a placeholder) and its dynamic type's name.
struct contend_exception_text {
    std::string message;
    std::string type;
};

inline contend_exception_text describe_exception(const std::exception_ptr& error) {
    contend_exception_text out;
    if (!error) {
        return out;
    }
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        out.message = e.what();
        out.type = contend_demangle(typeid(e).name());
    } catch (...) {
        out.message = "non-standard exception";
#if defined(LOADKIT_HAS_CXXABI)
        if (const std::type_info* type = abi::__cxa_current_exception_type()) {
            out.type = contend_demangle(type->name());
            out.message += " (" + out.type + ")";
        }
#endif
    }
    return out;
}

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_CONTEND_TEXT_HPP
