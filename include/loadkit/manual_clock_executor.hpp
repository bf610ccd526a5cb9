// SPDX-License-Identifier: MIT
// loadkit::manual_clock_executor — an executor on virtual time: the clock moves only when told to,
// so a test of anything timed (a whole loadkit::run, a pacer, a timeout) ends at once and gives the
// same figures on every machine, loaded or not.
//
//   loadkit::manual_clock_executor virtual_time;
//   auto report = loadkit::run(loadkit::constant_rate{.rate = 2000, .duration = 3s},
//                              {"call", [](loadkit::op_context&) -> loadkit::task<void> {
//                                   co_await loadkit::sleep_for(10ms); // takes 10 ms of virtual time
//                               }},
//                              {.manual_clock = &virtual_time});
//   // report.result.overall: 6,000 ok, each exactly 10 ms; the run took milliseconds of real time.
//
// Discrete-event simulation: everything that can run at the current instant runs; then time jumps
// to the next timer. Code on the executor takes no virtual time (a test that wants service time
// sleeps, or calls advance() from the operation: a busy loop; loadkit::run's monitor then sees the
// time only once the loop idles, so stops and a profile's end are noticed late, as on a real loop
// whose monitor thread never got a core). Work completed on other threads
// (blocking calls) holds the clock still until it is back, up to options::work_wait of real time.
//
// One thread: the one calling run(), advance(), run_ready() — or loadkit::run() when passed in
// run_options::manual_clock. post(), cancel_timer() and now() are safe from any thread.
#ifndef LOADKIT_MANUAL_CLOCK_EXECUTOR_HPP
#define LOADKIT_MANUAL_CLOCK_EXECUTOR_HPP

#include <loadkit/config.hpp>
#include <loadkit/detail/runtime/ring_queue.hpp>
#include <loadkit/detail/runtime/saturating_time.hpp>
#include <loadkit/detail/runtime/timer_heap.hpp>
#include <loadkit/executor.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <mutex>
#include <optional>

namespace loadkit {
inline namespace v0_1 {

class manual_clock_executor final : public executor {
public:
    struct options {
        // Where virtual time starts. Above zero: loadkit's watchdog keeps tick 0 for "idle".
        clock::time_point start = clock::time_point{std::chrono::hours{1}};
        // How long (real time) the clock stands still for work outstanding on other threads
        // (blocking calls) before it moves on without it. Runs stay deterministic as long as
        // those calls return within it; a call that hangs cannot hang the run.
        std::chrono::nanoseconds work_wait = std::chrono::seconds{10};
    };

    manual_clock_executor() : manual_clock_executor(options{}) {}
    // Throws std::invalid_argument naming the field and value (start <= 0, work_wait <= 0).
    LOADKIT_DECL explicit manual_clock_executor(options o);
    ~manual_clock_executor() override = default;

    void post(std::coroutine_handle<> handle) override;
    void arm_timer(timer_node& timer) override;
    bool cancel_timer(timer_node& timer) noexcept override;
    void work_started() noexcept override { work_.fetch_add(1, std::memory_order_relaxed); }
    void work_finished() noexcept override { work_.fetch_sub(1, std::memory_order_relaxed); }
    clock::time_point now() const noexcept override {
        return clock::time_point{clock::duration{now_.load(std::memory_order_acquire)}};
    }

    // Runs everything that can run at the current instant (queued coroutines, timers due, work
    // coming back from other threads) and leaves the clock where it is. Returns the coroutines
    // resumed.
    LOADKIT_DECL std::size_t run_ready();

    // Moves the clock to `t`, firing each timer due on the way at its own deadline
    // and running what it wakes before the clock moves on. Called from code running on this
    // executor (an operation simulating busy work), it only moves the clock: what falls due runs
    // once that code returns, late, as on a busy event loop.
    // Time never goes back: a `t` before now(), or a negative delay, throws std::invalid_argument.
    LOADKIT_DECL void advance_to(clock::time_point t);
    template <class Rep, class Period> void advance(std::chrono::duration<Rep, Period> delay) {
        advance_by(std::chrono::ceil<std::chrono::nanoseconds>(delay));
    }

    // Runs until nothing is left to do, jumping from timer to timer (sync_wait's role, on virtual
    // time). Returns the time reached.
    LOADKIT_DECL clock::time_point run();

    // The earliest pending timer's deadline; none when no timer is pending.
    [[nodiscard]] LOADKIT_DECL std::optional<clock::time_point> next_timer() const;
    [[nodiscard]] LOADKIT_DECL std::size_t pending_timers() const;
    [[nodiscard]] LOADKIT_DECL std::size_t queued() const;
    [[nodiscard]] std::size_t outstanding_work() const noexcept {
        return work_.load(std::memory_order_relaxed);
    }

private:
    LOADKIT_DECL void advance_by(std::chrono::nanoseconds delay);
    // Runs the queue until it is empty at the current instant; with `wait`, also waits (up to
    // work_wait) for work outstanding on other threads.
    std::size_t drain(bool wait);
    // Called with mutex_ held: timers whose deadline has come go to the run queue.
    void fire_due_locked();

    mutable std::mutex mutex_;
    std::condition_variable wakeup_;
    detail::ring_queue<std::coroutine_handle<>> ready_;
    detail::timer_heap timers_;
    std::atomic<clock::rep> now_;
    std::atomic<std::size_t> work_{0};
    std::chrono::nanoseconds work_wait_;
    // This executor's thread only:
    bool running_ = false;         // inside drain()
    std::size_t ignored_work_ = 0; // outstanding work the clock waited work_wait for, in vain
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/manual_clock_executor.ipp>
#endif

#endif // LOADKIT_MANUAL_CLOCK_EXECUTOR_HPP
