// SPDX-License-Identifier: MIT
// The run engine's body: sets the scenarios up, launches their coroutines, and watches them from
// the calling thread (intervals, resources, live SLO, watchdog, progress, stops) until they end.
// The body of engine.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_ENGINE_IPP
#define LOADKIT_IMPL_ENGINE_IPP

#include <loadkit/blocking_pool.hpp>
#include <loadkit/detail/engine/drivers.hpp>
#include <loadkit/detail/engine/profile_plan.hpp>
#include <loadkit/detail/engine/signal_stop.hpp>
#include <loadkit/detail/engine/state.hpp>
#include <loadkit/detail/runtime/saturating_time.hpp>
#include <loadkit/process.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/result.hpp>
#include <loadkit/runner.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

[[noreturn]] inline void throw_run_option(const char* field, const std::string& value, const char* expected) {
    throw std::invalid_argument(std::string("loadkit::run_options: ") + field + " = " + value +
                                " (expected " + expected + ")");
}
inline void check_run_duration(const char* field, std::chrono::nanoseconds d, bool zero_ok) {
    if (d < std::chrono::nanoseconds::zero() || (!zero_ok && d == std::chrono::nanoseconds::zero())) {
        throw_run_option(field, std::to_string(d.count()) + "ns", zero_ok ? ">= 0" : "> 0");
    }
}
inline void validate_run_options(const run_options& o) {
    if (o.executors.empty() && o.threads > 1024) {
        throw_run_option("threads", std::to_string(o.threads), "0 .. 1024");
    }
    for (std::size_t i = 0; i < o.executors.size(); ++i) {
        if (o.executors[i] == nullptr) {
            throw_run_option(("executors[" + std::to_string(i) + "]").c_str(), "nullptr", "an executor");
        }
    }
    if (o.blocking_threads > 4096) {
        throw_run_option("blocking_threads", std::to_string(o.blocking_threads), "0 .. 4096");
    }
    if (o.timer_slack < std::chrono::nanoseconds::zero() || o.timer_slack > std::chrono::seconds{1}) {
        throw_run_option("timer_slack", std::to_string(o.timer_slack.count()) + "ns", "0 .. 1s");
    }
    check_run_duration("warmup", o.warmup, true);
    check_run_duration("interval", o.interval, false);
    check_run_duration("slo_check_interval", o.slo_check_interval, false);
    check_run_duration("resource_interval", o.resource_interval, false);
    check_run_duration("hang_limit", o.hang_limit, true);
    check_run_duration("stall_limit", o.stall_limit, true);
    check_run_duration("graceful_stop", o.graceful_stop, true);
    check_run_duration("cancel_grace", o.cancel_grace, true);
    check_run_duration("max_duration", o.max_duration, true);
    check_run_duration("progress_interval", o.progress_interval, false);
    if (o.manual_clock != nullptr) {
        // Virtual time is one thread's: the calling thread runs every operation on the clock.
        if (!o.executors.empty()) {
            throw_run_option("executors", std::to_string(o.executors.size()) + " executors",
                             "none with manual_clock: the run's operations run on the manual clock");
        }
        if (o.threads > 1) {
            throw_run_option("threads", std::to_string(o.threads),
                             "0 or 1 with manual_clock: virtual time runs on the calling thread");
        }
        if (o.leak_check) {
            throw_run_option("leak_check", "set",
                             "none with manual_clock: resources are sampled in real time, not virtual");
        }
    }
    if (o.leak_check && !o.sample_resources) {
        throw_run_option("leak_check", "set",
                         "sample_resources = true: the check reads the resource samples");
    }
}

class engine {
public:
    engine(const run_options& options, std::span<const scenario> scenarios,
           std::optional<segment_assignment> segment)
        : options_(options), configs_(scenarios.begin(), scenarios.end()), segment_(std::move(segment)) {
        if (segment_) {
            shared_.segment = segment_->segment;
        }
    }

    // Runs to the end. Sets `abandon` when operations ignored cancellation: the caller must then
    // leak this engine (its threads still run them).
    run_report run(bool& abandon) {
        run_report report;
        report.title = options_.title;
        report.segment = segment_;
        start_executors();
        recorder_.emplace(current_time(), recorder_options{model_, options_.interval, 1024, options_.warmup,
                                                           options_.histograms});
        shared_.rec = &*recorder_;
        prepare(report);
        if (options_.sample_resources) {
            // Every sample carries what the recorder holds (its series grow through the run), for
            // the leak check and memory_growth to subtract: loadkit's memory is not the user's leak.
            sampler_.emplace(process_sampler_options{
                .interval = resource_interval(), .max_samples = 4096, .loadkit_bytes = [this] {
                    return static_cast<std::uint64_t>(recorder_->memory_bytes());
                }});
            sampler_->start();
        }
        // The clock starts once the threads, slots and contexts exist: set-up is not charged to
        // the first operations (their intended starts count from here).
        wait_for_start(report);
        start_ = current_time();
        recorder_->restart(start_);
        for (auto& s : runtimes_) {
            schedule(*s);
        }
        launch_all();
        monitor();
        abandon = shared_.active.load(std::memory_order_acquire) != 0;
        const clock::time_point end = current_time();
        if (abandon) {
            account_abandoned(end);
        }
        // The last resource sample before the result is built: the result copies every series
        // (tens of MB after a long soak at high rates), which no sample's loadkit_bytes counts.
        if (sampler_) {
            sampler_->stop();
            report.resources = sampler_->samples();
        }
        report.result = recorder_->finish(end, reason_, reason_text_);
        rate_over_schedule(report.result);
        if (options_.leak_check && !report.resources.empty()) {
            report.leak = check_leak_of(report.resources, *options_.leak_check);
        }
        if (!options_.slo.empty()) {
            slo_context context;
            context.memory_growth_bytes = memory_growth(report.resources);
            if (report.leak) {
                context.leak = report.leak->verdict;
            }
            report.slo = options_.slo.evaluate(report.result, context);
        }
        resolve_stuck();
        report.stuck = std::move(stuck_);
        report.past_hang_limit = past_hang_limit_;
        if (abandon) {
            mark_abandoned(report, end);
        }
        return report;
    }

private:
    // The run's time: its executors' clock (virtual on a manual clock), never clock::now() itself.
    clock::time_point current_time() const noexcept { return shared_.executors.front()->now(); }

    // Waits for run_options::start_at on the executors' clock (a manual clock jumps there) and
    // records the start's wall-clock time: measured in real time; in virtual time, the wall clock
    // at the wait's start plus the virtual time waited, so that a virtual run starts on time.
    void wait_for_start(run_report& report) {
        const std::chrono::system_clock::time_point wall = std::chrono::system_clock::now();
        if (!options_.start_at) {
            report.started = wall;
            return;
        }
        const clock::time_point from = current_time();
        const auto ahead = std::chrono::duration_cast<clock::duration>(*options_.start_at - wall);
        if (ahead > clock::duration::zero()) {
            const clock::time_point until = saturating_add(from, ahead);
            if (manual_ != nullptr) {
                manual_->advance_to(until);
            } else {
                // In slices, so that a stop request or signal still ends a long wait (the run then
                // stops at once).
                const signal_stop_guard signals(options_.handle_signals);
                for (clock::time_point now = from; now < until && !options_.stop.stop_requested();
                     now = current_time()) {
                    if (signals.received() > 0) {
                        signalled_before_start_ = true;
                        break;
                    }
                    std::this_thread::sleep_for(
                        std::min<clock::duration>(until - now, std::chrono::milliseconds{50}));
                }
            }
        }
        report.started = manual_ != nullptr
                             ? wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                          current_time() - from)
                             : std::chrono::system_clock::now();
        report.start_at = options_.start_at;
        report.start_skew =
            std::chrono::duration_cast<std::chrono::nanoseconds>(report.started - *options_.start_at);
    }

    // Executors: a manual clock, the caller's, or a runner of our own.
    void start_executors() {
        if (options_.manual_clock != nullptr) {
            manual_ = options_.manual_clock;
            shared_.executors.push_back(manual_);
        } else if (!options_.executors.empty()) {
            shared_.executors = options_.executors;
        } else {
            runner::options ro;
            ro.threads = options_.threads;
            ro.pin_threads = options_.pin_threads;
            ro.timer_slack = options_.timer_slack;
            runner_ = std::make_unique<runner>(ro);
            for (std::size_t i = 0; i < runner_->size(); ++i) {
                shared_.executors.push_back(&runner_->loop(i));
            }
        }
    }

    // The user's share of a reading: total less what loadkit said it held at that sample.
    static std::optional<std::uint64_t> users_bytes(std::optional<std::uint64_t> total,
                                                    std::optional<std::uint64_t> loadkit) {
        if (!total) {
            return std::nullopt;
        }
        const std::uint64_t own = loadkit.value_or(0);
        return *total > own ? *total - own : 0;
    }

    static std::optional<double> memory_growth(const std::vector<process_sample>& samples) {
        std::optional<std::uint64_t> first;
        std::optional<std::uint64_t> last;
        for (const auto& s : samples) {
            if (const auto rss = users_bytes(s.rss_bytes, s.loadkit_bytes)) {
                first = first ? first : rss;
                last = rss;
            }
        }
        if (!first || !last || samples.size() < 2) {
            return std::nullopt; // one sample is no growth figure: the objective has no data
        }
        return static_cast<double>(*last) - static_cast<double>(*first);
    }

    // The run's planned length (the latest scenario end), when every profile has one.
    std::optional<std::chrono::nanoseconds> planned_run_length() const {
        std::optional<std::chrono::nanoseconds> planned = std::chrono::nanoseconds{};
        for (const auto& cfg : configs_) {
            const auto length = planned_length(cfg.profile);
            if (!length) {
                return std::nullopt;
            }
            planned = std::max(*planned, saturating_sum(cfg.start_offset, *length));
        }
        return planned;
    }

    // Rates over the schedule: a run that completed its plan ran its operations over the planned
    // length (10/s for 3 s is 10/s, not 30 over the 2.9 s to the last completion); one stopped
    // early, or without a planned length, over the time it ran.
    void rate_over_schedule(run_result& r) const {
        const auto planned = planned_run_length();
        if (reason_ != stop_reason::completed || !planned || *planned <= r.warmup) {
            return;
        }
        const std::chrono::nanoseconds steady = *planned - r.warmup;
        r.overall.duration = steady;
        for (auto& t : r.tags) {
            t.duration = steady;
        }
    }

    // The resource sampling interval: resource_interval, or shorter when a leak check would
    // otherwise get too few samples over the planned length: about 256, four times the 64 the
    // default check needs, because a busy machine makes the sampler skip ticks (a 2 s run under
    // ASan on 2 busy cores kept 61 of a planned 100).
    std::chrono::nanoseconds resource_interval() const {
        if (!options_.leak_check) {
            return options_.resource_interval;
        }
        const auto planned = planned_run_length();
        if (!planned || planned->count() <= 0) {
            return options_.resource_interval;
        }
        const std::chrono::nanoseconds wanted = *planned / 256;
        return std::clamp(
            wanted,
            std::min<std::chrono::nanoseconds>(std::chrono::milliseconds{5}, options_.resource_interval),
            options_.resource_interval);
    }

    leak_report check_leak_of(const std::vector<process_sample>& samples, leak_options opts) const {
        const clock::time_point t0 = samples.front().at;
        const auto x_of = [&](const process_sample& s) {
            return std::chrono::duration<double>(s.at - t0).count();
        };
        const auto rss = make_leak_series(
            samples, x_of, [](const process_sample& s) { return users_bytes(s.rss_bytes, s.loadkit_bytes); });
        const auto heap = make_leak_series(samples, x_of, [](const process_sample& s) {
            return users_bytes(s.heap_in_use_bytes, s.loadkit_bytes);
        });
        if (opts.x_unit == "iter") {
            opts.x_unit = "s";
        }
        return check_leak(rss, heap, opts);
    }

    void prepare(run_report& report) {
        std::uint64_t blocking_peak = 0;
        for (std::size_t i = 0; i < configs_.size(); ++i) {
            const scenario& cfg = configs_[i];
            auto s = std::make_unique<scenario_runtime>();
            s->config = &cfg;
            s->index = i;
            s->model = model_of(cfg.profile);
            s->share = share_of(cfg.profile, shared_.segment);
            double sum = 0.0;
            bool blocking = false;
            scenario_summary summary{cfg.name, describe(cfg.profile), s->model, cfg.start_offset, {}};
            for (const auto& op : cfg.operations) {
                s->tags.push_back(recorder_->tag(op.name()));
                sum += op.weight();
                s->cumulative.push_back(sum);
                blocking = blocking || op.blocking();
                std::string line = op.name();
                if (cfg.operations.size() > 1) {
                    char weight[32];
                    std::snprintf(weight, sizeof weight, " (weight %g)", op.weight());
                    line += weight;
                }
                summary.operations.push_back(std::move(line));
            }
            if (!cfg.think.none()) {
                summary.profile += ", think " + cfg.think.describe();
            }
            if (cfg.timeout.count() > 0) {
                summary.profile += ", timeout " + profile_duration_text(cfg.timeout);
            }
            report.scenarios.push_back(std::move(summary));
            const std::uint64_t peak = s->share.slots;
            if (blocking) {
                blocking_peak += peak;
            }
            s->slot_count = static_cast<std::size_t>(peak);
            s->slots = std::make_unique<vu_slot[]>(s->slot_count);
            runtimes_.push_back(std::move(s));
        }
        if (blocking_peak > 0) {
            // blocking_threads, or as many as the calls turn out to need (the pool grows when a call
            // finds no idle worker) up to what the scenarios could keep busy at once.
            const bool fixed = options_.blocking_threads != 0;
            const std::size_t threads =
                fixed ? options_.blocking_threads
                      : static_cast<std::size_t>(std::min<std::uint64_t>(blocking_peak, 1024));
            pool_ = std::make_unique<blocking_pool>(blocking_pool::options{threads, fixed ? threads : 1});
            shared_.pool = pool_.get();
        }
        shared_.seed = options_.seed;
        // Open-model slots: split evenly across the arrival loops, each with its own free list.
        for (auto& s : runtimes_) {
            if (s->model != latency_model::open) {
                continue;
            }
            const std::size_t loops = arrival_loops(*s);
            s->contexts = std::make_unique<op_context[]>(s->slot_count);
            s->pools.resize(loops);
            const std::uint64_t queued = max_queued_of(s->share.local);
            for (std::size_t j = 0; j < loops; ++j) {
                const std::uint64_t first = s->slot_count * j / loops;
                const std::uint64_t last = s->slot_count * (j + 1) / loops;
                s->pools[j].first = first;
                s->pools[j].max_waiting = queued * (j + 1) / loops - queued * j / loops;
                for (std::uint64_t k = last; k > first; --k) {
                    s->pools[j].free.push_back(static_cast<std::uint32_t>(k - 1));
                }
            }
            for (std::size_t k = 0; k < s->slot_count; ++k) {
                const std::uint64_t vu = s->vu_number(k);
                op_context_access::bind(s->contexts[k], s->config->name, vu,
                                        rng(shared_.seed, rng::mix(s->index + 1, vu)), s->token, *recorder_,
                                        shared_.pool);
            }
        }
    }

    // The event loops an open-model scenario's arrivals are shared over: every loop, but never more
    // than it has in-flight slots — a loop with none could only drop its arrivals (max_in_flight
    // below threads, or a segment's small share of it).
    std::size_t arrival_loops(const scenario_runtime& s) const noexcept {
        return std::max<std::size_t>(1, std::min(shared_.executors.size(), s.slot_count));
    }

    // The scenario's start and end from the run's start (held at the clock's range: an offset or
    // length near nanoseconds::max() means "never", not an overflow into the past).
    void schedule(scenario_runtime& s) const {
        const scenario& cfg = *s.config;
        s.start = saturating_add(start_, cfg.start_offset);
        if (const auto length = planned_length(cfg.profile)) {
            s.end = saturating_add(s.start, *length);
        }
        if (const auto* p = std::get_if<per_vu_iterations>(&cfg.profile)) {
            s.end = saturating_add(s.start, p->max_duration);
        } else if (const auto* q = std::get_if<shared_iterations>(&cfg.profile)) {
            s.end = saturating_add(s.start, q->max_duration);
        }
    }

    void launch_all() {
        const std::size_t loops = shared_.executors.size();
        for (auto& sp : runtimes_) {
            scenario_runtime& s = *sp;
            const profile& p = s.share.local; // this process's part of the scenario
            const auto users = [&](std::uint64_t n, user_plan plan) {
                for (std::uint64_t vu = 0; vu < n; ++vu) {
                    // Users in contiguous blocks per loop: neighbouring slots stay on one thread.
                    const auto loop = static_cast<std::size_t>(vu * loops / n);
                    launch(shared_, s, loop,
                           closed_user(shared_, s, static_cast<std::size_t>(vu), plan,
                                       *shared_.executors[loop]));
                }
            };
            if (const auto* b = std::get_if<burst>(&p)) {
                users(b->n, {user_plan::kind::count, 1, 0, nullptr, nullptr});
            } else if (const auto* c = std::get_if<constant_vus>(&p)) {
                users(c->vus, {user_plan::kind::count, c->iterations, 0, nullptr, nullptr});
            } else if (const auto* v = std::get_if<per_vu_iterations>(&p)) {
                users(v->vus, {user_plan::kind::count, v->iterations, 0, nullptr, nullptr});
            } else if (const auto* sh = std::get_if<shared_iterations>(&p)) {
                users(sh->vus,
                      {user_plan::kind::shared, sh->iterations, s.share.first_iteration, nullptr, nullptr});
            } else if (const auto* r = std::get_if<ramping_vus>(&p)) {
                users(s.slot_count, {user_plan::kind::ramping, 0, 0, r, nullptr});
            } else if (const auto* w = std::get_if<waves>(&p)) {
                launch(shared_, s, 0, wave_driver(shared_, s, *w, *shared_.executors[0]));
            } else {
                const rate_schedule schedule =
                    std::holds_alternative<constant_rate>(p)
                        ? rate_schedule::constant(std::get<constant_rate>(p).rate,
                                                  std::get<constant_rate>(p).duration)
                        : rate_schedule(std::get<ramping_rate>(p).start_rate,
                                        std::get<ramping_rate>(p).stages);
                const std::size_t arrivals = arrival_loops(s);
                for (std::size_t j = 0; j < arrivals; ++j) {
                    launch(shared_, s, j, arrival_driver(shared_, s, j, arrivals, schedule));
                }
            }
        }
    }

    // ---- the monitor ------------------------------------------------------------------------

    void stop_all(stop_reason why, std::string text, clock::time_point now, bool cancel_now) {
        if (reason_ == stop_reason::completed) {
            reason_ = why;
            reason_text_ = std::move(text);
        }
        for (auto& s : runtimes_) {
            if (!s->drain_since) {
                s->drain_since = now;
            }
            s->draining.store(true, std::memory_order_relaxed);
            if (cancel_now && !s->cancelled_at) {
                s->cancelled_at = now;
                s->stop.request_stop();
            }
        }
    }

    void monitor() {
        const signal_stop_guard signals(options_.handle_signals);
        int signals_seen = 0;
        const clock::duration step = std::chrono::milliseconds{50};
        clock::time_point next_slo = saturating_add(start_, options_.slo_check_interval);
        clock::time_point next_progress = start_;
        // time_point::max() for none (an optional here trips GCC 12's -Wmaybe-uninitialized)
        const clock::time_point deadline = options_.max_duration.count() > 0
                                               ? saturating_add(start_, options_.max_duration)
                                               : clock::time_point::max();
        if (signalled_before_start_) {
            stop_all(stop_reason::interrupted, "stop signal while waiting for start_at", start_, false);
        }
        for (;;) {
            if (manual_ != nullptr) {
                run_virtual_time(saturating_add(manual_->now(), step));
            } else {
                std::unique_lock<std::mutex> lock(shared_.mutex);
                shared_.wake.wait_for(lock, step,
                                      [&] { return shared_.active.load(std::memory_order_acquire) == 0; });
            }
            const clock::time_point now = current_time();
            recorder_->tick(now);
            if (shared_.active.load(std::memory_order_acquire) == 0) {
                break;
            }
            const int received = signals.received();
            if (received > signals_seen) {
                stop_all(stop_reason::interrupted,
                         received > 1 ? "second stop signal: cancelled" : "stop signal", now, received > 1);
                signals_seen = received;
            }
            if (options_.stop.stop_requested()) {
                stop_all(stop_reason::interrupted, "stop requested", now, false);
            }
            if (now >= deadline) {
                stop_all(stop_reason::deadline, "max_duration reached", now, false);
            }
            bool want_slo = !options_.slo.empty() && now >= next_slo;
            bool want_progress = static_cast<bool>(options_.on_progress) && now >= next_progress;
            if (want_slo || want_progress) {
                const run_result snapshot = recorder_->snapshot(now);
                if (want_slo) {
                    next_slo = saturating_add(now, options_.slo_check_interval);
                    if (abort_decision d = options_.slo.should_abort(snapshot)) {
                        stop_all(stop_reason::slo_abort, d.reason, now, true);
                    }
                }
                if (want_progress) {
                    next_progress = saturating_add(now, options_.progress_interval);
                    options_.on_progress(progress(snapshot, now));
                }
            }
            watchdog(now);
            if (graceful(now)) {
                break; // only abandoned operations are left
            }
        }
    }

    // The monitor's wait on a manual clock: runs the operations from timer to timer until `until`
    // (the next monitor pass) or until none is left, so the run ends at the instant its last
    // operation does, as the condition variable wakes the monitor in real time.
    void run_virtual_time(clock::time_point until) {
        manual_->run_ready();
        while (shared_.active.load(std::memory_order_acquire) != 0) {
            const std::optional<clock::time_point> next = manual_->next_timer();
            if (!next || *next >= until) {
                manual_->advance_to(std::max(until, manual_->now()));
                return;
            }
            manual_->advance_to(std::max(*next, manual_->now()));
        }
    }

    // Ends scenarios whose time is up, cancels those whose graceful stop expired, gives up on
    // scenarios left with overdue operations only; true when every scenario left is past its cancel
    // grace or given up (nothing more will end by itself).
    bool graceful(clock::time_point now) {
        bool waiting_only_for_abandoned = true;
        bool any_active = false;
        for (auto& s : runtimes_) {
            if (s->active.load(std::memory_order_acquire) == 0) {
                continue;
            }
            any_active = true;
            if (!s->drain_since && s->end && now >= *s->end) {
                s->drain_since = *s->end;
                s->draining.store(true, std::memory_order_relaxed);
            }
            if (!s->given_up && only_overdue_left(*s)) {
                give_up(*s, now);
            }
            if (s->drain_since && !s->cancelled_at &&
                now >= saturating_add(*s->drain_since, options_.graceful_stop)) {
                s->cancelled_at = now;
                s->stop.request_stop();
            }
            if (!s->given_up &&
                (!s->cancelled_at || now < saturating_add(*s->cancelled_at, options_.cancel_grace))) {
                waiting_only_for_abandoned = false;
            }
        }
        return any_active && waiting_only_for_abandoned;
    }

    // Everything of the scenario still alive waits on overdue operations: each of its coroutines
    // is such an operation, or its wave driver waiting for their wave. (An open-model scenario's
    // arrival loops end with its schedule, so they must be gone.) Counts move while the loops run;
    // every race errs towards waiting longer, and the next pass looks again.
    bool only_overdue_left(const scenario_runtime& s) const {
        if (s.overdue == 0 || s.busy != s.overdue) {
            return false;
        }
        const std::uint64_t drivers = s.drivers.load(std::memory_order_acquire);
        if (s.model == latency_model::open && drivers != 0) {
            return false;
        }
        return s.active.load(std::memory_order_acquire) == s.overdue + drivers;
    }

    // Stops waiting for the scenario: its remaining operations are abandoned (asked to stop once
    // more, counted as timeouts when the run ends, listed as stuck).
    void give_up(scenario_runtime& s, clock::time_point now) {
        s.given_up = true;
        if (!s.drain_since) {
            s.drain_since = now;
        }
        s.draining.store(true, std::memory_order_relaxed);
        if (!s.cancelled_at) {
            s.cancelled_at = now;
            s.stop.request_stop();
        }
    }

    // How long an operation of the scenario may run before the run may give up on it: its timeout
    // (or, without one, the hang limit) and then cancel_grace to react to its cancellation. 0: never.
    std::int64_t overdue_after(const scenario_runtime& s) const {
        const std::chrono::nanoseconds limit =
            s.config->timeout.count() > 0 ? s.config->timeout : options_.hang_limit;
        if (limit.count() <= 0) {
            return 0;
        }
        return saturating_sum(limit, options_.cancel_grace).count();
    }

    void watchdog(clock::time_point now) {
        const std::int64_t now_ticks = ticks(now);
        resolve_stuck();
        std::int64_t last_completion = 0;
        std::size_t busy = 0;
        for (std::size_t r = 0; r < runtimes_.size(); ++r) {
            scenario_runtime& s = *runtimes_[r];
            const std::int64_t overdue_at = overdue_after(s);
            s.busy = 0;
            s.overdue = 0;
            for (std::size_t i = 0; i < s.slot_count; ++i) {
                vu_slot& slot = s.slots[i];
                last_completion = std::max(last_completion, slot.last_end.load(std::memory_order_relaxed));
                const std::int64_t started = slot.started.load(std::memory_order_relaxed);
                if (started == 0) {
                    continue;
                }
                ++s.busy;
                if (overdue_at > 0 && now_ticks - started > overdue_at) {
                    ++s.overdue;
                }
                if (options_.hang_limit.count() > 0 && now_ticks - started > options_.hang_limit.count() &&
                    slot.reported != started) {
                    slot.reported = started;
                    report_stuck(r, i, started, now_ticks, "past the hang limit");
                }
            }
            busy += s.busy;
        }
        last_completion = std::max(last_completion, ticks(start_));
        if (options_.stall_limit.count() > 0 && busy > 0 &&
            now_ticks - last_completion > options_.stall_limit.count() &&
            stall_reported_ != last_completion) {
            stall_reported_ = last_completion;
            for (std::size_t r = 0; r < runtimes_.size(); ++r) {
                scenario_runtime& s = *runtimes_[r];
                for (std::size_t i = 0; i < s.slot_count; ++i) {
                    vu_slot& slot = s.slots[i];
                    const std::int64_t started = slot.started.load(std::memory_order_relaxed);
                    if (started != 0 && slot.reported != started) {
                        slot.reported = started;
                        report_stuck(r, i, started, now_ticks, "no completion for the stall limit");
                    }
                }
            }
        }
        in_flight_ = busy;
    }

    // The stuck list's entries whose operation has since finished (its slot moved on): slow, not
    // hung. The first max_finished_listed stay listed, all are counted.
    void resolve_stuck() {
        for (std::size_t k = stuck_.size(); k-- > 0;) {
            if (stuck_[k].finished) {
                continue;
            }
            const watched& w = watched_[k];
            const vu_slot& slot = runtimes_[w.runtime]->slots[w.slot];
            if (slot.started.load(std::memory_order_relaxed) == w.started) {
                continue;
            }
            ++past_hang_limit_;
            const std::int64_t ended = slot.last_end.load(std::memory_order_relaxed);
            if (finished_listed_ < max_finished_listed) {
                ++finished_listed_;
                stuck_[k].finished = true;
                if (ended > w.started) {
                    stuck_[k].elapsed = std::chrono::nanoseconds{ended - w.started};
                }
            } else {
                stuck_.erase(stuck_.begin() + static_cast<std::ptrdiff_t>(k));
                watched_.erase(watched_.begin() + static_cast<std::ptrdiff_t>(k));
            }
        }
    }

    void report_stuck(std::size_t runtime, std::size_t slot, std::int64_t started, std::int64_t now_ticks,
                      const char* why) {
        const scenario_runtime& s = *runtimes_[runtime];
        const vu_slot& v = s.slots[slot];
        stuck_operation op;
        op.scenario = s.config->name;
        const auto k = v.op.load(std::memory_order_relaxed);
        op.tag = k < s.config->operations.size() ? s.config->operations[k].name() : std::string();
        op.virtual_user = s.vu_number(slot);
        op.iteration = v.iteration.load(std::memory_order_relaxed);
        op.elapsed = std::chrono::nanoseconds{now_ticks - started};
        if (options_.report_stuck_to_stderr && stderr_reports_ < max_stderr_reports) {
            ++stderr_reports_;
            std::fprintf(
                stderr,
                "loadkit: stuck operation '%s' (scenario '%s', VU %llu, iteration %llu) has run %s: %s%s\n",
                op.tag.c_str(), op.scenario.c_str(), static_cast<unsigned long long>(op.virtual_user),
                static_cast<unsigned long long>(op.iteration), profile_duration_text(op.elapsed).c_str(), why,
                stderr_reports_ == max_stderr_reports ? " (further ones are in the report only)" : "");
        }
        stuck_.push_back(std::move(op));
        watched_.push_back({runtime, slot, started});
    }

    // The operations still running when the run gave up on them: each counted as a timeout under
    // its tag (its latency: how long it had run by then), so that ok + errors + timeouts + dropped
    // still adds up to every operation scheduled; arrivals queued behind them are dropped.
    void account_abandoned(clock::time_point end) {
        const std::int64_t end_ticks = ticks(end);
        recorder::writer& w = recorder_->local();
        std::atomic<std::size_t> pending{0};
        for (auto& sp : runtimes_) {
            scenario_runtime& s = *sp;
            for (std::size_t i = 0; i < s.slot_count; ++i) {
                const vu_slot& slot = s.slots[i];
                const std::int64_t started = slot.started.load(std::memory_order_relaxed);
                if (started == 0) {
                    continue;
                }
                const auto k = slot.op.load(std::memory_order_relaxed);
                if (k >= s.tags.size()) {
                    continue;
                }
                const std::int64_t intended =
                    std::min(slot.intended.load(std::memory_order_relaxed), started);
                w.record(s.tags[k], outcome::timeout(), std::chrono::nanoseconds{end_ticks - intended},
                         std::chrono::nanoseconds{end_ticks - started});
            }
            if (s.model == latency_model::open) {
                for (std::size_t j = 0; j < s.pools.size(); ++j) {
                    pending.fetch_add(1, std::memory_order_relaxed);
                    shared_.executors[j]->post(drop_queued(shared_, s, j, pending).handle);
                }
            }
        }
        if (manual_ != nullptr) {
            manual_->run_ready(); // the calling thread runs the drops itself
            return;
        }
        // A loop blocked inside a synchronous (direct) operation cannot answer: wait a little only
        // (real time: it waits for threads, not for the run's clock).
        const auto limit = std::chrono::steady_clock::now() + std::chrono::milliseconds{500};
        while (pending.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < limit) {
            std::this_thread::sleep_for(std::chrono::milliseconds{1});
        }
    }

    void mark_abandoned(run_report& report, clock::time_point now) {
        const std::int64_t now_ticks = ticks(now);
        for (std::size_t r = 0; r < runtimes_.size(); ++r) {
            const scenario_runtime& s = *runtimes_[r];
            for (std::size_t i = 0; i < s.slot_count; ++i) {
                const std::int64_t started = s.slots[i].started.load(std::memory_order_relaxed);
                if (started == 0) {
                    continue;
                }
                bool found = false;
                for (std::size_t k = 0; k < report.stuck.size() && k < watched_.size(); ++k) {
                    const watched& w = watched_[k];
                    if (w.runtime == r && w.slot == i && w.started == started) {
                        report.stuck[k].abandoned = true;
                        report.stuck[k].elapsed = std::chrono::nanoseconds{now_ticks - started};
                        found = true;
                    }
                }
                if (!found) {
                    stuck_operation op;
                    op.scenario = s.config->name;
                    const auto k = s.slots[i].op.load(std::memory_order_relaxed);
                    op.tag = k < s.config->operations.size() ? s.config->operations[k].name() : std::string();
                    op.virtual_user = s.vu_number(i);
                    op.iteration = s.slots[i].iteration.load(std::memory_order_relaxed);
                    op.elapsed = std::chrono::nanoseconds{now_ticks - started};
                    op.abandoned = true;
                    report.stuck.push_back(std::move(op));
                }
            }
        }
    }

    run_progress progress(const run_result& snapshot, clock::time_point now) const {
        run_progress p;
        p.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_);
        std::optional<std::chrono::nanoseconds> planned = std::chrono::nanoseconds{};
        for (const auto& cfg : configs_) {
            const auto length = planned_length(cfg.profile);
            if (!length) {
                planned.reset();
                break;
            }
            planned = std::max(*planned, cfg.start_offset + *length);
        }
        p.planned = planned;
        const tag_result& all = snapshot.overall;
        p.completed = all.count() + (all.warmup ? all.warmup->count() : 0);
        p.errors = all.errors + all.timeouts + (all.warmup ? all.warmup->errors + all.warmup->timeouts : 0);
        p.dropped = all.dropped + (all.warmup ? all.warmup->dropped : 0);
        p.in_flight = in_flight_;
        const auto& series = all.intervals;
        if (!series.intervals.empty()) {
            // The last closed interval (the one in progress is the last entry); until the first
            // closes, the one in progress, over the time it has run rather than a whole width.
            const std::size_t i = series.intervals.size() >= 2 ? series.intervals.size() - 2 : 0;
            p.rate = series.rate_of(i, p.elapsed);
            p.p95_last = series.intervals[i].latency.value_at_percentile(95.0);
        }
        p.warming_up = options_.warmup.count() > 0 && p.elapsed < options_.warmup;
        for (const auto& s : runtimes_) {
            if (s->active.load(std::memory_order_relaxed) == 0 || now < s->start) {
                continue;
            }
            if (!p.phase.empty()) {
                p.phase += "; ";
            }
            p.phase += s->config->name;
            if (const auto* r = std::get_if<ramping_vus>(&s->config->profile)) {
                char text[80];
                const double target =
                    vu_target(*r, std::chrono::duration_cast<std::chrono::nanoseconds>(now - s->start));
                const auto& mine = s->share.vus; // within a segment: this process's users of the ramp
                if (mine.empty()) {
                    std::snprintf(text, sizeof text, ": %.0f VUs", target);
                } else {
                    const auto active =
                        std::lower_bound(mine.begin(), mine.end(), static_cast<std::uint64_t>(target)) -
                        mine.begin();
                    std::snprintf(text, sizeof text, ": %lld of the test's %.0f VUs",
                                  static_cast<long long>(active), target);
                }
                p.phase += text;
            } else if (s->draining.load(std::memory_order_relaxed)) {
                p.phase += ": stopping";
            }
        }
        return p;
    }

    static latency_model model_for(std::span<const scenario> scenarios) {
        for (const auto& s : scenarios) {
            if (model_of(s.profile) == latency_model::open) {
                return latency_model::open;
            }
        }
        return latency_model::closed;
    }

    const run_options& options_;
    std::vector<scenario> configs_;
    std::optional<segment_assignment> segment_; // set when the run has a segment
    latency_model model_ = model_for(configs_);
    clock::time_point start_{};
    std::optional<recorder> recorder_;
    std::optional<process_sampler> sampler_;
    engine_shared shared_;
    std::vector<std::unique_ptr<scenario_runtime>> runtimes_;
    std::unique_ptr<runner> runner_;
    manual_clock_executor* manual_ = nullptr; // virtual time: the monitor runs it
    std::unique_ptr<blocking_pool> pool_;
    stop_reason reason_ = stop_reason::completed;
    bool signalled_before_start_ = false; // a stop signal ended the wait for start_at
    std::string reason_text_;
    // The stuck list and, entry by entry, the operation each one watches (resolve_stuck()).
    struct watched {
        std::size_t runtime;
        std::size_t slot;
        std::int64_t started;
    };
    static constexpr std::size_t max_finished_listed = 64;
    static constexpr std::size_t max_stderr_reports = 20;
    std::vector<stuck_operation> stuck_;
    std::vector<watched> watched_;
    std::uint64_t past_hang_limit_ = 0;
    std::size_t finished_listed_ = 0;
    std::size_t stderr_reports_ = 0;
    std::int64_t stall_reported_ = -1;
    std::size_t in_flight_ = 0;

    // Member order matters for destruction: the runner (and its loops) and the pool go first,
    // while the scenarios, recorder and options they use still exist.
public:
    ~engine() {
        runner_.reset();
        pool_.reset();
    }
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
};

// Engines whose operations never ended, with their options: alive until the process exits.
inline void keep_abandoned(std::unique_ptr<run_options> options, std::unique_ptr<engine> body) {
    struct kept {
        std::unique_ptr<run_options> options;
        std::unique_ptr<engine> body;
    };
    static std::mutex mutex;
    static auto* engines = new std::vector<kept>(); // never destroyed: its threads may still run
    const std::lock_guard<std::mutex> lock(mutex);
    engines->push_back({std::move(options), std::move(body)});
}

} // namespace detail

LOADKIT_DECL run_report run(const run_options& options, std::span<const scenario> scenarios) {
    detail::validate_run_options(options);
    if (scenarios.empty()) {
        throw std::invalid_argument("loadkit::run: scenarios = {} (expected at least one scenario)");
    }
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
        validate(scenarios[i]);
        for (std::size_t j = 0; j < i; ++j) {
            if (scenarios[j].name == scenarios[i].name) {
                throw std::invalid_argument("loadkit::run: scenarios[" + std::to_string(i) + "].name = \"" +
                                            scenarios[i].name + "\" (expected unique names)");
            }
        }
    }
    // The segment, before anything runs: a malformed environment is an error now, not a partial run.
    std::optional<segment_assignment> segment;
    if (options.segment) {
        segment = segment_assignment{*options.segment, "option", std::nullopt, std::nullopt};
    } else if (options.segment_from_environment) {
        segment = segment_from_environment();
    }
    // The options live with the engine: an abandoned engine (leaked below) keeps using them.
    auto owned = std::make_unique<run_options>(options);
    auto body = std::make_unique<detail::engine>(*owned, scenarios, std::move(segment));
    bool abandon = false;
    run_report report = body->run(abandon);
    if (abandon) {
        // Operations that ignore cancellation still run on the engine's threads: keep them (and
        // everything they use) alive for the rest of the process rather than destroy what they
        // touch. Kept reachable, so that leak checkers see a deliberate keep, not a leak.
        detail::keep_abandoned(std::move(owned), std::move(body));
    }
    return report;
}

LOADKIT_DECL run_report run(const run_options& options, const std::vector<scenario>& scenarios) {
    return run(options, std::span<const scenario>(scenarios.data(), scenarios.size()));
}
LOADKIT_DECL run_report run(const run_options& options, const scenario& one) {
    return run(options, std::span<const scenario>(&one, 1));
}
LOADKIT_DECL run_report run(const profile& load, operation op, const run_options& options) {
    scenario s;
    s.name = op.name();
    s.profile = load;
    s.operations.push_back(std::move(op));
    return run(options, s);
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_ENGINE_IPP
