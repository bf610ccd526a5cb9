// SPDX-License-Identifier: MIT
// loadkit::sharded_histogram's cold half (declared in sharded_histogram.hpp): the shard table under
// its mutex (registration, adoption on thread exit, snapshots); recording stays in the header.
// Included at the end of sharded_histogram.hpp in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_SHARDED_HISTOGRAM_IPP
#define LOADKIT_IMPL_SHARDED_HISTOGRAM_IPP

#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

LOADKIT_DECL thread_shard_release::~thread_shard_release() {
    for (const auto& registry : registries) {
        if (const auto live = registry.lock()) {
            live->release(token);
        }
    }
}

LOADKIT_DECL void thread_shard_release::add(std::weak_ptr<shard_registry_base> registry) {
    std::erase_if(registries, [](const auto& r) { return r.expired(); });
    registries.push_back(std::move(registry));
}

} // namespace detail

struct sharded_histogram::shard_entry {
    std::uint64_t owner; // detail::this_thread_token() of the owning thread, or no_owner
    std::unique_ptr<shard> target;
};
struct sharded_histogram::registry final : detail::shard_registry_base {
    std::mutex mutex; // guards shards (registration, thread exit, snapshots; never recording)
    std::vector<shard_entry> shards;

    void release(std::uint64_t owner) noexcept override {
        // The mutex orders the exiting thread's last relaxed stores before the next owner's loads.
        const std::lock_guard<std::mutex> lock(mutex);
        for (auto& entry : shards) {
            if (entry.owner == owner) {
                entry.owner = no_owner;
            }
        }
    }
};

LOADKIT_DECL sharded_histogram::shard::shard(const detail::histogram_layout& layout)
    : layout_(layout), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(layout.counts_len)) {
    clear();
}

LOADKIT_DECL void sharded_histogram::shard::clear() noexcept {
    for (std::size_t i = 0; i < layout_.counts_len; ++i) {
        counts_[i].store(0, std::memory_order_relaxed);
    }
    min_.store(empty_min, std::memory_order_relaxed);
    max_.store(0, std::memory_order_relaxed);
    clamped_low_.store(0, std::memory_order_relaxed);
    clamped_high_.store(0, std::memory_order_relaxed);
}

LOADKIT_DECL sharded_histogram::sharded_histogram(const options& opts)
    : options_(opts), layout_(detail::make_histogram_layout(opts.significant_digits, opts.max_relative_error,
                                                            opts.highest.count())),
      registry_(std::make_shared<registry>()) {}

LOADKIT_DECL histogram sharded_histogram::snapshot() const {
    histogram out(options_);
    snapshot_into(out);
    return out;
}

LOADKIT_DECL void sharded_histogram::snapshot_into(histogram& out) const {
    if (!(out.layout_ == layout_)) {
        out = histogram(options_);
    } else {
        out.reset();
    }
    std::uint64_t lo = shard::empty_min;
    std::uint64_t hi = 0;
    std::uint64_t low_clamped = 0;
    std::uint64_t high_clamped = 0;
    std::uint64_t total = 0;
    {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        for (const auto& entry : registry_->shards) {
            const shard& s = *entry.target;
            for (std::size_t i = 0; i < layout_.counts_len; ++i) {
                const std::uint64_t c = s.counts_[i].load(std::memory_order_relaxed);
                out.counts_[i] += c;
                total += c;
            }
            const std::uint64_t s_min = s.min_.load(std::memory_order_relaxed);
            const std::uint64_t s_max = s.max_.load(std::memory_order_relaxed);
            lo = s_min < lo ? s_min : lo;
            hi = s_max > hi ? s_max : hi;
            low_clamped += s.clamped_low_.load(std::memory_order_relaxed);
            high_clamped += s.clamped_high_.load(std::memory_order_relaxed);
        }
    }
    if (total == 0) {
        return;
    }
    std::size_t first = 0;
    while (out.counts_[first] == 0) {
        ++first;
    }
    std::size_t last = layout_.counts_len - 1;
    while (out.counts_[last] == 0) {
        --last;
    }
    // A concurrent record may have stored its counter but not yet its min/max (or the reverse).
    lo = clamp(lo, layout_.lowest_of(first), layout_.highest_of(first));
    hi = clamp(hi, layout_.lowest_of(last), layout_.highest_of(last));
    lo = lo > layout_.highest ? layout_.highest : lo;
    hi = hi > layout_.highest ? layout_.highest : hi;
    if (lo > hi) { // only when first == last and both reads were stale
        const std::uint64_t t = lo;
        lo = hi;
        hi = t;
    }
    out.total_ = total;
    out.min_ = lo;
    out.max_ = hi;
    out.clamped_low_ = low_clamped < out.counts_[0] ? low_clamped : out.counts_[0];
    out.clamped_high_ = high_clamped < out.counts_[layout_.counts_len - 1]
                            ? high_clamped
                            : out.counts_[layout_.counts_len - 1];
}

LOADKIT_DECL void sharded_histogram::reset() noexcept {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    for (auto& entry : registry_->shards) {
        entry.target->clear();
    }
}

LOADKIT_DECL std::size_t sharded_histogram::shard_count() const {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    return registry_->shards.size();
}

LOADKIT_DECL std::size_t sharded_histogram::memory_bytes() const {
    const std::lock_guard<std::mutex> lock(registry_->mutex);
    return sizeof(sharded_histogram) + sizeof(registry) + registry_->shards.capacity() * sizeof(shard_entry) +
           registry_->shards.size() * (sizeof(shard) + layout_.counts_len * sizeof(std::uint64_t));
}

LOADKIT_DECL std::uint64_t sharded_histogram::clamp(std::uint64_t v, std::uint64_t lo,
                                                    std::uint64_t hi) noexcept {
    return v < lo ? lo : (v > hi ? hi : v);
}

LOADKIT_DECL sharded_histogram::shard& sharded_histogram::local_slow() {
    const std::uint64_t me = detail::this_thread_token();
    shard* found = nullptr;
    bool adopted = false;
    {
        const std::lock_guard<std::mutex> lock(registry_->mutex);
        shard_entry* orphan = nullptr;
        for (auto& entry : registry_->shards) { // evicted from the cache, or this thread's first call
            if (entry.owner == me) {
                found = entry.target.get();
                break;
            }
            if (entry.owner == no_owner && orphan == nullptr) {
                orphan = &entry;
            }
        }
        if (found == nullptr) {
            if (orphan == nullptr) {
                registry_->shards.push_back(
                    shard_entry{no_owner, std::unique_ptr<shard>(new shard(layout_))});
                orphan = &registry_->shards.back();
            }
            orphan->owner = me;
            found = orphan->target.get();
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

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_SHARDED_HISTOGRAM_IPP
