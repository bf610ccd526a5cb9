// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The thread-side half of deadline.hpp: deadline_result (what finished, what is still running and
// for how long), deadline_exceeded (the exception carrying it) and task_tracker (work registers by
// name while it runs, so a wait that gives up can say *which* work is stuck).
//
//   loadkit::task_tracker tracker;
//   // on any thread or in any coroutine:
//   auto guard = tracker.enter("transfer A->B");   // leaves when guard is destroyed
//   // in the test:
//   auto r = tracker.wait_idle(1s);
//   CHECK(r.completed);  INFO(r.describe());
//   // "2 tasks still running after 1.0s: 'transfer A->B' (1.0s), 'transfer B->A' (1.0s)"
#ifndef LOADKIT_DETAIL_HARNESS_DEADLINE_TRACKER_HPP
#define LOADKIT_DETAIL_HARNESS_DEADLINE_TRACKER_HPP

#include <loadkit/detail/harness/text.hpp>
#include <loadkit/version.hpp>

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
inline namespace v0 {

struct running_task {
    std::string name;
    std::chrono::nanoseconds elapsed{0}; // since it entered, when the result was taken
};

struct failed_task {
    std::string name;
    std::string message; // what(), or "non-standard exception (<type>)"
    std::exception_ptr error;
};

// The outcome of waiting for work with a time limit.
struct deadline_result {
    bool completed = true;                   // everything finished within the limit
    std::chrono::nanoseconds limit{0};       // the time limit
    std::chrono::nanoseconds waited{0};      // how long the wait took
    std::vector<running_task> still_running; // in the order they entered; empty when completed
    std::vector<failed_task> failed;         // run_with_deadline: tasks that threw

    explicit operator bool() const noexcept { return completed; }

    // "2 tasks still running after 1.0s: 'transfer A->B' (1.0s), 'transfer B->A' (1.0s)" or
    // "all tasks finished after 12ms (limit 1.0s)"; failures are appended ("; 1 task failed: ...").
    [[nodiscard]] std::string describe() const {
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
            out +=
                "; " + std::to_string(failed.size()) + (failed.size() == 1 ? " task" : " tasks") + " failed:";
            for (std::size_t i = 0; i < failed.size(); ++i) {
                out += (i == 0 ? " '" : ", '") + failed[i].name + "': " + failed[i].message;
            }
        }
        return out;
    }
};

// Thrown by expect_within, task_tracker::expect_idle_within and with_deadline: what() is the
// result's describe(), so a test framework prints the names of the stuck tasks.
class deadline_exceeded : public std::runtime_error {
public:
    explicit deadline_exceeded(deadline_result r)
        : std::runtime_error(r.describe()), result_(std::make_shared<const deadline_result>(std::move(r))) {}
    [[nodiscard]] const deadline_result& result() const noexcept { return *result_; }

private:
    std::shared_ptr<const deadline_result> result_; // shared: copying an exception must not throw
};

// Names of the work in progress. enter() registers, the guard's destruction leaves; running(),
// wait_idle() and expect_idle_within() may be called from any thread. Guards co-own the tracker's
// state, so a guard held by a detached, stuck thread never dangles.
class task_tracker {
    struct entry {
        std::string name;
        std::chrono::steady_clock::time_point since;
    };
    struct state {
        std::mutex mutex;
        std::condition_variable idle;
        std::map<std::uint64_t, entry> running; // by entry order
        std::uint64_t next = 0;
    };

public:
    class [[nodiscard]] guard {
    public:
        guard() = default;
        guard(guard&& other) noexcept : state_(std::move(other.state_)), id_(other.id_) {}
        guard& operator=(guard&& other) noexcept {
            if (this != &other) {
                leave();
                state_ = std::move(other.state_);
                id_ = other.id_;
            }
            return *this;
        }
        guard(const guard&) = delete;
        guard& operator=(const guard&) = delete;
        ~guard() { leave(); }

        // Leaves now (idempotent).
        void leave() noexcept {
            if (!state_) {
                return;
            }
            {
                std::lock_guard lock(state_->mutex);
                state_->running.erase(id_);
                if (state_->running.empty()) {
                    state_->idle.notify_all();
                }
            }
            state_.reset();
        }

    private:
        friend class task_tracker;
        guard(std::shared_ptr<state> s, std::uint64_t id) : state_(std::move(s)), id_(id) {}
        std::shared_ptr<state> state_;
        std::uint64_t id_ = 0;
    };

    task_tracker() : state_(std::make_shared<state>()) {}
    task_tracker(const task_tracker&) = delete;
    task_tracker& operator=(const task_tracker&) = delete;
    ~task_tracker() = default;

    // Registers `name` as running until the guard is destroyed (or leave() is called).
    [[nodiscard]] guard enter(std::string name) {
        const auto now = std::chrono::steady_clock::now();
        std::lock_guard lock(state_->mutex);
        const std::uint64_t id = state_->next++;
        state_->running.emplace(id, entry{std::move(name), now});
        return guard(state_, id);
    }

    // What is running now, oldest first, with how long each has been running.
    [[nodiscard]] std::vector<running_task> running() const {
        const auto now = std::chrono::steady_clock::now();
        std::lock_guard lock(state_->mutex);
        return snapshot(now);
    }
    [[nodiscard]] std::size_t running_count() const {
        std::lock_guard lock(state_->mutex);
        return state_->running.size();
    }

    // Blocks this thread until nothing is running or `limit` passed (never longer); says which
    // tasks were still running. Don't call it from a loadkit event loop thread whose tasks it waits for.
    template <class Rep, class Period>
    [[nodiscard]] deadline_result wait_idle(std::chrono::duration<Rep, Period> limit) const {
        const auto ns = std::chrono::ceil<std::chrono::nanoseconds>(limit);
        const auto start = std::chrono::steady_clock::now();
        const auto room = std::chrono::steady_clock::time_point::max() - start;
        const auto until = ns < room ? start + ns : std::chrono::steady_clock::time_point::max();
        std::unique_lock lock(state_->mutex);
        const bool done = state_->idle.wait_until(lock, until, [&] { return state_->running.empty(); });
        const auto now = std::chrono::steady_clock::now();
        deadline_result r;
        r.completed = done;
        r.limit = ns;
        r.waited = now - start;
        if (!done) {
            r.still_running = snapshot(now);
        }
        return r;
    }

    // wait_idle(limit), throwing deadline_exceeded (what(): the names) when something still runs.
    template <class Rep, class Period>
    deadline_result expect_idle_within(std::chrono::duration<Rep, Period> limit) const {
        deadline_result r = wait_idle(limit);
        if (!r.completed) {
            throw deadline_exceeded(std::move(r));
        }
        return r;
    }

private:
    std::vector<running_task> snapshot(std::chrono::steady_clock::time_point now) const {
        std::vector<running_task> out;
        out.reserve(state_->running.size());
        for (const auto& [id, e] : state_->running) {
            out.push_back({e.name, now - e.since});
        }
        return out;
    }

    std::shared_ptr<state> state_;
};

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_HARNESS_DEADLINE_TRACKER_HPP
