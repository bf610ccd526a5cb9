// SPDX-License-Identifier: MIT
// The body of runner.hpp: starting and stopping the loop threads (timer slack, CPU pinning) and
// the blocking joins; spawning stays inline in the header.
#ifndef LOADKIT_IMPL_RUNNER_IPP
#define LOADKIT_IMPL_RUNNER_IPP

#include <loadkit/event_loop.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/spawn_report.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#endif

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL runner::runner() : runner(options{}) {}

LOADKIT_DECL runner::runner(options opts) : tally_(opts.kept_errors) {
    std::size_t count = opts.threads;
    if (count == 0) {
        count = std::thread::hardware_concurrency();
        count = count == 0 ? 1 : count;
    }
    if (count > 1024) {
        throw std::invalid_argument("loadkit::runner: options.threads must be at most 1024 (got " +
                                    std::to_string(count) + ")");
    }
    if (opts.timer_slack < std::chrono::nanoseconds::zero() || opts.timer_slack > std::chrono::seconds{1}) {
        throw std::invalid_argument("loadkit::runner: options.timer_slack = " +
                                    std::to_string(opts.timer_slack.count()) + "ns (expected 0 .. 1s)");
    }
    shards_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        shards_.push_back(std::make_unique<shard>());
    }
    for (std::size_t i = 0; i < count; ++i) {
        shard* s = shards_[i].get();
        s->thread = std::thread([s, slack = opts.timer_slack] {
            set_timer_slack(slack);
            s->loop.run_until_stopped();
        });
        if (opts.pin_threads) {
            pin(s->thread, i);
        }
    }
}

LOADKIT_DECL runner::~runner() {
    request_stop();
    wait_idle();
    for (auto& s : shards_) {
        s->loop.stop();
    }
    for (auto& s : shards_) {
        s->thread.join();
    }
}

LOADKIT_DECL event_loop& runner::loop(std::size_t index) {
    if (index >= shards_.size()) {
        throw std::out_of_range("loadkit::runner::loop: index " + std::to_string(index) + " >= size " +
                                std::to_string(shards_.size()));
    }
    return shards_[index]->loop;
}

LOADKIT_DECL spawn_report runner::join() {
    for (auto& s : shards_) {
        if (current_executor() == &s->loop) {
            throw std::logic_error("loadkit::runner::join: called from one of the runner's own threads; "
                                   "it would wait for itself");
        }
    }
    wait_idle();
    return tally_.report();
}

LOADKIT_DECL spawn_report runner::report() const { return tally_.report(); }

LOADKIT_DECL void runner::set_timer_slack([[maybe_unused]] std::chrono::nanoseconds slack) noexcept {
#if defined(__linux__)
    if (slack.count() > 0) {
        (void)prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(slack.count()), 0UL, 0UL, 0UL);
    }
#endif
}

LOADKIT_DECL void runner::pin([[maybe_unused]] std::thread& thread, [[maybe_unused]] std::size_t index) {
#if defined(__linux__)
    const unsigned cpus = std::thread::hardware_concurrency();
    if (cpus == 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(index % cpus, &set);
    (void)pthread_setaffinity_np(thread.native_handle(), sizeof(set), &set);
#endif
}

LOADKIT_DECL void runner::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return active_.load(std::memory_order_acquire) == 0; });
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_RUNNER_IPP
