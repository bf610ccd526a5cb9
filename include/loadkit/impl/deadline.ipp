// SPDX-License-Identifier: MIT
// The deadlines' body (declared in deadline.hpp): run_with_deadline on contend's threads,
// task_tracker's bookkeeping, and the text of deadline_result and deadline_exceeded.
// The body of deadline.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_DEADLINE_IPP
#define LOADKIT_IMPL_DEADLINE_IPP

#include <loadkit/contend.hpp>
#include <loadkit/detail/harness/text.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL std::string deadline_result::describe() const {
    std::string out;
    if (completed) {
        out = "all tasks finished after " + detail::contend_duration_text(waited) + " (limit " +
              detail::contend_duration_text(limit) + ")";
    } else {
        out = std::to_string(still_running.size()) + (still_running.size() == 1 ? " task" : " tasks") +
              " still running after " + detail::contend_duration_text(limit) + ":";
        for (std::size_t i = 0; i < still_running.size(); ++i) {
            out += (i == 0 ? " '" : ", '") + still_running[i].name + "' (" +
                   detail::contend_duration_text(still_running[i].elapsed) + ")";
        }
    }
    if (!failed.empty()) {
        out += "; " + std::to_string(failed.size()) + (failed.size() == 1 ? " task" : " tasks") + " failed:";
        for (std::size_t i = 0; i < failed.size(); ++i) {
            out += (i == 0 ? " '" : ", '") + failed[i].name + "': " + failed[i].message;
        }
    }
    return out;
}

LOADKIT_DECL deadline_exceeded::deadline_exceeded(deadline_result r)
    : std::runtime_error(r.describe()), result_(std::make_shared<const deadline_result>(std::move(r))) {}

struct task_tracker::state {
    struct entry {
        std::string name;
        std::chrono::steady_clock::time_point since;
    };

    std::mutex mutex;
    std::condition_variable idle;
    std::map<std::uint64_t, entry> running; // by entry order
    std::uint64_t next = 0;

    // Under mutex.
    std::vector<running_task> snapshot(std::chrono::steady_clock::time_point now) const {
        std::vector<running_task> out;
        out.reserve(running.size());
        for (const auto& [id, e] : running) {
            out.push_back({e.name, now - e.since});
        }
        return out;
    }
};

LOADKIT_DECL void task_tracker::guard::leave_now() noexcept {
    {
        std::lock_guard lock(state_->mutex);
        state_->running.erase(id_);
        if (state_->running.empty()) {
            state_->idle.notify_all();
        }
    }
    state_.reset();
}

LOADKIT_DECL task_tracker::task_tracker() : state_(std::make_shared<state>()) {}

LOADKIT_DECL task_tracker::guard task_tracker::enter(std::string name) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(state_->mutex);
    const std::uint64_t id = state_->next++;
    state_->running.emplace(id, state::entry{std::move(name), now});
    return guard(state_, id);
}

LOADKIT_DECL std::vector<running_task> task_tracker::running() const {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(state_->mutex);
    return state_->snapshot(now);
}

LOADKIT_DECL std::size_t task_tracker::running_count() const {
    std::lock_guard lock(state_->mutex);
    return state_->running.size();
}

LOADKIT_DECL deadline_result task_tracker::wait_idle_ns(std::chrono::nanoseconds limit) const {
    const auto start = std::chrono::steady_clock::now();
    const auto room = std::chrono::steady_clock::time_point::max() - start;
    const auto until = limit < room ? start + limit : std::chrono::steady_clock::time_point::max();
    std::unique_lock lock(state_->mutex);
    const bool done = state_->idle.wait_until(lock, until, [&] { return state_->running.empty(); });
    const auto now = std::chrono::steady_clock::now();
    deadline_result r;
    r.completed = done;
    r.limit = limit;
    r.waited = now - start;
    if (!done) {
        r.still_running = state_->snapshot(now);
    }
    return r;
}

LOADKIT_DECL deadline_result run_with_deadline(std::chrono::nanoseconds limit,
                                               std::vector<named_task> tasks) {
    if (limit <= std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument("loadkit::run_with_deadline: limit = " + std::to_string(limit.count()) +
                                    "ns (expected > 0)");
    }
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (!tasks[i].fn) {
            throw std::invalid_argument("loadkit::run_with_deadline: tasks[" + std::to_string(i) + "].fn ('" +
                                        tasks[i].name + "') is empty (expected a callable)");
        }
    }
    deadline_result out;
    out.limit = limit;
    if (tasks.empty()) {
        return out;
    }
    const auto start = std::chrono::steady_clock::now();
    auto shared = std::make_shared<const std::vector<named_task>>(std::move(tasks));
    const auto r = contend({.threads = shared->size(), .timeout = limit},
                           [shared](std::size_t i) { (*shared)[i].fn(); });
    out.waited = std::chrono::steady_clock::now() - start;
    out.completed = !r.timed_out();
    for (const auto& o : r) {
        if (o.status == contend_status::running) {
            out.still_running.push_back({(*shared)[o.thread].name, o.elapsed});
        } else if (o.threw()) {
            out.failed.push_back({(*shared)[o.thread].name, o.error_message, o.error});
        }
    }
    return out;
}

LOADKIT_DECL deadline_result expect_within(std::chrono::nanoseconds limit, std::vector<named_task> tasks) {
    deadline_result r = run_with_deadline(limit, std::move(tasks));
    if (!r.completed) {
        throw deadline_exceeded(std::move(r));
    }
    if (!r.failed.empty()) {
        std::rethrow_exception(r.failed.front().error);
    }
    return r;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_DEADLINE_IPP
