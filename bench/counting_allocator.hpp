// Replaces the global allocator with one that counts calls, so a benchmark can show how many heap
// allocations an operation costs (the hot paths must show zero). Include it in exactly one
// translation unit of a benchmark program: it defines the replaceable global operator new/delete.
#ifndef LOADKIT_BENCH_COUNTING_ALLOCATOR_HPP
#define LOADKIT_BENCH_COUNTING_ALLOCATOR_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace bench {
inline std::atomic<std::uint64_t> allocations{0};
inline std::atomic<std::size_t> last_allocation_size{0};
// malloc/free sit behind opaque calls so GCC's -Wmismatched-new-delete does not mistake the
// replacement for a mismatch once everything is inlined.
[[gnu::noinline]] inline void* raw_allocate(std::size_t size) noexcept {
    return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] inline void raw_free(void* p) noexcept { std::free(p); }
} // namespace bench

void* operator new(std::size_t size) {
    bench::allocations.fetch_add(1, std::memory_order_relaxed);
    bench::last_allocation_size.store(size, std::memory_order_relaxed);
    if (void* p = bench::raw_allocate(size)) {
        return p;
    }
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { bench::raw_free(p); }
void operator delete(void* p, std::size_t) noexcept { bench::raw_free(p); }

#endif // LOADKIT_BENCH_COUNTING_ALLOCATOR_HPP
