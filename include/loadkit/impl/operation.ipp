// SPDX-License-Identifier: MIT
// The body of operation.hpp: think times' descriptions, the checks behind operation's and the
// think helpers' templates, and the filing of a failed step (an operation's error path).
#ifndef LOADKIT_IMPL_OPERATION_IPP
#define LOADKIT_IMPL_OPERATION_IPP

#include <loadkit/blocking_pool.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/recorder.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <typeinfo>

#if defined(__GNUG__) && __has_include(<cxxabi.h>)
#include <cstdlib>
#include <cxxabi.h>
#define LOADKIT_HAS_CXXABI 1
#endif

namespace loadkit {
inline namespace v0_1 {

namespace detail {
[[noreturn]] LOADKIT_DECL void throw_think(const char* what, std::chrono::nanoseconds value,
                                           const char* expected) {
    throw std::invalid_argument(std::string("loadkit::") + what + " = " + std::to_string(value.count()) +
                                "ns (expected " + expected + ")");
}
inline std::string think_duration_text(std::chrono::nanoseconds d) {
    const double ms = static_cast<double>(d.count()) / 1e6;
    char text[32];
    if (ms >= 1000.0) {
        std::snprintf(text, sizeof text, "%gs", ms / 1000.0);
    } else {
        std::snprintf(text, sizeof text, "%gms", ms);
    }
    return text;
}
} // namespace detail

LOADKIT_DECL std::string think_time::describe() const {
    switch (type) {
    case kind::none:
        return "none";
    case kind::constant:
        return "constant " + detail::think_duration_text(low);
    case kind::uniform:
        return "between " + detail::think_duration_text(low) + " and " + detail::think_duration_text(high);
    case kind::pacing:
        return "pacing " + detail::think_duration_text(low);
    }
    return "?";
}

namespace detail {
// The category an exception is filed under: its dynamic type's name, demangled where possible.
LOADKIT_DECL std::string exception_category(const std::exception& e) {
#if defined(LOADKIT_HAS_CXXABI)
    int status = 0;
    char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
    if (status == 0 && name != nullptr) {
        std::string out(name);
        std::free(name);
        return out;
    }
    std::free(name);
#endif
    return typeid(e).name();
}
} // namespace detail

LOADKIT_DECL void op_context::file_exception(tag_id tag, clock::time_point begin) {
    const clock::time_point end = loadkit::now();
    try {
        throw;
    } catch (const operation_cancelled&) {
        recorder_->local().record(tag, outcome::timeout(), begin, end);
    } catch (const op_error& e) {
        recorder_->local().record(tag, outcome::error(e.category(), e.what()), begin, end);
    } catch (const std::exception& e) {
        const std::string category = detail::exception_category(e);
        recorder_->local().record(tag, outcome::error(category, e.what()), begin, end);
    } catch (...) {
        recorder_->local().record(tag, outcome::error("unknown exception"), begin, end);
    }
}

LOADKIT_DECL blocking_pool* operation::detail_pool(op_context& ctx) {
    blocking_pool* pool = detail::op_context_access::pool(ctx);
    if (pool == nullptr) {
        throw std::logic_error("loadkit::operation: a blocking operation ran without a blocking pool; run it "
                               "through loadkit::run");
    }
    return pool;
}

LOADKIT_DECL void operation::check(const std::string& name, double weight) {
    if (name.empty()) {
        throw std::invalid_argument("loadkit::operation: name = \"\" (expected a tag name)");
    }
    if (!(weight >= 0.0) || weight > 1e12) {
        throw std::invalid_argument("loadkit::operation \"" + name + "\": weight = " +
                                    std::to_string(weight) + " (expected a finite number >= 0)");
    }
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_OPERATION_IPP
