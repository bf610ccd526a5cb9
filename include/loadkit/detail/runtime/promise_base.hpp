// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_RUNTIME_PROMISE_BASE_HPP
#define LOADKIT_DETAIL_RUNTIME_PROMISE_BASE_HPP

#include <loadkit/detail/runtime/frame_allocator.hpp>

#include <coroutine>
#include <cstddef>
#include <stop_token>
#include <type_traits>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

inline const std::stop_token& never_stop_token() noexcept {
    static const std::stop_token token{};
    return token;
}

// Base of every loadkit promise. It carries the stop token the coroutine runs under: a child task
// inherits its awaiter's token when it is co_awaited, so with_timeout() or a pool's request_stop()
// reaches sleeps and waits deep inside user code without passing tokens by hand. The token object
// lives in an enclosing frame (with_timeout, when_any, a pool) that outlives the child.
struct promise_base {
    const std::stop_token* stop_token_ = &never_stop_token();

    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* pointer, std::size_t size) noexcept { deallocate_frame(pointer, size); }
};

template <class Promise>
const std::stop_token& stop_token_of(std::coroutine_handle<Promise> handle) noexcept {
    if constexpr (std::is_base_of_v<promise_base, Promise>) {
        return *handle.promise().stop_token_;
    } else {
        return never_stop_token();
    }
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_RUNTIME_PROMISE_BASE_HPP
