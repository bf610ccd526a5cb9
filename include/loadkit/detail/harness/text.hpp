// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Text shared by the concurrency-correctness headers (contend.hpp, lock_probe.hpp, deadline.hpp):
// their spelling of a duration ("1.2us", "80us", "1.0s", formatted by detail/text/units.hpp, as
// counts are: human_count) and what a caught exception says about itself (what() and its demangled
// type). Names carry a contend_ prefix so they never clash with other detail helpers pulled into
// the same translation unit.
#ifndef LOADKIT_DETAIL_HARNESS_TEXT_HPP
#define LOADKIT_DETAIL_HARNESS_TEXT_HPP

#include <loadkit/detail/text/units.hpp>
#include <loadkit/version.hpp>

#include <chrono>
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

// Two significant digits and ASCII "us": one line per run, read next to thread counts, where the
// console table's fourth digit would be noise. 850ns, 1.2us, 80us, 1.1ms, 1.0s, 2m05s.
inline std::string contend_duration_text(std::chrono::nanoseconds d) { return human_duration(d, false, 2); }

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

#endif // LOADKIT_DETAIL_HARNESS_TEXT_HPP
