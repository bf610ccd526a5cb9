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
#include <loadkit/histogram.hpp>
#include <loadkit/result.hpp>
#include <loadkit/sharded_histogram.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

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
        explicit writer(registry& owner) : registry_(&owner), closed_(!owner.open) {}

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
                id = registry_->intern_category(category, known_categories_);
            }
            detail::recorder_category* c = id < s.categories.size() ? s.categories[id].get() : nullptr;
            if (c == nullptr) {
                c = &registry_->add_category(s, id);
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
                registry_->add_message(*c, text);
            } else {
                c->other_messages.add(1);
            }
        }
        detail::recorder_tag_slot& add_slot(tag_id tag);

        registry* registry_;
        bool closed_;
        std::uint64_t owner_ = 0; // thread token; 0 while no thread holds this writer
        std::vector<std::unique_ptr<detail::recorder_tag_slot>> slots_; // by tag id; grows under the mutex
        std::vector<std::pair<std::string, std::uint32_t>> known_categories_; // this writer's lookup cache
    };

    // start: the run's time origin (the recorder never reads a clock). Throws
    // std::invalid_argument naming the field for interval <= 0, max_intervals < 2, warmup < 0 or
    // invalid histogram options.
    explicit recorder(time_point start, const options& opts = {})
        : start_(start), options_(validate(opts)),
          registry_(
              std::make_shared<registry>(detail::make_histogram_layout(opts.histograms.significant_digits,
                                                                       opts.histograms.max_relative_error,
                                                                       opts.histograms.highest.count()),
                                         opts.model == latency_model::open)),
          scratch_(opts.histograms, opts.model), delta_(opts.histograms) {}
    recorder(const recorder&) = delete;
    recorder& operator=(const recorder&) = delete;
    ~recorder() = default;

    // Interns a tag name (the same name gives the same id). Locks and may allocate: call it once
    // per tag, outside the hot path.
    // The first call for a name fixes its kind.
    [[nodiscard]] tag_id tag(std::string_view name, tag_kind kind = tag_kind::operation) {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        for (std::size_t i = 0; i < tags_.size(); ++i) {
            if (tags_[i]->name == name) {
                return tag_id{static_cast<std::uint32_t>(i)};
            }
        }
        auto state = std::make_unique<tag_state>(std::string(name), options_);
        state->kind = kind;
        tags_.push_back(std::move(state));
        registry_->tag_count = tags_.size();
        return tag_id{static_cast<std::uint32_t>(tags_.size() - 1)};
    }
    [[nodiscard]] std::string tag_name(tag_id id) const {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        return id.value < tags_.size() ? tags_[id.value]->name : std::string();
    }

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
    void tick(time_point now) {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        tick_locked(offset_of(now));
    }
    // Ends the warm-up now (if it has not ended): what was recorded so far is warm-up.
    void end_warmup(time_point now) {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        const auto at = offset_of(now);
        tick_locked(at);
        if (!warmup_ended_) {
            take_warmup(at);
        }
    }

    // Everything recorded so far, as a live result (reason stop_reason::running). Closes
    // intervals as tick(now) does; the interval in progress is reported as the last one.
    [[nodiscard]] run_result snapshot(time_point now) { return finish(now, stop_reason::running); }
    // The result at the end of a run; the recorder stays usable (later results include later records).
    [[nodiscard]] run_result finish(time_point now, stop_reason why = stop_reason::completed,
                                    std::string text = {});

    [[nodiscard]] time_point start() const noexcept { return start_; }
    [[nodiscard]] const options& config() const noexcept { return options_; }
    [[nodiscard]] std::size_t writer_count() const {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        return registry_->writers.size();
    }
    // Bytes held: writers' slots, per-tag snapshots and series.
    [[nodiscard]] std::size_t memory_bytes() const;

private:
    static constexpr std::uint64_t no_owner = 0; // thread tokens start at 1

    // Shared with exiting threads (weak_ptr, detail::thread_shards), which may outlive the recorder.
    struct registry final : detail::shard_registry_base {
        std::mutex mutex; // registration, slow paths and snapshots; never the hot path
        const detail::histogram_layout layout;
        const bool open;
        std::size_t tag_count = 0;
        std::vector<std::unique_ptr<writer>> writers;
        std::vector<std::string> categories; // by category id

        registry(const detail::histogram_layout& l, bool is_open) : layout(l), open(is_open) {}

        void release(std::uint64_t owner) noexcept override {
            const std::lock_guard<std::mutex> lock(mutex);
            for (auto& w : writers) {
                if (w->owner_ == owner) {
                    w->owner_ = no_owner;
                }
            }
        }
        // A new distinct category: the first max_error_categories names get their own id, later
        // ones share other_error_category's.
        std::uint32_t intern_category(std::string_view name,
                                      std::vector<std::pair<std::string, std::uint32_t>>& cache) {
            const std::lock_guard<std::mutex> lock(mutex);
            std::uint32_t id = find(name);
            if (id == std::numeric_limits<std::uint32_t>::max()) {
                if (categories.size() < max_error_categories) {
                    categories.emplace_back(name);
                    id = static_cast<std::uint32_t>(categories.size() - 1);
                } else {
                    id = find(other_error_category);
                    if (id == std::numeric_limits<std::uint32_t>::max()) {
                        categories.emplace_back(other_error_category);
                        id = static_cast<std::uint32_t>(categories.size() - 1);
                    }
                }
            }
            if (cache.size() < 2 * max_error_categories) { // bounded: a flood of names takes this path
                cache.emplace_back(std::string(name), id);
            }
            return id;
        }
        std::uint32_t find(std::string_view name) const noexcept {
            for (std::size_t i = 0; i < categories.size(); ++i) {
                if (categories[i] == name) {
                    return static_cast<std::uint32_t>(i);
                }
            }
            return std::numeric_limits<std::uint32_t>::max();
        }
        detail::recorder_category& add_category(detail::recorder_tag_slot& s, std::uint32_t id) {
            auto c = std::make_unique<detail::recorder_category>();
            const std::lock_guard<std::mutex> lock(mutex);
            if (s.categories.size() <= id) {
                s.categories.resize(id + 1);
            }
            s.categories[id] = std::move(c);
            return *s.categories[id];
        }
        void add_message(detail::recorder_category& c, std::string_view text) {
            auto m = std::make_unique<detail::recorder_message>();
            m->text.assign(text);
            m->count.add(1);
            const std::lock_guard<std::mutex> lock(mutex);
            c.messages.push_back(std::move(m));
        }
    };

    struct tag_state {
        std::string name;
        tag_kind kind = tag_kind::operation;
        op_stats previous;              // cumulative at the last closed interval
        std::optional<op_stats> warmup; // cumulative when the warm-up ended
        interval_series series;

        tag_state(std::string tag_name, const options& opts)
            : name(std::move(tag_name)),
              previous(opts.histograms, opts.model), series{opts.interval, opts.max_intervals, {}} {}
    };

    static const options& validate(const options& opts) {
        if (opts.interval <= std::chrono::nanoseconds::zero()) {
            throw std::invalid_argument(
                "loadkit::recorder_options: interval = " + std::to_string(opts.interval.count()) +
                "ns is invalid (expected > 0)");
        }
        if (opts.max_intervals < 2) {
            throw std::invalid_argument("loadkit::recorder_options: max_intervals = " +
                                        std::to_string(opts.max_intervals) + " is invalid (expected >= 2)");
        }
        if (opts.warmup < std::chrono::nanoseconds::zero()) {
            throw std::invalid_argument(
                "loadkit::recorder_options: warmup = " + std::to_string(opts.warmup.count()) +
                "ns is invalid (expected >= 0)");
        }
        return opts;
    }

    std::chrono::nanoseconds offset_of(time_point now) const noexcept {
        const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_);
        return d < std::chrono::nanoseconds::zero() ? std::chrono::nanoseconds::zero() : d;
    }

    writer& local_slow();
    void collect(std::size_t tag, op_stats& out, bool with_errors) const;
    interval_stats difference(const op_stats& now, const op_stats& before);
    void tick_locked(std::chrono::nanoseconds at);
    void take_warmup(std::chrono::nanoseconds at);

    const time_point start_;
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

} // namespace v0
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/recorder.ipp>
#endif

#endif // LOADKIT_RECORDER_HPP
