// SPDX-License-Identifier: MIT
// The body of blocking_pool.hpp: the worker threads, their queue and its lock.
#ifndef LOADKIT_IMPL_BLOCKING_POOL_IPP
#define LOADKIT_IMPL_BLOCKING_POOL_IPP

#include <loadkit/config.hpp>

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

struct blocking_pool::state {
    mutable std::mutex mutex;
    std::condition_variable wakeup;
    detail::blocking_job* head = nullptr;
    detail::blocking_job* tail = nullptr;
    std::size_t queued = 0;
    std::size_t idle = 0; // workers waiting for a call
    std::size_t max_threads = 0;
    bool stopping = false;
    std::vector<std::thread> workers;
};

LOADKIT_DECL blocking_pool::blocking_pool() : blocking_pool(options{}) {}

LOADKIT_DECL blocking_pool::blocking_pool(options opts) {
    if (opts.threads == 0 || opts.threads > 4096) {
        throw std::invalid_argument("loadkit::blocking_pool: options.threads must be in 1..4096 (got " +
                                    std::to_string(opts.threads) + ")");
    }
    if (opts.start_threads > opts.threads) {
        throw std::invalid_argument(
            "loadkit::blocking_pool: options.start_threads = " + std::to_string(opts.start_threads) +
            " (expected 0 .. threads = " + std::to_string(opts.threads) + ")");
    }
    state_ = std::make_unique<state>();
    state_->max_threads = opts.threads;
    const std::size_t start = opts.start_threads == 0 ? opts.threads : opts.start_threads;
    const std::lock_guard lock(state_->mutex);
    state_->workers.reserve(start);
    for (std::size_t i = 0; i < start; ++i) {
        start_worker();
    }
}

// Under the lock.
LOADKIT_DECL void blocking_pool::start_worker() {
    ++state_->idle; // idle from now: a call made before the thread runs must not start another
    state_->workers.emplace_back([this] { work(); });
    started_.fetch_add(1, std::memory_order_relaxed);
}

LOADKIT_DECL blocking_pool::~blocking_pool() {
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->wakeup.notify_all();
    for (auto& worker : state_->workers) {
        worker.join();
    }
}

LOADKIT_DECL std::size_t blocking_pool::queued() const {
    std::lock_guard lock(state_->mutex);
    return state_->queued;
}

LOADKIT_DECL void blocking_pool::enqueue(detail::blocking_job& job) {
    state& s = *state_;
    {
        std::lock_guard lock(s.mutex);
        (s.tail != nullptr ? s.tail->next_ : s.head) = &job;
        s.tail = &job;
        ++s.queued;
        if (s.queued > s.idle && s.workers.size() < s.max_threads) {
            start_worker(); // no idle worker for this call: grow
        }
    }
    s.wakeup.notify_one();
}

LOADKIT_DECL void blocking_pool::work() {
    state& s = *state_;
    std::unique_lock lock(s.mutex); // counted idle since start_worker()
    for (;;) {
        s.wakeup.wait(lock, [&s] { return s.head != nullptr || s.stopping; });
        if (s.head == nullptr) {
            --s.idle;
            return; // stopping and nothing left
        }
        detail::blocking_job* job = s.head;
        s.head = job->next_;
        if (s.head == nullptr) {
            s.tail = nullptr;
        }
        --s.queued;
        --s.idle;
        lock.unlock();
        busy_.fetch_add(1, std::memory_order_relaxed);
        job->call_on_worker();
        busy_.fetch_sub(1, std::memory_order_relaxed);
        // Idle again before the caller wakes: the next call it makes finds this worker free
        // rather than starting another (one call at a time needs one thread).
        lock.lock();
        ++s.idle;
        lock.unlock();
        job->complete();
        lock.lock();
    }
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_BLOCKING_POOL_IPP
