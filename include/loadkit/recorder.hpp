// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::recorder — files each operation's outcome and latency under its tag, from many threads
// without locks, and turns what it holds into a run_result (result.hpp) at any time.
//
//   loadkit::recorder rec{std::chrono::steady_clock::now(), {.interval = 1s}};   // = loadkit::clock
//   const loadkit::tag_id login = rec.tag("login");           // once: interning locks/allocates
//   // on each worker thread, per operation (the caller reads the clock, never the recorder):
//   rec.local().record(login, loadkit::outcome::ok(), start, end);
//   rec.local().record(login, loadkit::outcome::error("http", "503"), start, end);
//   // on a timer, once per interval:          and at the end:
//   rec.tick(steady_clock::now());             auto result = rec.finish(steady_clock::now());
//
// Hot path (writer::record): a 4-entry thread_local lookup in local(), then per operation a few
// relaxed load/store pairs and one histogram counter (two in an open-model run): no lock, no
// read-modify-write, no allocation. The first record of a tag on a thread allocates that thread's
// slot (one histogram per latency), and so do a new error category and each of the first
// max_error_messages distinct messages of a category on a thread: those take the mutex once.
//
// Intervals: tick(now) closes every interval of the grid [k * interval, (k + 1) * interval) from
// start that has ended by now, filing what was recorded since the previous close under the last
// one that ended (so call it at least once per interval; a late tick lumps intervals together,
// nothing is lost). Each interval is the difference of two cumulative snapshots of the shards.
// Warm-up: operations recorded before the warm-up ended (options.warmup after start, at the
// first tick/snapshot past it, or end_warmup(now)) are reported apart from the steady state.
// Steady-state histograms are then differences too; their min()/max() are the edges of their
// first/last counters (the exact extremes are unknown), which keeps merging exact.
#ifndef LOADKIT_RECORDER_HPP
#define LOADKIT_RECORDER_HPP

#include <loadkit/config.hpp>
#include <loadkit/core_types.hpp>
#include <loadkit/detail/recorder/errors.hpp>
#include <loadkit/detail/recorder/shard.hpp>
#include <loadkit/error_category.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/interval_series.hpp>
#include <loadkit/result.hpp>
#include <loadkit/sharded_histogram.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// How one operation ended. The views only need to live for the record() call.
struct outcome {
    outcome_kind kind = outcome_kind::ok;
    std::string_view category{}; // error only; "" files as "error"
    std::string_view message{};  // error only; optional

    [[nodiscard]] static constexpr outcome ok() noexcept { return {}; }
    [[nodiscard]] static constexpr outcome error(std::string_view category,
                                                 std::string_view message = {}) noexcept {
        return {outcome_kind::error, category, message};
    }
    [[nodiscard]] static constexpr outcome timeout() noexcept { return {outcome_kind::timeout, {}, {}}; }
    // Never started (an open-model profile at max_in_flight): counted, no latency.
    [[nodiscard]] static constexpr outcome dropped() noexcept { return {outcome_kind::dropped, {}, {}}; }
};

// What a tag counts: an operation (part of the run's overall figures) or a step inside one (a
// sub-step timed on its own, e.g. "login" within "checkout": reported as its own tag, left out of
// overall so that an operation is not counted twice).
enum class tag_kind : std::uint8_t { operation, step };

// A tag interned by recorder::tag(); only valid with the recorder that made it.
struct tag_id {
    std::uint32_t value = std::numeric_limits<std::uint32_t>::max();
    friend constexpr bool operator==(tag_id, tag_id) noexcept = default;
};

struct recorder_options {
    latency_model model = latency_model::closed;
    std::chrono::nanoseconds interval = std::chrono::seconds{1};
    std::size_t max_intervals = 1024;  // per series; beyond it adjacent intervals merge (>= 2)
    std::chrono::nanoseconds warmup{}; // 0: no warm-up unless end_warmup() is called
    histogram_options histograms{};    // precision and range of every latency histogram
};

class recorder {
    struct registry;

public:
    using options = recorder_options;
    using time_point = std::chrono::steady_clock::time_point; // loadkit::clock's

    // One thread's recording handle (recorder::local()). Use it from that thread only.
    class writer {
    public:
        writer(const writer&) = delete;
        writer& operator=(const writer&) = delete;
        ~writer() = default;

        // Closed model: latency from the actual start. In an open-model recorder this records it
        // as both response and service time.
        void record(tag_id tag, const outcome& what, std::chrono::nanoseconds latency) {
            detail::recorder_tag_slot& s = slot(tag);
            if (file(s, what)) {
                s.latency.record(latency.count());
                if (s.service) {
                    s.service->record(latency.count());
                }
            }
        }
        // Open model: response time from the intended start, service time from the actual start
        // (a closed-model recorder keeps the service time as its latency).
        void record(tag_id tag, const outcome& what, std::chrono::nanoseconds response,
                    std::chrono::nanoseconds service) {
            detail::recorder_tag_slot& s = slot(tag);
            if (file(s, what)) {
                s.latency.record(s.service || !closed_ ? response.count() : service.count());
                if (s.service) {
                    s.service->record(service.count());
                }
            }
        }
        void record(tag_id tag, const outcome& what, time_point start, time_point end) {
            record(tag, what, std::chrono::duration_cast<std::chrono::nanoseconds>(end - start));
        }
        void record(tag_id tag, const outcome& what, time_point intended, time_point start, time_point end) {
            record(tag, what, std::chrono::duration_cast<std::chrono::nanoseconds>(end - intended),
                   std::chrono::duration_cast<std::chrono::nanoseconds>(end - start));
        }
        void record_dropped(tag_id tag, std::uint64_t n = 1) { slot(tag).dropped.add(n); }

    private:
        friend class recorder;
        explicit writer(registry& owner);

        detail::recorder_tag_slot& slot(tag_id tag) {
            if (tag.value < slots_.size() && slots_[tag.value]) [[likely]] {
                return *slots_[tag.value];
            }
            return add_slot(tag);
        }
        // Counts the outcome; false for a dropped operation (no latency).
        bool file(detail::recorder_tag_slot& s, const outcome& what) {
            switch (what.kind) {
            case outcome_kind::ok:
                s.ok.add(1);
                return true;
            case outcome_kind::timeout:
                s.timeouts.add(1);
                return true;
            case outcome_kind::dropped:
                s.dropped.add(1);
                return false;
            case outcome_kind::error:
                break;
            }
            s.errors.add(1);
            file_error(s, what.category.empty() ? std::string_view("error") : what.category, what.message);
            return true;
        }
        void file_error(detail::recorder_tag_slot& s, std::string_view category, std::string_view message) {
            std::uint32_t id = std::numeric_limits<std::uint32_t>::max();
            for (const auto& known : known_categories_) {
                if (known.first == category) {
                    id = known.second;
                    break;
                }
            }
            if (id == std::numeric_limits<std::uint32_t>::max()) {
                id = intern_category(category);
            }
            detail::recorder_category* c = id < s.categories.size() ? s.categories[id].get() : nullptr;
            if (c == nullptr) {
                c = &add_category(s, id);
            }
            c->count.add(1);
            if (message.empty()) {
                return;
            }
            const std::string_view text = detail::truncate_error_message(message);
            for (const auto& m : c->messages) {
                if (m->text == text) {
                    m->count.add(1);
                    return;
                }
            }
            if (c->messages.size() < max_error_messages) {
                add_message(*c, text);
            } else {
                c->other_messages.add(1);
            }
        }
        // The slow paths: they take the recorder's mutex (bodies in impl/recorder.ipp).
        detail::recorder_tag_slot& add_slot(tag_id tag);
        std::uint32_t intern_category(std::string_view category);
        detail::recorder_category& add_category(detail::recorder_tag_slot& s, std::uint32_t id);
        void add_message(detail::recorder_category& c, std::string_view text);

        registry* registry_;
        bool closed_;
        std::uint64_t owner_ = 0; // thread token; 0 while no thread holds this writer
        std::vector<std::unique_ptr<detail::recorder_tag_slot>> slots_; // by tag id; grows under the mutex
        std::vector<std::pair<std::string, std::uint32_t>> known_categories_; // this writer's lookup cache
    };

    // start: the run's time origin (the recorder never reads a clock). Throws
    // std::invalid_argument naming the field for interval <= 0, max_intervals < 2, warmup < 0 or
    // invalid histogram options.
    explicit recorder(time_point start, const options& opts = {});
    recorder(const recorder&) = delete;
    recorder& operator=(const recorder&) = delete;
    ~recorder();

    // Interns a tag name (the same name gives the same id). Locks and may allocate: call it once
    // per tag, outside the hot path.
    // The first call for a name fixes its kind.
    [[nodiscard]] tag_id tag(std::string_view name, tag_kind kind = tag_kind::operation);
    [[nodiscard]] std::string tag_name(tag_id id) const;

    // The calling thread's writer: a lock-free scan of a 4-entry thread_local cache after the
    // thread's first call (which locks, and adopts the writer of an exited thread or creates one).
    // So there are at most as many writers as threads alive at once, and what an exited thread
    // recorded stays. A coroutine that may resume on another thread calls local() again after.
    [[nodiscard]] writer& local() {
        for (const auto& slot : detail::shard_cache) {
            if (slot.owner == id_) {
                return *static_cast<writer*>(slot.shard);
            }
        }
        return local_slow();
    }

    // Closes the intervals that have ended by now; ends the warm-up when it is due.
    void tick(time_point now);
    // Ends the warm-up now (if it has not ended): what was recorded so far is warm-up.
    void end_warmup(time_point now);

    // Everything recorded so far, as a live result (reason stop_reason::running). Closes
    // intervals as tick(now) does; the interval in progress is reported as the last one.
    [[nodiscard]] run_result snapshot(time_point now) { return finish(now, stop_reason::running); }
    // The result at the end of a run; the recorder stays usable (later results include later records).
    [[nodiscard]] run_result finish(time_point now, stop_reason why = stop_reason::completed,
                                    std::string text = {});

    [[nodiscard]] time_point start() const noexcept { return start_; }
    // Moves the time origin, before anything was ticked, snapshot or finished: the run engine
    // interns its tags while it sets up, and starts the clock only once everything is ready (so
    // that the set-up is not charged to the first operations). Throws std::logic_error after.
    void restart(time_point start);
    [[nodiscard]] const options& config() const noexcept { return options_; }
    [[nodiscard]] std::size_t writer_count() const;
    // Bytes held: writers' slots, per-tag snapshots and series.
    [[nodiscard]] std::size_t memory_bytes() const;

private:
    static constexpr std::uint64_t no_owner = 0; // thread tokens start at 1

    // registry (shared with exiting threads, which may outlive the recorder) and tag_state are
    // defined in impl/recorder.ipp: only the slow paths and the snapshot side touch them.
    struct tag_state;

    static const options& validate(const options& opts);

    std::chrono::nanoseconds offset_of(time_point now) const noexcept {
        const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_);
        return d < std::chrono::nanoseconds::zero() ? std::chrono::nanoseconds::zero() : d;
    }

    writer& local_slow();
    void collect(std::size_t tag, op_stats& out, bool with_errors) const;
    interval_stats difference(const op_stats& now, const op_stats& before);
    void tick_locked(std::chrono::nanoseconds at);
    void take_warmup(std::chrono::nanoseconds at);

    time_point start_;
    const options options_;
    const std::uint64_t id_ = detail::next_sharded_histogram_id(); // shares sharded_histogram's id space
    std::shared_ptr<registry> registry_;
    // Guarded by registry_->mutex:
    std::vector<std::unique_ptr<tag_state>> tags_;
    std::uint64_t closed_ = 0; // grid intervals closed so far
    bool warmup_ended_ = false;
    std::chrono::nanoseconds warmup_length_{};
    op_stats scratch_;
    histogram delta_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/recorder.ipp>
#endif

#endif // LOADKIT_RECORDER_HPP
