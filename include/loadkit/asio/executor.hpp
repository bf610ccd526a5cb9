// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// loadkit::asio_executor — loadkit's executor seam (executor.hpp) on an asio::io_context, and
// loadkit::asio_runner — N io_contexts on N threads, one executor each (loadkit::runner's shape).
//
//   asio::io_context io{1};                        // one thread runs it: concurrency hint 1
//   loadkit::asio_executor ex{io};
//   std::thread t([&] { ex.run(); });              // io.run() with ex as the thread's executor
//
// Why one thread per io_context: loadkit's executors are serial (a virtual user's state, an
// open-model slot pool and the timer heap belong to one loop), as asio's own strands are. Scale
// out with several io_contexts (asio_runner), as wrk runs one event loop per thread.
//
// Timers: loadkit sleeps (timer_node, in the sleeping coroutine's frame) go into one 4-ary heap
// per executor, driven by a single asio::steady_timer armed for the earliest deadline — no
// allocation per timer, one timerfd wait at a time. Work: work_started/finished map onto the
// io_context's own outstanding-work count, so run() does not return while a blocking call is out.
//
// The bodies that run once (construction, the runner's threads) are in impl/asio.ipp; what runs
// per timer or per resumption stays here, inline.
#ifndef LOADKIT_ASIO_EXECUTOR_HPP
#define LOADKIT_ASIO_EXECUTOR_HPP

#include <loadkit/config.hpp>
#include <loadkit/detail/runtime/timer_heap.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/version.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

class asio_executor final : public executor {
public:
    struct options {
        // A timer may fire up to this late, so that timers due close together share one wake-up
        // (one timerfd_settime and one epoll wake-up instead of one each). 50 us is Linux's default
        // timer slack, which loadkit's own event_loop gets from its futex waits; a paced open-model
        // schedule at 30k arrivals/s spent a fifth of its CPU re-arming the kernel timer without it.
        // 0: every timer exactly.
        std::chrono::nanoseconds timer_slack = std::chrono::microseconds{50};
    };

    explicit asio_executor(asio::io_context& io) : asio_executor(io, options{}) {}
    asio_executor(asio::io_context& io, options opts);
    asio_executor(const asio_executor&) = delete;
    asio_executor& operator=(const asio_executor&) = delete;
    // Destroy it before its io_context, and not while the io_context runs.
    ~asio_executor() override = default;

    [[nodiscard]] asio::io_context& context() const noexcept { return io_; }
    // Whether the calling thread is inside this executor's io_context::run().
    [[nodiscard]] bool running_in_this_thread() const noexcept {
        return io_.get_executor().running_in_this_thread();
    }

    // io_context::run() with this executor as the thread's current_executor() (plain io.run()
    // works too: handlers that resume loadkit coroutines set it themselves).
    std::size_t run() {
        const executor_scope scope(this);
        return io_.run();
    }

    void post(std::coroutine_handle<> handle) override { asio::post(io_, resume{this, handle}); }

    void arm_timer(timer_node& timer) override {
        timers_.push(timer);
        if (timers_.top() == &timer) {
            rearm();
        }
    }

    bool cancel_timer(timer_node& timer) noexcept override {
        int expected = timer_node::pending;
        if (!timer.state.compare_exchange_strong(expected, timer_node::cancelled,
                                                 std::memory_order_acq_rel)) {
            return false;
        }
        // A cancelled timer's waiter is resumed by this cancellation only (the firing side skips
        // it), so the node stays alive until the posted handler has unlinked it.
        try {
            if (current_executor() == this || running_in_this_thread()) {
                unlink(timer);
                post(timer.waiter);
            } else {
                asio::post(io_, [this, &timer] {
                    unlink(timer);
                    const executor_scope scope(this);
                    timer.waiter.resume();
                });
            }
        } catch (...) {
            std::terminate(); // out of memory for a handler: the waiter could never resume
        }
        return true;
    }

    void work_started() noexcept override { io_.get_executor().on_work_started(); }
    void work_finished() noexcept override { io_.get_executor().on_work_finished(); }

    // Own-thread observers, for tests and diagnostics.
    [[nodiscard]] std::size_t pending_timers() const noexcept { return timers_.size(); }

private:
    struct resume {
        asio_executor* self;
        std::coroutine_handle<> handle;
        void operator()() const {
            const executor_scope scope(self);
            handle.resume();
        }
    };

    // A wait that was replaced (expires_at cancels it) or outlived its executor completes with
    // operation_aborted and touches nothing; a wait that completed before it was replaced runs
    // with an old generation and only fires what is due.
    struct on_timer {
        asio_executor* self;
        std::uint64_t generation;
        void operator()(const std::error_code& error) const {
            if (error) {
                return;
            }
            if (generation == self->generation_) {
                self->armed_ = false;
            }
            self->fire_due();
        }
    };

    // A cancelled timer leaves the heap; with none left, the wait goes too, so that run() can
    // return (an earlier wait for a later top only wakes once for nothing).
    void unlink(timer_node& timer) noexcept {
        timers_.erase(timer);
        if (timers_.empty() && armed_) {
            armed_ = false;
            ++generation_;
            try {
                timer_.cancel();
            } catch (...) { // a timer on a live io_context does not fail to cancel
            }
        }
    }

    void rearm() {
        const clock::time_point deadline = timers_.top_deadline() + slack_;
        if (armed_ && armed_deadline_ <= deadline) {
            return; // the wake-up already armed serves this timer too
        }
        armed_ = true;
        armed_deadline_ = deadline;
        ++generation_;
        timer_.expires_at(deadline);
        timer_.async_wait(on_timer{this, generation_});
    }

    // Collects what is due before resuming anything: a resumed coroutine may arm (or cancel)
    // timers, and one that sleeps 0 in a loop must not starve the io_context.
    void fire_due() {
        const executor_scope scope(this);
        const clock::time_point current = now();
        due_.clear();
        while (!timers_.empty() && timers_.top_deadline() <= current) {
            timer_node* timer = timers_.pop();
            int expected = timer_node::pending;
            if (timer->state.compare_exchange_strong(expected, timer_node::fired,
                                                     std::memory_order_acq_rel)) {
                due_.push_back(timer->waiter);
            }
        }
        if (!timers_.empty()) {
            rearm();
        }
        // Resume from a batch of our own: a resumed coroutine may run the io_context (a nested
        // run), whose timer handler refills due_. The batch's buffer is kept for next time.
        std::vector<std::coroutine_handle<>> batch;
        batch.swap(due_);
        for (std::coroutine_handle<> waiter : batch) {
            waiter.resume();
        }
        batch.clear();
        if (due_.capacity() < batch.capacity()) {
            due_.swap(batch);
        }
    }

    asio::io_context& io_;
    asio::steady_timer timer_;
    detail::timer_heap timers_;
    std::vector<std::coroutine_handle<>> due_;
    clock::time_point armed_deadline_{}; // of the wake-up (a deadline plus the slack)
    clock::duration slack_;
    std::uint64_t generation_ = 0;
    bool armed_ = false;
};

// N io_contexts, each run by its own thread through an asio_executor: pass executors() to
// run_options::executors, and open sockets on context(i) for work that runs on executor(i).
// The threads run until stop() (or destruction), idle or not.
class asio_runner {
public:
    struct options {
        std::size_t threads = 1;                                              // 0: one per hardware thread
        bool pin_threads = false;                                             // pin thread i to CPU i (Linux)
        std::chrono::nanoseconds timer_slack = std::chrono::microseconds{50}; // see asio_executor
    };

    asio_runner() : asio_runner(options{}) {}
    explicit asio_runner(options opts);
    asio_runner(const asio_runner&) = delete;
    asio_runner& operator=(const asio_runner&) = delete;
    ~asio_runner() { stop(); }

    [[nodiscard]] std::size_t size() const noexcept { return shards_.size(); }
    [[nodiscard]] asio::io_context& context(std::size_t i) { return shards_.at(i)->io; }
    [[nodiscard]] asio_executor& executor(std::size_t i) { return shards_.at(i)->ex; }
    [[nodiscard]] std::vector<loadkit::executor*> executors();

    // Stops the io_contexts (handlers not yet run are abandoned) and joins the threads.
    void stop();

private:
    struct shard {
        explicit shard(std::chrono::nanoseconds slack) : ex(io, asio_executor::options{slack}) {}
        asio::io_context io{1};
        asio_executor ex;
        std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard{io.get_executor()};
        std::thread thread;
        // Threads are joined in stop(); the executor goes before its io_context.
        ~shard() {
            if (thread.joinable()) {
                io.stop();
                thread.join();
            }
        }
    };

    static void pin(std::thread& thread, std::size_t index);

    std::vector<std::unique_ptr<shard>> shards_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_ASIO_IMPLEMENTATION)
#include <loadkit/impl/asio.ipp>
#endif

#endif // LOADKIT_ASIO_EXECUTOR_HPP
