// SPDX-License-Identifier: MIT
//
// What one recording thread owns inside a loadkit::recorder (recorder.hpp): per tag, outcome
// counters, latency histograms and error samples. One thread writes them with relaxed load + store
// (no read-modify-write, no lock), any thread may read them: the single-writer scheme of
// sharded_histogram.hpp, here with counters and error samples next to the histogram. The cold
// member bodies are in impl/recorder.ipp.
#ifndef LOADKIT_DETAIL_RECORDER_SHARD_HPP
#define LOADKIT_DETAIL_RECORDER_SHARD_HPP

#include <loadkit/config.hpp>
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
inline namespace v0_1 {
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
    explicit single_writer_histogram(const histogram_layout& layout);

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
    void add_to(histogram& out) const;

    [[nodiscard]] std::size_t memory_bytes() const noexcept;

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

    recorder_tag_slot(const histogram_layout& layout, bool open);

    [[nodiscard]] std::size_t memory_bytes() const noexcept;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_RECORDER_SHARD_HPP
