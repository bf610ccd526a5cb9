// SPDX-License-Identifier: MIT
// The run engine's coroutines: closed-model virtual users, waves, and the open-model arrival loop
// with its operations. Each is a detached coroutine on one event loop; each ends with
// engine_shared::ended(), which is how the monitor learns that a scenario has finished.
#ifndef LOADKIT_DETAIL_ENGINE_DRIVERS_HPP
#define LOADKIT_DETAIL_ENGINE_DRIVERS_HPP

#include <loadkit/cancellation.hpp>
#include <loadkit/detail/engine/profile_plan.hpp>
#include <loadkit/detail/engine/state.hpp>
#include <loadkit/detail/runtime/detached_task.hpp>
#include <loadkit/detail/runtime/saturating_time.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/operation.hpp>
#include <loadkit/pacer.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/task.hpp>
#include <loadkit/timeout.hpp>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// How an operation ended. An error's text lives in the context's buffers (reused: no allocation
// once warm).
struct op_ending {
    outcome_kind kind = outcome_kind::ok;

    void reset() noexcept { kind = outcome_kind::ok; }
    // From inside a catch block: files the exception in flight.
    void capture(op_context& ctx) {
        std::string& category = op_context_access::category_buffer(ctx);
        std::string& message = op_context_access::message_buffer(ctx);
        try {
            throw;
        } catch (const operation_cancelled&) {
            kind = outcome_kind::timeout; // a timeout, or the run cancelled it (graceful stop expired)
        } catch (const op_error& e) {
            kind = outcome_kind::error;
            category.assign(e.category());
            message.assign(e.what());
        } catch (const std::exception& e) {
            kind = outcome_kind::error;
            category = exception_category(e);
            message.assign(e.what());
        } catch (...) {
            kind = outcome_kind::error;
            category.assign("unknown exception");
            message.clear();
        }
    }
    // After a normal return: ctx.fail() (its text is already in the buffers), or a call that could
    // not be interrupted (blocking or nonblocking) and overran the timeout.
    void settle(const op_context& ctx, const operation& op, std::chrono::nanoseconds timeout,
                clock::duration took) {
        if (kind != outcome_kind::ok) {
            return;
        }
        const bool judged_at_return = op.blocking() || static_cast<bool>(op.direct());
        if (ctx.failed()) {
            kind = outcome_kind::error;
        } else if (judged_at_return && timeout.count() > 0 && took > timeout) {
            kind = outcome_kind::timeout;
        }
    }
    [[nodiscard]] outcome what(const op_context& ctx) const noexcept {
        switch (kind) {
        case outcome_kind::ok:
            return outcome::ok();
        case outcome_kind::timeout:
            return outcome::timeout();
        case outcome_kind::dropped:
            return outcome::dropped();
        case outcome_kind::error:
            break;
        }
        return outcome::error(op_context_access::fail_category(ctx), op_context_access::fail_message(ctx));
    }
};

// Runs a coroutine operation's body under the scenario's timeout (a blocking call is judged when
// it returns).
inline task<void> guarded_call(const operation& op, op_context& ctx, std::chrono::nanoseconds timeout,
                               op_ending& ending) {
    task<timeout_result<void>> limited = with_timeout(op.body()(ctx), timeout);
    const timeout_result<void> r = co_await std::move(limited);
    if (r.timed_out()) {
        ending.kind = outcome_kind::timeout;
    }
}

// Every time a driver reads comes from the executor it runs on (executor::now()), never from
// clock::now(): on a manual_clock_executor the whole run is then in virtual time.

// Starts a detached coroutine on event loop `loop`, counted until it ends.
inline void launch(engine_shared& e, scenario_runtime& s, std::size_t loop, detached_task t) {
    t.handle.promise().stop_token_ = &s.token;
    e.started(s);
    e.executors[loop]->post(t.handle);
}

// Counts down arrivals and resumes one waiter (on its own executor) when the count reaches zero.
class countdown {
public:
    explicit countdown(std::uint64_t n) noexcept : remaining_(n + 1) {}

    void arrive() noexcept {
        if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            home_->post(waiter_);
        }
    }
    auto wait() noexcept {
        struct awaiter {
            countdown* self;
            bool await_ready() const noexcept { return false; }
            bool await_suspend(std::coroutine_handle<> h) noexcept {
                self->waiter_ = h;
                self->home_ = current_executor();
                return self->remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1;
            }
            void await_resume() const noexcept {}
        };
        return awaiter{this};
    }

private:
    std::atomic<std::uint64_t> remaining_;
    std::coroutine_handle<> waiter_{};
    executor* home_ = nullptr;
};

// Sleeps until `at`; false when cancelled. A separate frame, alive only while sleeping: the
// sleep's timer and stop callback would otherwise take room in every virtual user's frame, once
// per place it sleeps.
inline task<bool> nap_until(clock::time_point at) {
    try {
        co_await sleep_until(at);
    } catch (const operation_cancelled&) {
        co_return false;
    }
    co_return true;
}

struct user_plan {
    enum class kind : std::uint8_t { count, shared, ramping };
    kind type = kind::count;
    std::uint64_t iterations = 0;   // count: per user, 0 = until the end; shared: in total
    std::uint64_t first_number = 0; // the first iteration's number (waves: the wave)
    const ramping_vus* ramp = nullptr;
    countdown* done = nullptr; // waves: told when the user ends
};

// A closed-model virtual user: iterations back to back (plus think time) until its plan or the
// scenario ends. In a closed loop one iteration's end is the next one's start: one clock read per
// operation.
//
// `local` is its slot in this process; its number (ctx.vu(), its random stream and so its think
// times) is the whole test's, so a run split over processes draws what one process would.
inline detached_task closed_user(engine_shared& e, scenario_runtime& s, std::size_t local, user_plan plan,
                                 const executor& home) {
    const scenario& cfg = *s.config;
    const std::uint64_t vu = s.vu_number(local);
    op_context ctx;
    op_context_access::bind(ctx, cfg.name, vu, rng(e.seed, rng::mix(s.index + 1, vu)), s.token, *e.rec,
                            e.pool);
    vu_slot& slot = s.slots[local];
    op_ending ending;
    clock::time_point t0 = home.now();
    std::uint64_t done = 0;
    if (t0 < s.start) {
        if (!co_await nap_until(s.start)) {
            plan.iterations = done = 1; // end at once: nothing to run
            plan.type = user_plan::kind::count;
        }
        t0 = home.now();
    }
    for (;;) {
        if (s.stopping(t0)) {
            break;
        }
        std::uint64_t number = plan.first_number + done;
        if (plan.type == user_plan::kind::count && plan.iterations != 0 && done >= plan.iterations) {
            break;
        }
        if (plan.type == user_plan::kind::shared) {
            const std::uint64_t taken = s.shared_next.fetch_add(1, std::memory_order_relaxed);
            if (taken >= plan.iterations) {
                break;
            }
            number = plan.first_number + taken; // the whole test's iteration number
        }
        if (plan.type == user_plan::kind::ramping) {
            const auto offset = std::chrono::duration_cast<std::chrono::nanoseconds>(t0 - s.start);
            if (vu_target(*plan.ramp, offset) < static_cast<double>(vu) + 1.0) {
                const auto next = vu_active_from(*plan.ramp, vu, offset);
                if (!next || (s.end && s.start + *next >= *s.end)) {
                    break;
                }
                if (!co_await nap_until(s.start + *next)) {
                    break;
                }
                t0 = home.now();
                continue;
            }
        }
        const std::size_t k = s.pick(ctx.random());
        const operation& op = cfg.operations[k];
        e.rec->local().record_scheduled(s.tags[k]); // before the outcome: the two are checked apart
        op_context_access::begin(ctx, number, t0, t0);
        slot.begin(k, number, t0);
        ending.reset();
        try {
            if (op.direct()) {
                op.direct()(ctx);
            } else if (cfg.timeout.count() > 0 && !op.blocking()) {
                co_await guarded_call(op, ctx, cfg.timeout, ending);
            } else {
                co_await op.body()(ctx);
            }
        } catch (...) {
            ending.capture(ctx);
        }
        const clock::time_point t1 = home.now();
        ending.settle(ctx, op, cfg.timeout, t1 - t0);
        e.rec->local().record(s.tags[k], ending.what(ctx),
                              std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0));
        slot.end(t1);
        ++done;
        t0 = t1;
        if (!cfg.think.none()) {
            const auto pause = cfg.think.after(
                std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - ctx.start()), ctx.random());
            if (pause.count() > 0) {
                const clock::time_point resume = saturating_add(t1, pause);
                if (s.end && resume >= *s.end) {
                    break; // the next iteration could not start anyway
                }
                if (!co_await nap_until(resume)) {
                    break;
                }
                t0 = home.now();
            }
        }
    }
    if (plan.done != nullptr) {
        plan.done->arrive();
    }
    e.ended(s);
}

// `count` bursts of `size` users, one iteration each, the next `pause` after the previous ended.
inline detached_task wave_driver(engine_shared& e, scenario_runtime& s, waves w, const executor& home) {
    s.drivers.fetch_add(1, std::memory_order_relaxed);
    bool cancelled = false;
    try {
        if (home.now() < s.start) {
            co_await sleep_until(s.start);
        }
        for (std::uint64_t wave = 0; wave < w.count && !s.stopping(home.now()); ++wave) {
            countdown gate(w.size);
            const std::size_t loops = e.executors.size();
            for (std::uint64_t vu = 0; vu < w.size; ++vu) {
                user_plan plan{user_plan::kind::count, 1, wave, nullptr, &gate};
                const std::size_t loop = static_cast<std::size_t>(vu * loops / w.size);
                launch(e, s, loop, closed_user(e, s, static_cast<std::size_t>(vu), plan, *e.executors[loop]));
            }
            co_await gate.wait();
            if (w.pause.count() > 0 && wave + 1 < w.count) {
                co_await sleep_for(w.pause);
            }
        }
    } catch (const operation_cancelled&) {
        cancelled = true;
    }
    static_cast<void>(cancelled);
    s.drivers.fetch_sub(1, std::memory_order_relaxed);
    e.ended(s);
}

// Files n arrivals as dropped, spread over the operations by weight (one draw each for a few, in
// proportion for many).
inline void drop_arrivals(engine_shared& e, scenario_runtime& s, std::uint64_t n, rng& random) {
    if (n == 0) {
        return;
    }
    recorder::writer& w = e.rec->local();
    if (n <= 64 || s.tags.size() == 1) {
        if (s.tags.size() == 1) {
            w.record_scheduled(s.tags[0], n);
            w.record_dropped(s.tags[0], n);
            return;
        }
        for (std::uint64_t i = 0; i < n; ++i) {
            const tag_id tag = s.tags[s.pick(random)];
            w.record_scheduled(tag);
            w.record_dropped(tag);
        }
        return;
    }
    std::uint64_t given = 0;
    const double total = s.cumulative.back();
    for (std::size_t k = 0; k < s.tags.size(); ++k) {
        const auto upto = static_cast<std::uint64_t>(static_cast<double>(n) * s.cumulative[k] / total + 0.5);
        const std::uint64_t share = k + 1 == s.tags.size() ? n - given : (upto > given ? upto - given : 0);
        if (share > 0) {
            w.record_scheduled(s.tags[k], share);
            w.record_dropped(s.tags[k], share);
        }
        given += share;
    }
}

// Arrivals still waiting for a slot when the scenario is cancelled: dropped.
inline void drop_waiting(engine_shared& e, scenario_runtime& s, slot_pool& pool, rng& random) {
    const std::uint64_t n = pool.waiting.size();
    pool.waiting.clear();
    drop_arrivals(e, s, n, random);
}

// One open-model operation in its in-flight slot; latency from the intended start. When it ends
// and arrivals are waiting for a slot (max_queued), it serves them in turn on the same slot and
// frame, each with its service time from the moment it got the slot.
inline detached_task open_operation(engine_shared& e, scenario_runtime& s, std::size_t shard,
                                    std::uint32_t index, std::size_t k, std::uint64_t number,
                                    clock::time_point intended, clock::time_point start) {
    const scenario& cfg = *s.config;
    op_context& ctx = s.contexts[index];
    vu_slot& slot = s.slots[index];
    executor* home = e.executors[shard];
    slot_pool& pool = s.pools[shard];
    for (;;) {
        const operation& op = cfg.operations[k];
        op_context_access::begin(ctx, number, intended, start);
        slot.begin(k, number, intended, start);
        op_ending ending;
        try {
            if (op.direct()) {
                op.direct()(ctx);
            } else if (cfg.timeout.count() > 0 && !op.blocking()) {
                co_await guarded_call(op, ctx, cfg.timeout, ending);
            } else {
                co_await op.body()(ctx);
            }
        } catch (...) {
            ending.capture(ctx);
        }
        const clock::time_point end = home->now();
        ending.settle(ctx, op, cfg.timeout, end - start);
        e.rec->local().record(s.tags[k], ending.what(ctx), intended, start, end);
        slot.end(end);
        start = end; // the slot came free: a waiting arrival's service starts now
        if (current_executor() != home) {
            co_await home->schedule(); // the slot pool belongs to its loop
            start = home->now();
        }
        if (pool.waiting.empty()) {
            break;
        }
        if (s.token.stop_requested()) {
            drop_waiting(e, s, pool, ctx.random());
            break;
        }
        const queued_arrival next = pool.waiting.pop();
        number = next.number;
        intended = next.intended;
        k = s.pick(ctx.random());
        e.rec->local().record_scheduled(s.tags[k]);
    }
    pool.free.push_back(index);
    e.ended(s);
}

// Shard `shard` of `shards` of an open-model schedule (of this process's execution segment of it):
// every shards-th arrival, each started in a
// free slot of this loop, or queued (max_queued) or counted as dropped when every slot is busy. Behind the
// schedule, it starts arrivals back to back (their latency counts from their intended times), yielding now
// and then so that finished operations free their slots.
inline detached_task arrival_driver(engine_shared& e, scenario_runtime& s, std::size_t shard,
                                    std::size_t shards, rate_schedule plan) {
    s.drivers.fetch_add(1, std::memory_order_relaxed);
    const executor& home = *e.executors[shard];
    pacer arrivals(s.start, std::move(plan), shard, shards, e.segment);
    rng random(e.seed, rng::mix(s.index + 1, 0xa55a0000ULL + shard));
    slot_pool& pool = s.pools[shard];
    std::uint32_t back_to_back = 0;
    std::uint64_t not_started = 0; // index of the first arrival the loop gave up on
    std::optional<clock::time_point> reuse;
    for (;;) {
        const std::optional<clock::time_point> intended = arrivals.next();
        if (!intended) {
            not_started = arrivals.count();
            break;
        }
        if (s.draining.load(std::memory_order_relaxed)) {
            not_started = arrivals.issued() - 1;
            break;
        }
        clock::time_point now = reuse ? *reuse : home.now();
        reuse.reset();
        if (*intended > now) {
            back_to_back = 0;
            bool cancelled = false;
            try {
                co_await sleep_until(*intended);
            } catch (const operation_cancelled&) {
                cancelled = true;
            }
            if (cancelled || s.draining.load(std::memory_order_relaxed)) {
                not_started = arrivals.issued() - 1;
                break;
            }
            now = home.now();
        } else if (++back_to_back % 64 == 0) {
            co_await loadkit::schedule();
            now = home.now();
        }
        const std::uint64_t number = arrivals.last_arrival(); // the whole test's arrival index
        if (pool.free.empty()) {
            if (pool.waiting.size() < pool.max_waiting) {
                pool.waiting.push({number, *intended});
            } else {
                recorder::writer& w = e.rec->local();
                const tag_id tag = s.tags[s.pick(random)];
                w.record_scheduled(tag);
                w.record_dropped(tag);
            }
            continue;
        }
        const std::uint32_t index = pool.free.back();
        op_context& ctx = s.contexts[index];
        const std::size_t k = s.pick(ctx.random());
        const operation& op = s.config->operations[k];
        e.rec->local().record_scheduled(s.tags[k]); // here for both paths below and open_operation
        if (op.direct()) {
            // A synchronous call: made here, without a frame of its own, and its end is the next
            // arrival's "now" (one clock read per operation when behind the schedule).
            vu_slot& slot = s.slots[index];
            op_context_access::begin(ctx, number, *intended, now);
            slot.begin(k, number, *intended, now);
            op_ending ending;
            try {
                op.direct()(ctx);
            } catch (...) {
                ending.capture(ctx);
            }
            const clock::time_point end = home.now();
            ending.settle(ctx, op, s.config->timeout, end - now);
            e.rec->local().record(s.tags[k], ending.what(ctx), *intended, now, end);
            slot.end(end);
            reuse = end;
            continue;
        }
        pool.free.pop_back();
        detached_task op_task = open_operation(e, s, shard, index, k, number, *intended, now);
        op_task.handle.promise().stop_token_ = &s.token;
        e.started(s);
        op_task.handle.resume(); // runs until its first suspension, then the next arrival
    }
    // Arrivals that were due (before the stop, and before the schedule's end) but never started
    // because the loop fell behind: dropped, not silently omitted.
    const clock::time_point now = home.now();
    const clock::time_point limit = s.end && *s.end < now ? *s.end : now;
    std::uint64_t low = not_started;
    std::uint64_t high = arrivals.count(); // the first arrival after the limit is in [low, high]
    while (low < high) {
        const std::uint64_t mid = low + (high - low) / 2;
        if (*arrivals.intended(mid) <= limit) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    drop_arrivals(e, s, low - not_started, random);
    if (s.token.stop_requested()) {
        drop_waiting(e, s, pool, random); // else the operations running serve them
    }
    s.drivers.fetch_sub(1, std::memory_order_relaxed);
    e.ended(s);
}

// Arrivals still waiting behind operations the run gave up on (engine::give_up): dropped, on the
// loop that owns the queue. Not counted as a driver: the run no longer waits for anything.
inline detached_task drop_queued(engine_shared& e, scenario_runtime& s, std::size_t shard,
                                 std::atomic<std::size_t>& pending) {
    rng random(e.seed, rng::mix(s.index + 1, 0xd7090000ULL + shard));
    drop_waiting(e, s, s.pools[shard], random);
    pending.fetch_sub(1, std::memory_order_release);
    co_return;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_ENGINE_DRIVERS_HPP
