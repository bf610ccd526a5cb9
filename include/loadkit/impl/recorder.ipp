// SPDX-License-Identifier: MIT
//
// loadkit::recorder's snapshot side (declared in recorder.hpp): merging the writers' shards into
// cumulative op_stats, closing intervals, splitting warm-up from steady state, building results.
// The body of recorder.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_RECORDER_IPP
#define LOADKIT_IMPL_RECORDER_IPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {
namespace detail {

// in with min()/max() moved to its first/last counters' edges: after a subtraction the exact
// extremes are unknown, and edges depend only on the counts, so results merge exactly.
inline void to_counter_edges(const histogram& in, histogram& out) {
    out.reset();
    if (in.empty()) {
        return;
    }
    std::uint64_t low_clamped = in.clamped_low_count();
    std::uint64_t high_clamped = in.clamped_high_count();
    const auto top = in.highest();
    std::chrono::nanoseconds last_lowest{};
    in.for_each_bucket([&](const histogram_bucket& b) { last_lowest = b.lowest; });
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
        if (b.lowest == last_lowest && n > 0) {
            out.record(b.highest < top ? b.highest : top);
            --n;
        }
        out.record(b.lowest, n);
    });
}

} // namespace detail

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
    for (std::size_t t = 0; t < tags_.size(); ++t) {
        const tag_state& state = *tags_[t];
        collect(t, cumulative, true);
        tag_result tr(state.name, options_.histograms, options_.model);
        tr.intervals = state.series;
        const interval_stats partial = difference(cumulative, state.previous);
        if (!partial.empty() || at > partial_start || tr.intervals.empty()) {
            tr.intervals.add(partial_start, partial);
        }
        if (warmup_ended_) {
            op_stats w = state.warmup ? *state.warmup : op_stats(options_.histograms, options_.model);
            op_stats steady = cumulative;
            steady -= w;
            detail::to_counter_edges(steady.latency, delta_);
            std::swap(steady.latency, delta_);
            if (steady.service_time) {
                detail::to_counter_edges(*steady.service_time, delta_);
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
    r.overall.duration = steady_length;
    if (r.overall.warmup) {
        r.overall.warmup->duration = r.warmup;
    }
    detail::small_sort(r.tags, [](const tag_result& a, const tag_result& b) { return a.name < b.name; });
    return r;
}

LOADKIT_DECL std::size_t recorder::memory_bytes() const {
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
        for (const auto& i : t->series.intervals) {
            bytes += sizeof(i) + i.latency.memory_bytes() - sizeof(i.latency);
        }
    }
    return bytes;
}

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_IMPL_RECORDER_IPP
