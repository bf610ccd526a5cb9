// SPDX-License-Identifier: MIT
#ifndef LOADKIT_SEMAPHORE_HPP
#define LOADKIT_SEMAPHORE_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/sleep.hpp>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

class async_semaphore;

namespace detail {
struct semaphore_waiter {
    enum : int { queued, granted, cancelled };
    semaphore_waiter* prev = nullptr;
    semaphore_waiter* next = nullptr;
    std::coroutine_handle<> handle{};
    executor* home = nullptr;
    int state = queued; // guarded by the semaphore's mutex until the waiter resumes
};
struct withdraw_on_stop {
    async_semaphore* semaphore;
    semaphore_waiter* waiter;
    void operator()() const noexcept;
};
} // namespace detail

// A counting semaphore for coroutines: `co_await sem.acquire()` suspends (never blocks the thread)
// until a permit is free. The fast paths — a free permit, a release nobody waits for — are one
// atomic operation each; only actual waiting takes the mutex. Waits are cancellable through the
// task's stop token. Not FIFO-fair: a task arriving while permits are free takes one directly.
class async_semaphore {
public:
    explicit async_semaphore(std::ptrdiff_t permits) : count_(permits) {
        if (permits < 0) {
            throw std::invalid_argument("loadkit::async_semaphore: permits must be >= 0 (got " +
                                        std::to_string(permits) + ")");
        }
    }
    async_semaphore(const async_semaphore&) = delete;
    async_semaphore& operator=(const async_semaphore&) = delete;

    bool try_acquire() noexcept {
        std::ptrdiff_t current = count_.load(std::memory_order_relaxed);
        while (current > 0) {
            if (count_.compare_exchange_weak(current, current - 1, std::memory_order_seq_cst)) {
                return true;
            }
        }
        return false;
    }

    class acquire_awaiter {
    public:
        explicit acquire_awaiter(async_semaphore& semaphore) noexcept : semaphore_(&semaphore) {}
        acquire_awaiter(const acquire_awaiter&) = delete;
        acquire_awaiter& operator=(const acquire_awaiter&) = delete;

        bool await_ready() noexcept { return semaphore_->try_acquire(); }

        template <class Promise> bool await_suspend(std::coroutine_handle<Promise> handle) {
            const std::stop_token& token = detail::stop_token_of(handle);
            if (token.stop_requested()) {
                waiter_.state = detail::semaphore_waiter::cancelled;
                return false;
            }
            waiter_.handle = handle;
            waiter_.home = &detail::require_executor("async_semaphore::acquire");
            if (!semaphore_->enqueue_or_acquire(waiter_)) {
                waiter_.state = detail::semaphore_waiter::granted;
                return false;
            }
            if (token.stop_possible()) {
                on_stop_.emplace(token, detail::withdraw_on_stop{semaphore_, &waiter_});
            }
            return true;
        }

        void await_resume() {
            on_stop_.reset();
            if (waiter_.state == detail::semaphore_waiter::cancelled) {
                throw operation_cancelled{};
            }
        }

    private:
        async_semaphore* semaphore_;
        detail::semaphore_waiter waiter_;
        std::optional<std::stop_callback<detail::withdraw_on_stop>> on_stop_;
    };

    [[nodiscard]] acquire_awaiter acquire() noexcept { return acquire_awaiter{*this}; }

    void release(std::ptrdiff_t permits = 1) {
        count_.fetch_add(permits, std::memory_order_seq_cst);
        // Pairs with the waiter's seq_cst increment of waiting_ followed by its re-check of count_:
        // either the waiter sees our permit or we see the waiter.
        if (waiting_.load(std::memory_order_seq_cst) == 0) {
            return;
        }
        for (;;) {
            std::coroutine_handle<> handle;
            executor* home = nullptr;
            {
                std::lock_guard lock(mutex_);
                if (head_ == nullptr || !try_acquire()) {
                    return;
                }
                detail::semaphore_waiter* waiter = head_;
                unlink(*waiter);
                waiter->state = detail::semaphore_waiter::granted;
                handle = waiter->handle;
                home = waiter->home;
            }
            home->post(handle);
        }
    }

    std::ptrdiff_t available() const noexcept {
        const std::ptrdiff_t current = count_.load(std::memory_order_relaxed);
        return current > 0 ? current : 0;
    }
    std::size_t waiting() const noexcept { return waiting_.load(std::memory_order_relaxed); }

private:
    friend struct detail::withdraw_on_stop;

    // false: a permit was taken after all; true: the waiter is queued.
    bool enqueue_or_acquire(detail::semaphore_waiter& waiter) {
        std::lock_guard lock(mutex_);
        waiting_.fetch_add(1, std::memory_order_seq_cst);
        if (try_acquire()) {
            waiting_.fetch_sub(1, std::memory_order_relaxed);
            return false;
        }
        waiter.prev = tail_;
        waiter.next = nullptr;
        (tail_ != nullptr ? tail_->next : head_) = &waiter;
        tail_ = &waiter;
        return true;
    }

    void unlink(detail::semaphore_waiter& waiter) noexcept {
        (waiter.prev != nullptr ? waiter.prev->next : head_) = waiter.next;
        (waiter.next != nullptr ? waiter.next->prev : tail_) = waiter.prev;
        waiter.prev = waiter.next = nullptr;
        waiting_.fetch_sub(1, std::memory_order_relaxed);
    }

    void withdraw(detail::semaphore_waiter& waiter) noexcept {
        std::coroutine_handle<> handle;
        executor* home = nullptr;
        {
            std::lock_guard lock(mutex_);
            if (waiter.state != detail::semaphore_waiter::queued) {
                return; // already granted: the grant's post resumes it
            }
            unlink(waiter);
            waiter.state = detail::semaphore_waiter::cancelled;
            handle = waiter.handle;
            home = waiter.home;
        }
        home->post(handle);
    }

    std::atomic<std::ptrdiff_t> count_;
    std::atomic<std::size_t> waiting_{0};
    std::mutex mutex_;
    detail::semaphore_waiter* head_ = nullptr;
    detail::semaphore_waiter* tail_ = nullptr;
};

inline void detail::withdraw_on_stop::operator()() const noexcept { semaphore->withdraw(*waiter); }

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_SEMAPHORE_HPP
