// SPDX-License-Identifier: MIT
// The Asio executor's cold half (declared in asio/executor.hpp): option checks, and the runner's
// io_contexts and threads, set up and torn down once per run.
#ifndef LOADKIT_IMPL_ASIO_IPP
#define LOADKIT_IMPL_ASIO_IPP

#include <loadkit/executor.hpp>

#include <asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL asio_executor::asio_executor(asio::io_context& io, options opts)
    : io_(io), timer_(io), slack_(std::chrono::duration_cast<clock::duration>(opts.timer_slack)) {
    if (opts.timer_slack < std::chrono::nanoseconds::zero() || opts.timer_slack > std::chrono::seconds{1}) {
        throw std::invalid_argument("loadkit::asio_executor::options: timer_slack = " +
                                    std::to_string(opts.timer_slack.count()) + "ns (expected 0 .. 1s)");
    }
}

LOADKIT_DECL asio_runner::asio_runner(options opts) {
    std::size_t count = opts.threads;
    if (count == 0) {
        count = std::thread::hardware_concurrency();
        count = count == 0 ? 1 : count;
    }
    if (count > 1024) {
        throw std::invalid_argument("loadkit::asio_runner::options: threads = " + std::to_string(count) +
                                    " (expected 0 .. 1024)");
    }
    shards_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        shards_.push_back(std::make_unique<shard>(opts.timer_slack));
    }
    for (std::size_t i = 0; i < count; ++i) {
        shard* s = shards_[i].get();
        s->thread = std::thread([s] { s->ex.run(); });
        if (opts.pin_threads) {
            pin(s->thread, i);
        }
    }
}

LOADKIT_DECL std::vector<loadkit::executor*> asio_runner::executors() {
    std::vector<loadkit::executor*> all;
    all.reserve(shards_.size());
    for (auto& s : shards_) {
        all.push_back(&s->ex);
    }
    return all;
}

LOADKIT_DECL void asio_runner::stop() {
    for (auto& s : shards_) {
        s->guard.reset();
        s->io.stop();
    }
    for (auto& s : shards_) {
        if (s->thread.joinable()) {
            s->thread.join();
        }
    }
}

LOADKIT_DECL void asio_runner::pin([[maybe_unused]] std::thread& thread, [[maybe_unused]] std::size_t index) {
#if defined(__linux__)
    const unsigned cpus = std::thread::hardware_concurrency();
    if (cpus == 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(index % cpus, &set);
    pthread_setaffinity_np(thread.native_handle(), sizeof(set), &set);
#endif
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_ASIO_IPP
