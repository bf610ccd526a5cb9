// SPDX-License-Identifier: MIT
#ifndef LOADKIT_DETAIL_RUNTIME_AWAITABLE_TRAITS_HPP
#define LOADKIT_DETAIL_RUNTIME_AWAITABLE_TRAITS_HPP

#include <loadkit/version.hpp>

#include <type_traits>
#include <utility>
#include <variant>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

template <class A> decltype(auto) get_awaiter(A&& awaitable) {
    if constexpr (requires { std::forward<A>(awaitable).operator co_await(); }) {
        return std::forward<A>(awaitable).operator co_await();
    } else if constexpr (requires { operator co_await(std::forward<A>(awaitable)); }) {
        return operator co_await(std::forward<A>(awaitable));
    } else {
        return std::forward<A>(awaitable);
    }
}

template <class A> using awaiter_t = decltype(get_awaiter(std::declval<A>()));

template <class A> using await_result_t = decltype(std::declval<awaiter_t<A>&>().await_resume());

// void cannot sit in a tuple or a variant; when_all/when_any report it as std::monostate.
template <class T> using non_void_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// How a result is kept until it is handed over: a reference as a pointer, void as std::monostate.
template <class T>
using stored_t =
    std::conditional_t<std::is_void_v<T>, std::monostate,
                       std::conditional_t<std::is_reference_v<T>, std::remove_reference_t<T>*, T>>;

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_RUNTIME_AWAITABLE_TRAITS_HPP
