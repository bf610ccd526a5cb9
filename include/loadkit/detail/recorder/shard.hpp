// SPDX-License-Identifier: MIT
//
// What one recording thread owns inside a loadkit::recorder (recorder.hpp): per tag, outcome
// counters, latency histograms and error samples. One thread writes them with relaxed load + store
// (no read-modify-write, no lock), any thread may read them: the single-writer scheme of
// sharded_histogram.hpp, here with counters and error samples next to the histogram.
#ifndef LOADKIT_DETAIL_RECORDER_SHARD_HPP
#define LOADKIT_DETAIL_RECORDER_SHARD_HPP

#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/version.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0 {
namespace detail {

// Written by one thread, read by any: a relaxed load and store compile to a plain increment.
class single_writer_counter {
public:
    void add(std::uint64_t n) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

// histogram's recording half for one writer thread; add_to() folds it into a loadkit::histogram
// through histogram's public record(), keeping every counter, the clamped counts and the exact
// min/max. Readers may run concurrently: each counter only grows, so a later read never sees less
// than an earlier one, which is what histogram::operator-= needs for interval differences.
class single_writer_histogram {
public:
    explicit single_writer_histogram(const histogram_layout& layout)
        : layout_(layout), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(layout.counts_len)) {
        for (std::size_t i = 0; i < layout_.counts_len; ++i) {
            counts_[i].store(0, std::memory_order_relaxed);
        }
    }

    void record(std::int64_t value_ns) noexcept {
        auto value = static_cast<std::uint64_t>(value_ns);
        if (value > layout_.highest) [[unlikely]] {
            if (value_ns < 0) {
                bump(clamped_low_);
                value = 0;
            } else {
                bump(clamped_high_);
                value = layout_.highest;
            }
        }
        bump(counts_[layout_.index_of(value)]);
        if (value < min_.load(std::memory_order_relaxed)) {
            min_.store(value, std::memory_order_relaxed);
        }
        if (value > max_.load(std::memory_order_relaxed)) {
            max_.store(value, std::memory_order_relaxed);
        }
    }

    // out += this. Scans only [min, max] as read first: a value recorded meanwhile outside it shows
    // up in the next snapshot (counts never go backwards, the order of snapshots is kept).
    void add_to(histogram& out) const {
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

    [[nodiscard]] std::size_t memory_bytes() const noexcept {
        return sizeof(*this) + layout_.counts_len * sizeof(std::uint64_t);
    }

private:
    static void bump(std::atomic<std::uint64_t>& counter) noexcept {
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    histogram_layout layout_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<std::uint64_t> min_{std::numeric_limits<std::uint64_t>::max()};
    std::atomic<std::uint64_t> max_{0};
    std::atomic<std::uint64_t> clamped_low_{0};
    std::atomic<std::uint64_t> clamped_high_{0};
};

// A message's text never changes after it is published (under the recorder's mutex), so the
// owner compares against it and readers copy it without synchronizing on the text itself.
struct recorder_message {
    std::string text;
    single_writer_counter count;
};

struct recorder_category {
    single_writer_counter count;
    single_writer_counter other_messages;
    std::vector<std::unique_ptr<recorder_message>> messages; // grows under the recorder's mutex
};

// Cache-line aligned: slots of different threads never share a line.
struct alignas(64) recorder_tag_slot {
    single_writer_counter ok;
    single_writer_counter errors;
    single_writer_counter timeouts;
    single_writer_counter dropped;
    single_writer_histogram latency;
    std::unique_ptr<single_writer_histogram> service;           // open model only
    std::vector<std::unique_ptr<recorder_category>> categories; // by category id; grows under the mutex

    recorder_tag_slot(const histogram_layout& layout, bool open)
        : latency(layout), service(open ? std::make_unique<single_writer_histogram>(layout) : nullptr) {}

    [[nodiscard]] std::size_t memory_bytes() const noexcept {
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
};

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_RECORDER_SHARD_HPP
