// SPDX-License-Identifier: MIT
#ifndef LOADKIT_BLOCKING_POOL_HPP
#define LOADKIT_BLOCKING_POOL_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/config.hpp>
#include <loadkit/detail/runtime/awaitable_traits.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/sleep.hpp>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <stop_token>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// One blocking call in flight. Shared by the awaiting coroutine and the worker thread (two
// references); `state_` decides who resumes the coroutine: the worker when the call returns, or
// the stop token when the caller gives up first — then the call runs on, its result discarded.
class blocking_job {
public:
    enum : int { pending, done, abandoned };

    blocking_job() = default;
    blocking_job(const blocking_job&) = delete;
    blocking_job& operator=(const blocking_job&) = delete;
    virtual ~blocking_job() = default;

    // On the worker: the call (unless the caller already gave up), then complete().
    void call_on_worker() noexcept {
        if (state_.load(std::memory_order_acquire) == pending) {
            execute();
        }
    }
    // On the worker, after the call: wakes the caller (or drops the result it no longer wants).
    void complete() noexcept {
        int expected = pending;
        if (state_.compare_exchange_strong(expected, done, std::memory_order_acq_rel)) {
            // Drop our reference before waking the caller, so the job — and an exception it may
            // hold, shared with the caller's catch block — is always freed on the caller's thread.
            executor* home = home_;
            const std::coroutine_handle<> waiter = waiter_;
            release();
            home->post(waiter);
            return;
        }
        release(); // abandoned: the caller never looks at the outcome
    }

    void abandon() noexcept {
        int expected = pending;
        if (state_.compare_exchange_strong(expected, abandoned, std::memory_order_acq_rel)) {
            home_->post(waiter_);
        }
    }

    bool abandoned_by_caller() const noexcept { return state_.load(std::memory_order_acquire) == abandoned; }

    void release() noexcept {
        if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            delete this;
        }
    }

    blocking_job* next_ = nullptr; // the pool's queue link
    std::coroutine_handle<> waiter_{};
    executor* home_ = nullptr;

private:
    virtual void execute() noexcept = 0;
    std::atomic<int> state_{pending};
    std::atomic<int> references_{2};
};

template <class F, class R> class blocking_call final : public blocking_job {
public:
    explicit blocking_call(F&& fn) : fn_(std::move(fn)) {}

    R take() {
        if (outcome_.index() == 2) {
            std::rethrow_exception(std::get<2>(outcome_));
        }
        if constexpr (std::is_reference_v<R>) {
            return static_cast<R>(*std::get<1>(outcome_));
        } else if constexpr (!std::is_void_v<R>) {
            return R(std::move(std::get<1>(outcome_)));
        }
    }

private:
    void execute() noexcept override {
        try {
            if constexpr (std::is_void_v<R>) {
                fn_();
                outcome_.template emplace<1>();
            } else if constexpr (std::is_reference_v<R>) {
                outcome_.template emplace<1>(std::addressof(fn_()));
            } else {
                outcome_.template emplace<1>(fn_());
            }
        } catch (...) {
            outcome_.template emplace<2>(std::current_exception());
        }
    }

    F fn_;
    std::variant<std::monostate, stored_t<R>, std::exception_ptr> outcome_;
};

template <class F, class... Args> struct bound_call {
    F fn;
    std::tuple<Args...> args;
    decltype(auto) operator()() { return std::apply(fn, args); }
};

struct abandon_on_stop {
    blocking_job* job;
    void operator()() const noexcept { job->abandon(); }
};

} // namespace detail

// Worker threads for plain blocking calls — a synchronous database driver, an SDK, file I/O — so
// a coroutine can `co_await pool.run([&] { return client.query(q); })` without blocking its event
// loop. The value (or exception) of the call comes back on the awaiting task's executor. When the
// awaiting task is cancelled (with_timeout, request_stop) it resumes at once with
// operation_cancelled; the call itself cannot be interrupted, so it finishes on its worker and its
// result is dropped.
class blocking_pool {
public:
    struct options {
        std::size_t threads = 4; // the most worker threads
        // Threads started at once; 0: all of `threads`. Fewer start the pool small: a call that
        // finds no idle worker starts another, up to `threads`, so the pool grows to what the
        // calls need (20 calls/s of 10 ms need one thread, not one per call that might overlap).
        std::size_t start_threads = 0;
    };

    blocking_pool();
    // Throws std::invalid_argument unless options.threads is in 1..4096 and start_threads <= threads.
    explicit blocking_pool(options opts);
    blocking_pool(const blocking_pool&) = delete;
    blocking_pool& operator=(const blocking_pool&) = delete;

    // Finishes every queued call, then joins the workers.
    ~blocking_pool();

    template <class F> class run_awaiter {
    public:
        using result_type = std::invoke_result_t<F&>;

        run_awaiter(blocking_pool& pool, F fn) : pool_(&pool), fn_(std::move(fn)) {}
        run_awaiter(const run_awaiter&) = delete;
        run_awaiter& operator=(const run_awaiter&) = delete;
        ~run_awaiter() {
            if (job_ != nullptr) {
                job_->release();
            }
        }

        bool await_ready() const noexcept { return false; }

        template <class Promise> bool await_suspend(std::coroutine_handle<Promise> handle) {
            const std::stop_token& token = detail::stop_token_of(handle);
            if (token.stop_requested()) {
                return false; // await_resume reports the cancellation; the call never starts
            }
            executor& home = detail::require_executor("blocking_pool::run");
            job_ = new detail::blocking_call<F, result_type>(std::move(*fn_));
            job_->waiter_ = handle;
            job_->home_ = &home;
            home.work_started();
            pool_->enqueue(*job_);
            if (token.stop_possible()) {
                on_stop_.emplace(token, detail::abandon_on_stop{job_});
            }
            return true;
        }

        result_type await_resume() {
            on_stop_.reset();
            if (job_ == nullptr) {
                throw operation_cancelled{};
            }
            job_->home_->work_finished();
            if (job_->abandoned_by_caller()) {
                throw operation_cancelled{};
            }
            return job_->take();
        }

    private:
        blocking_pool* pool_;
        std::optional<F> fn_;
        detail::blocking_call<F, result_type>* job_ = nullptr;
        std::optional<std::stop_callback<detail::abandon_on_stop>> on_stop_;
    };

    template <class F> [[nodiscard]] run_awaiter<std::decay_t<F>> run(F&& fn) {
        return run_awaiter<std::decay_t<F>>{*this, std::forward<F>(fn)};
    }

    // `co_await pool.run(f, a, b)` calls f(a, b) on a worker with decayed copies of the arguments
    // (std::ref to pass a reference). It also sidesteps a GCC 12 bug that destroys a lambda with
    // non-trivial captures twice when that lambda is a temporary inside a co_await expression.
    template <class F, class... Args>
    requires(sizeof...(Args) > 0) [[nodiscard]] auto run(F&& fn, Args&&... args) {
        return run(detail::bound_call<std::decay_t<F>, std::decay_t<Args>...>{
            std::forward<F>(fn), std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)});
    }

    // Worker threads started so far.
    std::size_t threads() const noexcept { return started_.load(std::memory_order_relaxed); }
    std::size_t busy() const noexcept { return busy_.load(std::memory_order_relaxed); }
    std::size_t queued() const;

private:
    // The queue, its lock and the worker threads (impl/blocking_pool.ipp): opaque, so the header
    // needs neither <thread> nor <condition_variable>. A call already costs a lock and a thread
    // hand-off; reaching the queue through one pointer adds nothing measurable.
    struct state;

    void enqueue(detail::blocking_job& job);
    void start_worker();
    void work();

    std::unique_ptr<state> state_;
    std::atomic<std::size_t> busy_{0};
    std::atomic<std::size_t> started_{0};
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/blocking_pool.ipp>
#endif

#endif // LOADKIT_BLOCKING_POOL_HPP
