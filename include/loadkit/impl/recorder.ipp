// SPDX-License-Identifier: MIT
//
// loadkit::recorder's snapshot side (declared in recorder.hpp): merging the writers' shards into
// cumulative op_stats, closing intervals, splitting warm-up from steady state, building results.
// The body of recorder.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_RECORDER_IPP
#define LOADKIT_IMPL_RECORDER_IPP

#include <loadkit/detail/recorder/errors.hpp>
#include <loadkit/detail/recorder/shard.hpp>
#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/error_category.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/interval_series.hpp>
#include <loadkit/result.hpp>
#include <loadkit/sharded_histogram.hpp>

#include <algorithm>
#include <atomic>
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
inline namespace v0_1 {
namespace detail {

// in with min()/max() moved to its first/last counters' midpoints: after a subtraction the exact
// extremes are unknown; midpoints are within max_relative_error() of whichever values the counters
// hold (edges could be twice that away) and depend only on the counts, so results merge exactly.
inline void to_counter_midpoints(const histogram& in, histogram& out) {
    out.reset();
    if (in.empty()) {
        return;
    }
    std::uint64_t low_clamped = in.clamped_low_count();
    std::uint64_t high_clamped = in.clamped_high_count();
    const auto top = in.highest();
    in.for_each_bucket([&](const histogram_bucket& b) {
        std::uint64_t n = b.count;
        if (low_clamped > 0 && b.lowest.count() == 0) {
            const std::uint64_t k = low_clamped < n ? low_clamped : n;
            out.record(-1, k);
            n -= k;
            low_clamped = 0;
        }
        if (high_clamped > 0 && b.highest >= top) {
            const std::uint64_t k = high_clamped < n ? high_clamped : n;
            out.record(std::numeric_limits<std::int64_t>::max(), k);
            n -= k;
            high_clamped = 0;
        }
        const auto mid = b.lowest + (b.highest - b.lowest + std::chrono::nanoseconds{1}) / 2;
        out.record(mid < top ? mid : top, n);
    });
}

LOADKIT_DECL single_writer_histogram::single_writer_histogram(const histogram_layout& layout)
    : layout_(layout), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(layout.counts_len)) {
    for (std::size_t i = 0; i < layout_.counts_len; ++i) {
        counts_[i].store(0, std::memory_order_relaxed);
    }
}

LOADKIT_DECL void single_writer_histogram::add_to(histogram& out) const {
    std::uint64_t lo = min_.load(std::memory_order_relaxed);
    std::uint64_t hi = max_.load(std::memory_order_relaxed);
    if (lo > hi) {
        return; // nothing recorded yet
    }
    const std::size_t first_index = layout_.index_of(lo);
    const std::size_t last_index = layout_.index_of(hi);
    std::uint64_t low_clamped = clamped_low_.load(std::memory_order_relaxed);
    std::uint64_t high_clamped = clamped_high_.load(std::memory_order_relaxed);
    bool first = true;
    std::size_t last_nonzero = first_index;
    for (std::size_t i = first_index; i <= last_index; ++i) {
        last_nonzero = counts_[i].load(std::memory_order_relaxed) != 0 ? i : last_nonzero;
    }
    for (std::size_t i = first_index; i <= last_nonzero; ++i) {
        std::uint64_t c = counts_[i].load(std::memory_order_relaxed);
        if (c == 0) {
            continue;
        }
        if (i == 0 && low_clamped > 0) { // recorded as 0 and counted as clamped
            const std::uint64_t n = low_clamped < c ? low_clamped : c;
            out.record(-1, n);
            c -= n;
            low_clamped = 0;
        }
        if (i == layout_.counts_len - 1 && high_clamped > 0) {
            const std::uint64_t n = high_clamped < c ? high_clamped : c;
            out.record(std::numeric_limits<std::int64_t>::max(), n);
            c -= n;
            high_clamped = 0;
        }
        // A concurrent record may have stored its counter but not yet min/max: keep both in
        // the counters that hold them.
        const std::uint64_t lowest = layout_.lowest_of(i);
        const std::uint64_t highest = layout_.highest_of(i);
        const auto low = static_cast<std::int64_t>(lo < lowest ? lowest : (lo > highest ? highest : lo));
        const auto high = static_cast<std::int64_t>(hi < lowest ? lowest : (hi > highest ? highest : hi));
        if (first && i == last_nonzero && c > 1) {
            out.record(low);
            out.record(high, c - 1);
        } else {
            out.record(first ? low : (i == last_nonzero ? high : static_cast<std::int64_t>(lowest)), c);
        }
        first = false;
    }
}

LOADKIT_DECL std::size_t single_writer_histogram::memory_bytes() const noexcept {
    return sizeof(*this) + layout_.counts_len * sizeof(std::uint64_t);
}

LOADKIT_DECL recorder_tag_slot::recorder_tag_slot(const histogram_layout& layout, bool open)
    : latency(layout), service(open ? std::make_unique<single_writer_histogram>(layout) : nullptr) {}

LOADKIT_DECL std::size_t recorder_tag_slot::memory_bytes() const noexcept {
    std::size_t bytes = sizeof(*this) + latency.memory_bytes() + (service ? service->memory_bytes() : 0);
    for (const auto& c : categories) {
        bytes += sizeof(c) + (c ? sizeof(recorder_category) : 0);
        if (c) {
            for (const auto& m : c->messages) {
                bytes += sizeof(recorder_message) + m->text.capacity();
            }
        }
    }
    return bytes;
}

} // namespace detail

// Shared with exiting threads (weak_ptr, detail::thread_shards), which may outlive the recorder.
struct recorder::registry final : detail::shard_registry_base {
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

struct recorder::tag_state {
    std::string name;
    tag_kind kind = tag_kind::operation;
    op_stats previous;              // cumulative at the last closed interval
    std::optional<op_stats> warmup; // cumulative when the warm-up ended
    interval_series series;

    tag_state(std::string tag_name, const options& opts)
        : name(std::move(tag_name)),
          previous(opts.histograms, opts.model), series{opts.interval, opts.max_intervals, {}} {}
};

LOADKIT_DECL recorder::writer::writer(registry& owner) : registry_(&owner), closed_(!owner.open) {}

LOADKIT_DECL std::uint32_t recorder::writer::intern_category(std::string_view category) {
    return registry_->intern_category(category, known_categories_);
}

LOADKIT_DECL detail::recorder_category& recorder::writer::add_category(detail::recorder_tag_slot& s,
                                                                       std::uint32_t id) {
    return registry_->add_category(s, id);
}

LOADKIT_DECL void recorder::writer::add_message(detail::recorder_category& c, std::string_view text) {
    registry_->add_message(c, text);
}

LOADKIT_DECL recorder::recorder(time_point start, const options& opts)
    : start_(start), options_(validate(opts)),
      registry_(std::make_shared<registry>(detail::make_histogram_layout(opts.histograms.significant_digits,
                                                                         opts.histograms.max_relative_error,
                                                                         opts.histograms.highest.count()),
                                           opts.model == latency_model::open)),
      scratch_(opts.histograms, opts.model), delta_(opts.histograms) {}

LOADKIT_DECL recorder::~recorder() = default;

LOADKIT_DECL void recorder::restart(time_point start) {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    if (closed_ != 0 || warmup_ended_) {
        throw std::logic_error("loadkit::recorder::restart: the recorder has already closed an interval");
    }
    start_ = start;
}

LOADKIT_DECL tag_id recorder::tag(std::string_view name, tag_kind kind) {
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

LOADKIT_DECL std::string recorder::tag_name(tag_id id) const {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    return id.value < tags_.size() ? tags_[id.value]->name : std::string();
}

LOADKIT_DECL void recorder::tick(time_point now) {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    tick_locked(offset_of(now));
}

LOADKIT_DECL void recorder::end_warmup(time_point now) {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    const auto at = offset_of(now);
    tick_locked(at);
    if (!warmup_ended_) {
        take_warmup(at);
    }
}

LOADKIT_DECL std::size_t recorder::writer_count() const {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    return registry_->writers.size();
}

LOADKIT_DECL const recorder::options& recorder::validate(const options& opts) {
    if (opts.interval <= std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument("loadkit::recorder_options: interval = " +
                                    std::to_string(opts.interval.count()) + "ns is invalid (expected > 0)");
    }
    if (opts.max_intervals < 2) {
        throw std::invalid_argument("loadkit::recorder_options: max_intervals = " +
                                    std::to_string(opts.max_intervals) + " is invalid (expected >= 2)");
    }
    if (opts.warmup < std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument("loadkit::recorder_options: warmup = " +
                                    std::to_string(opts.warmup.count()) + "ns is invalid (expected >= 0)");
    }
    return opts;
}

LOADKIT_DECL detail::recorder_tag_slot& recorder::writer::add_slot(tag_id tag) {
    std::unique_ptr<detail::recorder_tag_slot> made;
    {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        if (tag.value >= registry_->tag_count) {
            throw std::invalid_argument("loadkit::recorder::writer::record: tag id " +
                                        std::to_string(tag.value) + " was not made by this recorder's tag()");
        }
    }
    made =
        std::make_unique<detail::recorder_tag_slot>(registry_->layout, registry_->open); // outside the lock
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    if (slots_.size() < registry_->tag_count) {
        slots_.resize(registry_->tag_count);
    }
    slots_[tag.value] = std::move(made);
    return *slots_[tag.value];
}

LOADKIT_DECL recorder::writer& recorder::local_slow() {
    const std::uint64_t me = detail::this_thread_token();
    writer* found = nullptr;
    bool adopted = false;
    {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        writer* orphan = nullptr;
        for (auto& w : registry_->writers) { // evicted from the cache, or this thread's first call
            if (w->owner_ == me) {
                found = w.get();
                break;
            }
            if (w->owner_ == no_owner && orphan == nullptr) {
                orphan = w.get();
            }
        }
        if (found == nullptr) {
            if (orphan == nullptr) {
                registry_->writers.push_back(std::unique_ptr<writer>(new writer(*registry_)));
                orphan = registry_->writers.back().get();
            }
            orphan->owner_ = me;
            found = orphan;
            adopted = true;
        }
    }
    if (adopted) {
        detail::thread_shards.add(registry_);
    }
    detail::shard_cache[detail::shard_cache_next] = {id_, found};
    detail::shard_cache_next = (detail::shard_cache_next + 1) % detail::shard_cache_size;
    return *found;
}

// out = the sum of every writer's slot for tag (mutex held).
LOADKIT_DECL void recorder::collect(std::size_t tag, op_stats& out, bool with_errors) const {
    out.ok = out.errors = out.timeouts = out.dropped = 0;
    out.error_categories.clear();
    out.latency.reset();
    if (out.service_time) {
        out.service_time->reset();
    }
    for (const auto& w : registry_->writers) {
        if (tag >= w->slots_.size() || !w->slots_[tag]) {
            continue;
        }
        const detail::recorder_tag_slot& s = *w->slots_[tag];
        out.ok += s.ok.get();
        out.errors += s.errors.get();
        out.timeouts += s.timeouts.get();
        out.dropped += s.dropped.get();
        s.latency.add_to(out.latency);
        if (s.service && out.service_time) {
            s.service->add_to(*out.service_time);
        }
        if (!with_errors) {
            continue;
        }
        for (std::size_t id = 0; id < s.categories.size(); ++id) {
            if (!s.categories[id]) {
                continue;
            }
            const detail::recorder_category& c = *s.categories[id];
            error_category& into =
                detail::find_or_add_category(out.error_categories, registry_->categories[id]);
            into.count += c.count.get();
            into.other_messages += c.other_messages.get();
            for (const auto& m : c.messages) {
                detail::add_error_message(into, m->text, m->count.get());
            }
        }
    }
    if (with_errors) {
        detail::normalize_error_categories(out.error_categories);
    }
}

LOADKIT_DECL interval_stats recorder::difference(const op_stats& now, const op_stats& before) {
    const auto minus = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
    interval_stats s;
    s.ok = minus(now.ok, before.ok);
    s.errors = minus(now.errors, before.errors);
    s.timeouts = minus(now.timeouts, before.timeouts);
    s.dropped = minus(now.dropped, before.dropped);
    delta_ = now.latency; // same configuration: reuses delta_'s storage
    delta_ -= before.latency;
    s.latency.add(delta_);
    return s;
}

LOADKIT_DECL void recorder::tick_locked(std::chrono::nanoseconds at) {
    const auto grid = static_cast<std::uint64_t>(at / options_.interval);
    const bool warmup_due =
        !warmup_ended_ && options_.warmup > std::chrono::nanoseconds::zero() && at >= options_.warmup;
    if (grid > closed_) {
        const auto last = options_.interval * static_cast<std::int64_t>(grid - 1);
        for (std::size_t t = 0; t < tags_.size(); ++t) {
            collect(t, scratch_, false);
            tags_[t]->series.add(last, difference(scratch_, tags_[t]->previous));
            tags_[t]->previous.swap(scratch_);
        }
        closed_ = grid;
    }
    if (warmup_due) {
        take_warmup(at);
    }
}

LOADKIT_DECL void recorder::take_warmup(std::chrono::nanoseconds at) {
    for (std::size_t t = 0; t < tags_.size(); ++t) {
        op_stats w(options_.histograms, options_.model);
        collect(t, w, true);
        tags_[t]->warmup = std::move(w);
    }
    warmup_ended_ = true;
    warmup_length_ = at;
}

LOADKIT_DECL run_result recorder::finish(time_point now, stop_reason why, std::string text) {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    const auto at = offset_of(now);
    tick_locked(at);
    run_result r;
    r.model = options_.model;
    r.reason = why;
    r.reason_text = std::move(text);
    r.duration = at;
    const bool warming = !warmup_ended_ && options_.warmup > std::chrono::nanoseconds::zero();
    r.warmup = warmup_ended_ ? warmup_length_ : (warming ? at : std::chrono::nanoseconds::zero());
    const auto steady_length = r.duration - r.warmup;
    const auto partial_start = options_.interval * static_cast<std::int64_t>(closed_);
    r.overall = tag_result({}, options_.histograms, options_.model);
    r.overall.intervals = interval_series{options_.interval, options_.max_intervals, {}};
    op_stats cumulative(options_.histograms, options_.model);
    bool tail_used = false;              // some tag has operations after the last grid point
    std::vector<std::size_t> tail_empty; // tags with none there (indexes into r.tags)
    for (std::size_t t = 0; t < tags_.size(); ++t) {
        const tag_state& state = *tags_[t];
        collect(t, cumulative, true);
        tag_result tr(state.name, options_.histograms, options_.model);
        tr.intervals = state.series;
        const interval_stats partial = difference(cumulative, state.previous);
        // A live snapshot keeps the interval in progress even while it is empty (it is the one a
        // progress view skips). A finished run drops the stub after its last grid point when no tag
        // has anything in it: it would read as a final interval of throughput 0.
        const bool live = why == stop_reason::running && at > partial_start;
        if (!partial.empty() || live || tr.intervals.empty()) {
            tr.intervals.add(partial_start, partial);
            tail_used = tail_used || !partial.empty();
        } else if (at > partial_start) {
            tail_empty.push_back(r.tags.size());
        }
        if (warmup_ended_) {
            op_stats w = state.warmup ? *state.warmup : op_stats(options_.histograms, options_.model);
            op_stats steady = cumulative;
            steady -= w;
            detail::to_counter_midpoints(steady.latency, delta_);
            std::swap(steady.latency, delta_);
            if (steady.service_time) {
                detail::to_counter_midpoints(*steady.service_time, delta_);
                std::swap(*steady.service_time, delta_);
            }
            w.duration = r.warmup;
            tr.warmup = std::move(w);
            static_cast<op_stats&>(tr) = std::move(steady);
        } else if (warming) {
            cumulative.duration = r.warmup;
            tr.warmup = cumulative; // everything so far is warm-up; the steady state is empty
        } else {
            static_cast<op_stats&>(tr) = cumulative;
        }
        tr.duration = steady_length;
        if (state.kind == tag_kind::operation) {
            r.overall += tr;
        }
        r.tags.push_back(std::move(tr));
    }
    if (tail_used) { // the series stay aligned: a tag idle in the stub has it, empty
        for (const std::size_t t : tail_empty) {
            r.tags[t].intervals.add(partial_start, interval_stats{});
        }
    }
    r.overall.duration = steady_length;
    if (r.overall.warmup) {
        r.overall.warmup->duration = r.warmup;
    }
    detail::small_sort(r.tags, [](const tag_result& a, const tag_result& b) { return a.name < b.name; });
    return r;
}

namespace detail {
// A heap block of n bytes as glibc's malloc accounts it: n + 8 rounded up to 16, at least 32.
inline std::size_t heap_block(std::size_t n) noexcept {
    return n == 0 ? 0 : std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
}
} // namespace detail

LOADKIT_DECL std::size_t recorder::memory_bytes() const {
    using detail::heap_block;
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    std::size_t bytes =
        sizeof(recorder) + sizeof(registry) + scratch_.latency.memory_bytes() + delta_.memory_bytes();
    for (const auto& w : registry_->writers) {
        bytes += sizeof(writer) + w->slots_.capacity() * sizeof(w->slots_[0]);
        for (const auto& s : w->slots_) {
            bytes += s ? s->memory_bytes() : 0;
        }
    }
    for (const auto& t : tags_) {
        bytes += sizeof(tag_state) + t->previous.latency.memory_bytes() +
                 (t->previous.service_time ? t->previous.service_time->memory_bytes() : 0) +
                 (t->warmup ? t->warmup->latency.memory_bytes() : 0);
        // The leak check subtracts this from the heap's count, so the series count as the
        // allocator does: capacities (a vector's doubling included), each block rounded as glibc
        // rounds it. Undercounting by a few bytes per interval reads as a slow leak in a soak.
        bytes += heap_block(t->series.intervals.capacity() * sizeof(interval_stats));
        for (const auto& i : t->series.intervals) {
            bytes += heap_block(i.latency.memory_bytes() - sizeof(i.latency));
        }
    }
    return bytes;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_RECORDER_IPP
