// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_RUNTIME_FRAME_ALLOCATOR_HPP
#define LOADKIT_DETAIL_RUNTIME_FRAME_ALLOCATOR_HPP

#include <loadkit/version.hpp>

#include <cstddef>
#include <new>

// Coroutine frames of loadkit's own coroutine types are recycled through a per-thread free list
// (asio's awaitable frames do the same). Define LOADKIT_NO_FRAME_RECYCLING to use plain
// ::operator new; it is switched off under AddressSanitizer, whose use-after-free checks a
// recycling cache would hide. All translation units of a program must agree on the macro.
#if !defined(LOADKIT_NO_FRAME_RECYCLING)
#if defined(__SANITIZE_ADDRESS__)
#define LOADKIT_NO_FRAME_RECYCLING 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOADKIT_NO_FRAME_RECYCLING 1
#endif
#endif
#endif

namespace loadkit {
inline namespace v0_1 {
namespace detail {

#if !defined(LOADKIT_NO_FRAME_RECYCLING)
// Size-classed LIFO free lists, one set per thread. A frame freed on another thread than the one
// that allocated it simply joins that thread's list: no cross-thread traffic, no lock.
class frame_cache {
public:
    static constexpr std::size_t granularity = 64;
    static constexpr std::size_t class_count = 16;           // frames up to 1 KiB are recycled
    static constexpr std::size_t max_cached_per_class = 512; // bounds the memory a thread keeps

    frame_cache() noexcept { alive_flag() = true; }
    frame_cache(const frame_cache&) = delete;
    frame_cache& operator=(const frame_cache&) = delete;
    ~frame_cache() {
        alive_flag() = false;
        for (node*& head : heads_) {
            while (head != nullptr) {
                node* next = head->next;
                ::operator delete(static_cast<void*>(head));
                head = next;
            }
        }
    }

    void* allocate(std::size_t size) {
        const std::size_t index = class_of(size);
        if (index < class_count && heads_[index] != nullptr) {
            node* block = heads_[index];
            heads_[index] = block->next;
            --counts_[index];
            return block;
        }
        return ::operator new(index < class_count ? (index + 1) * granularity : size);
    }

    void deallocate(void* pointer, std::size_t size) noexcept {
        const std::size_t index = class_of(size);
        if (index < class_count && counts_[index] < max_cached_per_class) {
            auto* block = static_cast<node*>(pointer);
            block->next = heads_[index];
            heads_[index] = block;
            ++counts_[index];
            return;
        }
        ::operator delete(pointer);
    }

    // Trivially destructible, so it stays readable while other thread_locals are torn down.
    static bool& alive_flag() noexcept {
        thread_local bool alive = false;
        return alive;
    }

private:
    struct node {
        node* next;
    };
    static constexpr std::size_t class_of(std::size_t size) noexcept {
        return size == 0 ? 0 : (size - 1) / granularity;
    }
    node* heads_[class_count] = {};
    std::size_t counts_[class_count] = {};
};

inline frame_cache* thread_frame_cache() noexcept {
    thread_local frame_cache cache;
    return frame_cache::alive_flag() ? &cache : nullptr;
}

inline void* allocate_frame(std::size_t size) {
    if (frame_cache* cache = thread_frame_cache()) {
        return cache->allocate(size);
    }
    return ::operator new(size <= frame_cache::granularity * frame_cache::class_count
                              ? ((size + frame_cache::granularity - 1) / frame_cache::granularity) *
                                    frame_cache::granularity
                              : size);
}

inline void deallocate_frame(void* pointer, std::size_t size) noexcept {
    if (frame_cache* cache = thread_frame_cache()) {
        cache->deallocate(pointer, size);
        return;
    }
    ::operator delete(pointer);
}
#else
inline void* allocate_frame(std::size_t size) { return ::operator new(size); }
inline void deallocate_frame(void* pointer, std::size_t) noexcept { ::operator delete(pointer); }
#endif

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_RUNTIME_FRAME_ALLOCATOR_HPP
