// SPDX-License-Identifier: MIT
// The run engine's shared state: one scenario_runtime per scenario, the watchdog's slots, and the
// counters the monitor thread reads. Written by event-loop threads, read by the monitor.
#ifndef LOADKIT_DETAIL_ENGINE_STATE_HPP
#define LOADKIT_DETAIL_ENGINE_STATE_HPP

#include <loadkit/blocking_pool.hpp>
#include <loadkit/detail/engine/profile_plan.hpp>
#include <loadkit/detail/runtime/ring_queue.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/operation.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/random.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/result.hpp>
#include <loadkit/scenario.hpp>
#include <loadkit/segment.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

inline std::int64_t ticks(clock::time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// One virtual user (open model: one in-flight slot). Its owner stores, the monitor loads; every
// access is relaxed: the watchdog needs recent values, not ordering.
struct vu_slot {
    std::atomic<std::int64_t> started{0};  // clock ticks of the running operation's start; 0: idle
    std::atomic<std::int64_t> intended{0}; // clock ticks of its intended start (open model; else = started)
    std::atomic<std::int64_t> last_end{0}; // clock ticks of the last completion
    std::atomic<std::uint64_t> iteration{0};
    std::atomic<std::uint32_t> op{0};
    std::int64_t reported = 0; // monitor only: the start of the operation last reported stuck

    void begin(std::size_t op_index, std::uint64_t number, clock::time_point at) noexcept {
        begin(op_index, number, at, at);
    }
    void begin(std::size_t op_index, std::uint64_t number, clock::time_point intended_at,
               clock::time_point at) noexcept {
        op.store(static_cast<std::uint32_t>(op_index), std::memory_order_relaxed);
        iteration.store(number, std::memory_order_relaxed);
        intended.store(ticks(intended_at), std::memory_order_relaxed);
        started.store(ticks(at), std::memory_order_relaxed);
    }
    void end(clock::time_point at) noexcept {
        started.store(0, std::memory_order_relaxed);
        last_end.store(ticks(at), std::memory_order_relaxed);
    }
};

// An arrival waiting for a free slot (a profile's max_queued).
struct queued_arrival {
    std::uint64_t number = 0;
    clock::time_point intended{};
};

// An open-model shard's free in-flight slots and the arrivals waiting for one; touched only on
// its own event loop. Arrivals wait only while every slot is busy, so a finishing operation that
// finds one waiting takes it over on its slot.
struct slot_pool {
    std::vector<std::uint32_t> free;
    std::uint64_t first = 0; // index of its first slot in scenario_runtime::slots
    ring_queue<queued_arrival> waiting;
    std::uint64_t max_waiting = 0; // this shard's share of max_queued
};

struct engine_shared;

struct scenario_runtime {
    const scenario* config = nullptr;
    std::size_t index = 0;
    profile_share share;            // this process's part of config->profile (its execution segment)
    std::vector<tag_id> tags;       // per operation
    std::vector<double> cumulative; // running sums of the weights
    latency_model model = latency_model::closed;
    clock::time_point start{};              // the run's start + start_offset
    std::optional<clock::time_point> end{}; // no iteration or arrival starts from then on
    std::stop_source stop;                  // cancels its operations (graceful stop expired)
    std::stop_token token = stop.get_token();
    std::atomic<bool> draining{false};         // no new iterations or arrivals
    std::atomic<std::uint64_t> shared_next{0}; // shared_iterations: next iteration to take
    std::atomic<std::uint64_t> active{0};      // its coroutines alive (users, arrivals, operations)
    std::unique_ptr<vu_slot[]> slots;
    std::size_t slot_count = 0;
    std::vector<slot_pool> pools;           // open model: one per event loop
    std::unique_ptr<op_context[]> contexts; // open model: one per slot
    std::atomic<std::uint64_t> drivers{0};  // its driver coroutines alive (waves, arrival loops)
    // monitor only:
    std::optional<clock::time_point> drain_since;
    std::optional<clock::time_point> cancelled_at;
    bool finished = false;
    std::size_t busy = 0;    // operations running at the last watchdog pass
    std::size_t overdue = 0; // of them, past their limit and cancel_grace (see engine::watchdog)
    bool given_up = false;   // only overdue operations were left: the run stopped waiting for them

    // The whole test's number of the user (open model: in-flight slot) in local slot `slot`.
    std::uint64_t vu_number(std::size_t slot) const noexcept {
        return share.vus.empty() ? share.first_vu + slot : share.vus[slot];
    }

    std::size_t pick(rng& random) const noexcept {
        if (cumulative.size() == 1) {
            return 0;
        }
        const double x = random.next_double() * cumulative.back();
        std::size_t i = 0;
        while (i + 1 < cumulative.size() && x >= cumulative[i]) {
            ++i;
        }
        return i;
    }
    bool stopping(clock::time_point now) const noexcept {
        return draining.load(std::memory_order_relaxed) || (end && now >= *end);
    }
};

// What the drivers need from the engine.
struct engine_shared {
    recorder* rec = nullptr;
    blocking_pool* pool = nullptr;
    std::vector<executor*> executors;
    std::uint64_t seed = 1;
    execution_segment segment{};          // this process's part of every scenario
    std::atomic<std::uint64_t> active{0}; // driver coroutines alive, all scenarios
    std::mutex mutex;
    std::condition_variable wake; // the monitor waits on it

    void started(scenario_runtime& s) noexcept {
        s.active.fetch_add(1, std::memory_order_relaxed);
        active.fetch_add(1, std::memory_order_relaxed);
    }
    void ended(scenario_runtime& s) noexcept {
        s.active.fetch_sub(1, std::memory_order_acq_rel);
        std::uint64_t n = active.load(std::memory_order_relaxed);
        while (n > 1) {
            if (active.compare_exchange_weak(n, n - 1, std::memory_order_acq_rel)) {
                return;
            }
        }
        const std::lock_guard<std::mutex> lock(
            mutex); // notify under the lock: the monitor may return at once
        if (active.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            wake.notify_all();
        }
    }
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_ENGINE_STATE_HPP
