// SPDX-License-Identifier: MIT
#ifndef LOADKIT_TASK_POOL_HPP
#define LOADKIT_TASK_POOL_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/detail/runtime/detached_task.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/semaphore.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/spawn_report.hpp>
#include <loadkit/task.hpp>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

// Fire-and-forget tasks with a concurrency limit. Never more than max_in_flight tasks run at once:
// `co_await pool.spawn(t)` waits for a free slot when the pool is full. Exceptions of spawned tasks
// are caught, counted and kept (see spawn_report), never lost and never std::terminate.
// `co_await pool.join()` waits until every spawned task has ended and returns the report.
// request_stop() cancels the spawned tasks through their stop token. Spawning and finishing take
// no lock unless someone is waiting. A pool must be joined before it is destroyed.
class task_pool {
public:
    struct options {
        std::size_t max_in_flight = 64;
        executor* target = nullptr; // where spawned tasks run; nullptr: the spawning task's executor
        std::size_t kept_errors = 16;
    };

    task_pool() : task_pool(options{}) {}
    explicit task_pool(options opts)
        : options_(validated(opts)), slots_(static_cast<std::ptrdiff_t>(opts.max_in_flight)),
          tally_(opts.kept_errors) {}
    task_pool(const task_pool&) = delete;
    task_pool& operator=(const task_pool&) = delete;
    ~task_pool() {
        if (active_.load(std::memory_order_acquire) != 0) {
            // Running tasks still point at this pool; continuing would be a use-after-free.
            std::fputs("loadkit::task_pool destroyed while tasks are in flight: co_await pool.join() first\n",
                       stderr);
            std::abort();
        }
    }

    template <class T> class spawn_awaiter {
    public:
        spawn_awaiter(task_pool& pool, task<T> work) noexcept
            : pool_(&pool), work_(std::move(work)), slot_(pool.slots_) {}

        bool await_ready() noexcept { return slot_.await_ready(); }
        template <class Promise> bool await_suspend(std::coroutine_handle<Promise> handle) {
            return slot_.await_suspend(handle);
        }
        void await_resume() {
            slot_.await_resume(); // throws operation_cancelled if the spawner was cancelled meanwhile
            pool_->launch(std::move(work_));
        }

    private:
        task_pool* pool_;
        task<T> work_;
        async_semaphore::acquire_awaiter slot_;
    };

    template <class T> [[nodiscard]] spawn_awaiter<T> spawn(task<T> work) noexcept {
        return spawn_awaiter<T>{*this, std::move(work)};
    }

    // Spawns only if a slot is free right now; otherwise returns false and drops the task.
    template <class T> bool try_spawn(task<T> work) {
        if (!slots_.try_acquire()) {
            return false;
        }
        launch(std::move(work));
        return true;
    }

    class join_awaiter {
    public:
        explicit join_awaiter(task_pool& pool) noexcept : pool_(&pool) {}
        bool await_ready() const noexcept { return false; }
        bool await_suspend(std::coroutine_handle<> handle) {
            handle_ = handle;
            home_ = &detail::require_executor("task_pool::join");
            std::lock_guard lock(pool_->mutex_);
            if (pool_->active_.load(std::memory_order_acquire) == 0) {
                return false;
            }
            next_ = pool_->joiners_;
            pool_->joiners_ = this;
            return true;
        }
        spawn_report await_resume() const { return pool_->report(); }

    private:
        friend class task_pool;
        task_pool* pool_;
        std::coroutine_handle<> handle_{};
        executor* home_ = nullptr;
        join_awaiter* next_ = nullptr;
    };

    [[nodiscard]] join_awaiter join() noexcept { return join_awaiter{*this}; }

    void request_stop() noexcept { stop_source_.request_stop(); }
    std::stop_token get_stop_token() const noexcept { return stop_token_; }

    std::size_t in_flight() const noexcept { return running_.load(std::memory_order_relaxed); }
    std::size_t max_in_flight() const noexcept { return options_.max_in_flight; }
    spawn_report report() const { return tally_.report(); }

private:
    static options validated(const options& opts) {
        if (opts.max_in_flight == 0) {
            throw std::invalid_argument(
                "loadkit::task_pool: options.max_in_flight must be at least 1 (got 0)");
        }
        return opts;
    }

    template <class T> void launch(task<T> work) {
        executor& where =
            options_.target != nullptr ? *options_.target : detail::require_executor("task_pool::spawn");
        detail::detached_task runner = detail::run_detached(
            std::move(work),
            [this](const std::exception_ptr& error, bool cancelled) noexcept { finish(error, cancelled); });
        runner.handle.promise().stop_token_ = &stop_token_;
        active_.fetch_add(1, std::memory_order_relaxed);
        tally_.started(running_.fetch_add(1, std::memory_order_relaxed) + 1);
        where.post(runner.handle);
    }

    void finish(const std::exception_ptr& error, bool cancelled) noexcept {
        tally_.ended(error, cancelled);
        running_.fetch_sub(1, std::memory_order_relaxed);
        slots_.release();
        // Only the step to zero takes the lock: a joiner that sees zero under the lock knows that no
        // finishing task will touch the pool again, so it may destroy it.
        std::size_t active = active_.load(std::memory_order_relaxed);
        while (active > 1) {
            if (active_.compare_exchange_weak(active, active - 1, std::memory_order_acq_rel)) {
                return;
            }
        }
        join_awaiter* waiting = nullptr;
        {
            std::lock_guard lock(mutex_);
            if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                waiting = std::exchange(joiners_, nullptr);
            }
        }
        while (waiting != nullptr) {
            join_awaiter* next = waiting->next_; // read first: the joiner may be gone once posted
            waiting->home_->post(waiting->handle_);
            waiting = next;
        }
    }

    options options_;
    async_semaphore slots_;
    detail::spawn_tally tally_;
    std::stop_source stop_source_;
    std::stop_token stop_token_ = stop_source_.get_token();
    std::atomic<std::size_t> running_{0}; // holding a slot: what max_in_flight bounds
    std::atomic<std::size_t> active_{0};  // not yet finished with the pool: what join waits for
    std::mutex mutex_;
    join_awaiter* joiners_ = nullptr;
};

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_TASK_POOL_HPP
