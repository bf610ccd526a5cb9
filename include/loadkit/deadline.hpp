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
//   // Work already running anywhere registers by name (task_tracker, detail/harness/deadline_tracker.hpp):
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

#include <loadkit/contend.hpp>
#include <loadkit/detail/harness/deadline_tracker.hpp>
#include <loadkit/task.hpp>
#include <loadkit/timeout.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

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
inline deadline_result run_with_deadline(std::chrono::nanoseconds limit, std::vector<named_task> tasks) {
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

// run_with_deadline, for tests that want a stuck task to fail them: throws deadline_exceeded
// (what(): the names still running) at the limit, else rethrows the first task's exception.
inline deadline_result expect_within(std::chrono::nanoseconds limit, std::vector<named_task> tasks) {
    deadline_result r = run_with_deadline(limit, std::move(tasks));
    if (!r.completed) {
        throw deadline_exceeded(std::move(r));
    }
    if (!r.failed.empty()) {
        std::rethrow_exception(r.failed.front().error);
    }
    return r;
}

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

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DEADLINE_HPP
