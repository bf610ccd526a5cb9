// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::sharded_histogram — record latencies from many threads without locks or contended
// atomics: each thread writes its own shard (a histogram whose counters only that thread changes),
// and snapshot() merges the shards into a loadkit::histogram at any time.
//
//   loadkit::sharded_histogram latencies{{.significant_digits = 3}};
//   // on each worker thread:
//   auto& shard = latencies.local();           // this thread's shard; keep it for the loop
//   shard.record(elapsed);                     // relaxed load + store: no lock, no lock prefix
//   // on a reporter thread, while workers run:
//   loadkit::histogram now = latencies.snapshot();
//
// Why not one histogram with atomic increments: a locked read-modify-write per counter costs more
// than the whole plain record (HdrHistogram_c: 11.0 ns atomic vs 2.6 ns plain, research notes 1.2;
// bench/histogram.cpp measures a single fetch_add per record here), and threads sharing counters also
// share their cache lines. A single writer needs no read-modify-write: a relaxed load and store
// compile to the same mov/add/mov as a plain increment, yet make concurrent snapshots data-race-free.
// (HdrHistogram's SingleWriterRecorder also relies on one writer, but swaps interval histograms
// under a WriterReaderPhaser; our snapshots are cumulative, so nothing is swapped under a writer,
// and an interval is the difference of two snapshots: histogram::operator-=.)
#ifndef LOADKIT_SHARDED_HISTOGRAM_HPP
#define LOADKIT_SHARDED_HISTOGRAM_HPP

#include <loadkit/config.hpp>
#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/version.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// Tokens are never reused (unlike std::thread::id and object addresses), so a per-thread cache entry
// can never match a later thread or a later sharded_histogram at the same address.
inline std::uint64_t this_thread_token() noexcept {
    static std::atomic<std::uint64_t> next{0};
    thread_local const std::uint64_t token = next.fetch_add(1, std::memory_order_relaxed) + 1;
    return token;
}
inline std::uint64_t next_sharded_histogram_id() noexcept {
    static std::atomic<std::uint64_t> next{0};
    return next.fetch_add(1, std::memory_order_relaxed) + 1;
}

// A sharded_histogram's shard table as seen from a thread that is exiting.
class shard_registry_base {
public:
    virtual void release(std::uint64_t owner) noexcept = 0;

protected:
    ~shard_registry_base() = default;
};

// Per thread: the tables holding one of this thread's shards, told when the thread exits so the
// shard (counts kept) passes to the next new thread. Without it, a pool that replaces its threads
// would add a shard per thread ever seen: unbounded memory in a soak test.
struct thread_shard_release {
    std::uint64_t token = this_thread_token();
    std::vector<std::weak_ptr<shard_registry_base>> registries;

    thread_shard_release() = default;
    thread_shard_release(const thread_shard_release&) = delete;
    thread_shard_release& operator=(const thread_shard_release&) = delete;
    ~thread_shard_release();
    void add(std::weak_ptr<shard_registry_base> registry);
};
inline thread_local thread_shard_release thread_shards;

struct shard_cache_slot {
    std::uint64_t owner = 0; // sharded_histogram id
    void* shard = nullptr;
};
// Per thread: the last few (histogram, shard) pairs, so local() is a short scan with no lock.
inline constexpr std::size_t shard_cache_size = 4;
inline thread_local shard_cache_slot shard_cache[shard_cache_size]{};
inline thread_local std::size_t shard_cache_next = 0;

} // namespace detail

class sharded_histogram {
public:
    using options = histogram_options;

    // One thread's part. Only the thread that obtained it from local() may record into it; snapshot()
    // may read it from any thread at any time. Every shared word is a std::atomic that one thread
    // writes with relaxed load + store, which is why concurrent snapshots are free of data races.
    class alignas(64) shard {
    public:
        shard(const shard&) = delete;
        shard& operator=(const shard&) = delete;
        ~shard() = default;

        // Same semantics as histogram::record (clamping included); O(1), no allocation, no lock.
        void record(std::int64_t value_ns, std::uint64_t count = 1) noexcept {
            if (count == 0) {
                return;
            }
            auto value = static_cast<std::uint64_t>(value_ns);
            if (value > layout_.highest) [[unlikely]] {
                if (value_ns < 0) {
                    bump(clamped_low_, count);
                    value = 0;
                } else {
                    bump(clamped_high_, count);
                    value = layout_.highest;
                }
            }
            bump(counts_[layout_.index_of(value)], count);
            if (value < min_.load(std::memory_order_relaxed)) {
                min_.store(value, std::memory_order_relaxed);
            }
            if (value > max_.load(std::memory_order_relaxed)) {
                max_.store(value, std::memory_order_relaxed);
            }
        }
        void record(std::chrono::nanoseconds value, std::uint64_t count = 1) noexcept {
            record(value.count(), count);
        }
        // Same semantics as histogram::record_corrected (HdrHistogram recordValueWithExpectedInterval).
        void record_corrected(std::int64_t value_ns, std::int64_t expected_interval_ns) noexcept {
            record(value_ns);
            detail::record_backfill(layout_, value_ns, expected_interval_ns,
                                    [this](std::int64_t v, std::uint64_t n) { record(v, n); });
        }
        void record_corrected(std::chrono::nanoseconds value,
                              std::chrono::nanoseconds expected_interval) noexcept {
            record_corrected(value.count(), expected_interval.count());
        }

    private:
        friend class sharded_histogram;
        static constexpr std::uint64_t empty_min = std::numeric_limits<std::uint64_t>::max();

        explicit shard(const detail::histogram_layout& layout);
        // Single writer: a plain load and store; a fetch_add would be a locked instruction.
        static void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
            counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
        }
        void clear() noexcept;

        detail::histogram_layout layout_; // a copy: recording never touches the parent
        std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
        std::atomic<std::uint64_t> min_{empty_min};
        std::atomic<std::uint64_t> max_{0};
        std::atomic<std::uint64_t> clamped_low_{0};
        std::atomic<std::uint64_t> clamped_high_{0};
    };

    sharded_histogram() : sharded_histogram(options{}) {}
    // Validates opts like histogram (std::invalid_argument naming the field). Shards are created
    // lazily, one per recording thread, each of histogram's size (see memory_bytes()).
    explicit sharded_histogram(const options& opts);
    // Shards live as long as this object; threads still recording into them when it is destroyed
    // are a bug (as for any object).
    sharded_histogram(const sharded_histogram&) = delete;
    sharded_histogram& operator=(const sharded_histogram&) = delete;
    ~sharded_histogram() = default;

    // The calling thread's shard. The thread's first call takes a mutex and adopts the shard of a
    // thread that has exited, or allocates a new one; later calls are a lock-free scan of a 4-entry
    // thread_local cache. So there are at most as many shards as threads alive at once, and counts
    // recorded by an exited thread stay in its shard (nothing recorded is ever dropped). Record into
    // the shard from this thread only: a coroutine that may resume on another thread calls local()
    // again after each resumption.
    shard& local() {
        for (const auto& slot : detail::shard_cache) {
            if (slot.owner == id_) {
                return *static_cast<shard*>(slot.shard);
            }
        }
        return local_slow();
    }

    // Merge of all shards. Safe at any time from any thread, also while shards record. Values
    // recorded before something that synchronizes with this call (a join, a mutex, a release store
    // read by acquire) are all included; values recorded concurrently may or may not be, counter by
    // counter. min/max are clamped into the first/last non-empty counter so the result is always a
    // consistent histogram whose every statistic keeps histogram's error bound.
    [[nodiscard]] histogram snapshot() const;
    // As snapshot(), into existing storage: allocates nothing when out has this configuration.
    void snapshot_into(histogram& out) const;

    // Empties every shard. Only while no thread records: a concurrent record could write back a
    // count it read before the reset (no data race, but a torn result).
    void reset() noexcept;

    [[nodiscard]] std::size_t shard_count() const;
    // This object plus every shard (each about histogram::memory_bytes()).
    [[nodiscard]] std::size_t memory_bytes() const;
    [[nodiscard]] std::size_t bucket_count() const noexcept { return layout_.counts_len; }
    [[nodiscard]] const options& config() const noexcept { return options_; }

private:
    static constexpr std::uint64_t no_owner = 0; // thread tokens start at 1

    struct shard_entry;
    // Shared with exiting threads (through weak_ptr), which may outlive this object.
    struct registry;

    static std::uint64_t clamp(std::uint64_t v, std::uint64_t lo, std::uint64_t hi) noexcept;

    shard& local_slow();

    const options options_;
    const detail::histogram_layout layout_;
    const std::uint64_t id_ = detail::next_sharded_histogram_id();
    std::shared_ptr<registry> registry_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/sharded_histogram.ipp>
#endif

#endif // LOADKIT_SHARDED_HISTOGRAM_HPP
