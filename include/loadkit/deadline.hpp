// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit deadlines — fail with the names of the tasks still running instead of hanging. A test
// that deadlocks otherwise hangs until CI kills it, with no clue which operation was stuck.
//
//   // Named callables on threads released together (so a lock-order bug really deadlocks):
//   auto r = loadkit::run_with_deadline(1s, {{"transfer A->B", [&] { transfer(a, b, 10); }},
//                                            {"transfer B->A", [&] { transfer(b, a, 10); }}});
//   CHECK(r.completed);   // or: loadkit::expect_within(1s, {...}) throws deadline_exceeded
//   // r.describe(): "2 tasks still running after 1.0s: 'transfer A->B' (1.0s), 'transfer B->A' (1.0s)"
//
//   // Work already running anywhere registers by name (task_tracker):
//   auto guard = tracker.enter("job 17");  ...  tracker.expect_idle_within(5s);
//
//   // Coroutines: cancelled at the limit (through their stop token), then deadline_exceeded:
//   int v = co_await loadkit::with_deadline(fetch(), 500ms, "fetch /health");
//
// Threads that never return are detached with their state kept alive (as loadkit::contend does),
// so the process can report and exit; a coroutine is cancelled instead (loadkit sleeps and waits
// end at once), and awaited to its end if it ignores the cancellation (see with_timeout).
#ifndef LOADKIT_DEADLINE_HPP
#define LOADKIT_DEADLINE_HPP

#include <loadkit/task.hpp>
#include <loadkit/timeout.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

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
    [[nodiscard]] std::string describe() const;
};

// Thrown by expect_within, task_tracker::expect_idle_within and with_deadline: what() is the
// result's describe(), so a test framework prints the names of the stuck tasks.
class deadline_exceeded : public std::runtime_error {
public:
    explicit deadline_exceeded(deadline_result r);
    [[nodiscard]] const deadline_result& result() const noexcept { return *result_; }

private:
    std::shared_ptr<const deadline_result> result_; // shared: copying an exception must not throw
};

// Names of the work in progress, so a wait that gives up can say *which* work is stuck:
//
//   loadkit::task_tracker tracker;
//   // on any thread or in any coroutine:
//   auto guard = tracker.enter("transfer A->B");   // leaves when guard is destroyed
//   // in the test:
//   auto r = tracker.wait_idle(1s);
//   CHECK(r.completed);  INFO(r.describe());
//
// enter() registers, the guard's destruction leaves; running(), wait_idle() and
// expect_idle_within() may be called from any thread. Guards co-own the tracker's state, so a
// guard held by a detached, stuck thread never dangles.
class task_tracker {
    struct state; // impl/deadline.ipp: the names in progress, under a mutex

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
            if (state_) {
                leave_now();
            }
        }

    private:
        friend class task_tracker;
        guard(std::shared_ptr<state> s, std::uint64_t id) : state_(std::move(s)), id_(id) {}
        void leave_now() noexcept;
        std::shared_ptr<state> state_;
        std::uint64_t id_ = 0;
    };

    task_tracker();
    task_tracker(const task_tracker&) = delete;
    task_tracker& operator=(const task_tracker&) = delete;
    ~task_tracker() = default;

    // Registers `name` as running until the guard is destroyed (or leave() is called).
    [[nodiscard]] guard enter(std::string name);

    // What is running now, oldest first, with how long each has been running.
    [[nodiscard]] std::vector<running_task> running() const;
    [[nodiscard]] std::size_t running_count() const;

    // Blocks this thread until nothing is running or `limit` passed (never longer); says which
    // tasks were still running. Don't call it from a loadkit event loop thread whose tasks it waits for.
    template <class Rep, class Period>
    [[nodiscard]] deadline_result wait_idle(std::chrono::duration<Rep, Period> limit) const {
        return wait_idle_ns(std::chrono::ceil<std::chrono::nanoseconds>(limit));
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
    [[nodiscard]] deadline_result wait_idle_ns(std::chrono::nanoseconds limit) const;

    std::shared_ptr<state> state_;
};

// A callable with the name reports use for it.
struct named_task {
    std::string name;
    std::function<void()> fn;
};

// Runs every task on its own thread, all released together (contend's gate), and waits at most
// `limit`. Returns which tasks were still running (named, with their elapsed time) and which threw;
// never throws what a task throws. Tasks still running at the limit are detached: each keeps its
// named_task alive, so it may finish later or never. Throws std::invalid_argument for limit <= 0
// or a task without a callable.
LOADKIT_DECL deadline_result run_with_deadline(std::chrono::nanoseconds limit, std::vector<named_task> tasks);

// run_with_deadline, for tests that want a stuck task to fail them: throws deadline_exceeded
// (what(): the names still running) at the limit, else rethrows the first task's exception.
LOADKIT_DECL deadline_result expect_within(std::chrono::nanoseconds limit, std::vector<named_task> tasks);

// Runs `work` with a time limit: its value when it finishes in time; at the limit the work is
// cancelled (its stop token: loadkit sleeps and waits inside end at once) and deadline_exceeded is
// thrown naming it ("1 task still running after 500ms: 'fetch /health' (500ms)"). Built on
// with_timeout, which returns the timeout as a value instead.
template <class T, class Rep, class Period>
requires(!std::is_reference_v<T>) task<T> with_deadline(task<T> work,
                                                        std::chrono::duration<Rep, Period> limit,
                                                        std::string name) {
    const auto start = std::chrono::steady_clock::now();
    task<timeout_result<T>> timed = with_timeout(std::move(work), limit);
    timeout_result<T> outcome = co_await std::move(timed);
    if (outcome.timed_out()) {
        const auto elapsed = std::chrono::steady_clock::now() - start;
        deadline_result r;
        r.completed = false;
        r.limit = std::chrono::ceil<std::chrono::nanoseconds>(limit);
        r.waited = elapsed;
        r.still_running.push_back({std::move(name), elapsed});
        throw deadline_exceeded(std::move(r));
    }
    if constexpr (std::is_void_v<T>) {
        co_return;
    } else {
        co_return std::move(outcome).value();
    }
}

// Runs `work` registered in `tracker` under `name` for as long as it runs, so a tracker.wait_idle()
// elsewhere can name it: `co_await loadkit::tracked(tracker, "job 17", process(job));`.
template <class T>
requires(!std::is_reference_v<T>) task<T> tracked(task_tracker& tracker, std::string name, task<T> work) {
    auto guard = tracker.enter(std::move(name));
    if constexpr (std::is_void_v<T>) {
        co_await std::move(work);
    } else {
        co_return co_await std::move(work);
    }
}

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/deadline.ipp>
#endif

#endif // LOADKIT_DEADLINE_HPP
