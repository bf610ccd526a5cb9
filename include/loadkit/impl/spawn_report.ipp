// SPDX-License-Identifier: MIT
// The body of spawn_report.hpp: describing and rethrowing kept failures, and the tally's locked
// paths (keeping a failure, taking a report); counting stays inline in the header.
#ifndef LOADKIT_IMPL_SPAWN_REPORT_IPP
#define LOADKIT_IMPL_SPAWN_REPORT_IPP

#include <exception>
#include <mutex>
#include <string>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL std::string spawn_report::describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "non-standard exception";
    }
}

LOADKIT_DECL void spawn_report::rethrow_first_error() const {
    if (!errors.empty()) {
        std::rethrow_exception(errors.front());
    }
}

namespace detail {

LOADKIT_DECL void spawn_tally::keep(const std::exception_ptr& error) noexcept {
    std::lock_guard lock(mutex_);
    if (errors_.size() < kept_errors_) {
        try {
            errors_.push_back(error);
        } catch (...) { // out of memory: still counted by ended()
        }
    }
}

LOADKIT_DECL spawn_report spawn_tally::report() const {
    spawn_report out;
    out.spawned = spawned_.load(std::memory_order_relaxed);
    out.succeeded = succeeded_.load(std::memory_order_relaxed);
    out.failed = failed_.load(std::memory_order_relaxed);
    out.cancelled = cancelled_.load(std::memory_order_relaxed);
    out.peak_in_flight = peak_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    out.errors = errors_;
    return out;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_SPAWN_REPORT_IPP
