// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
// loadkit-requires: asio
//
// The awaiter behind loadkit::use_task and use_task_nothrow (asio/use_task.hpp): what an Asio
// operation initiated with either token becomes, started when a loadkit task co_awaits it.
//
// Cancellation: the awaiting task's stop token cancels the operation through its per-operation
// cancellation slot; the emit is posted to the operation's executor (its I/O object's), never run
// on a foreign thread. The operation completes on its own executor; the awaiting task resumes on
// its own (inline when that is the same thread, else posted). All of it runs per awaited
// operation, so all of it stays inline.
#ifndef LOADKIT_DETAIL_ASIO_USE_TASK_HPP
#define LOADKIT_DETAIL_ASIO_USE_TASK_HPP

#include <loadkit/asio/executor.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/detail/runtime/promise_base.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/version.hpp>

#include <asio/async_result.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/system_error.hpp>

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <stop_token>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

template <class I>
concept has_io_executor = requires(const I& init) {
    init.get_executor();
};

// The executor of an I/O object's initiation (where its cancellation must be emitted), if it says.
template <class I> struct io_executor_slot {};
template <has_io_executor I> struct io_executor_slot<I> {
    std::optional<std::decay_t<decltype(std::declval<const I&>().get_executor())>> value;
};

template <class...> struct asio_values { using type = void; };
template <class T> struct asio_values<T> { using type = T; };
template <class T, class U, class... Rest> struct asio_values<T, U, Rest...> {
    using type = std::tuple<T, U, Rest...>;
};

// What co_await yields for completion arguments Args: use_task drops a leading error_code or
// exception_ptr (it throws instead); use_task_nothrow keeps everything.
template <bool NoThrow, class... Args> struct asio_yield : asio_values<Args...> {};
template <class... Rest> struct asio_yield<false, std::error_code, Rest...> : asio_values<Rest...> {};
template <class... Rest> struct asio_yield<false, std::exception_ptr, Rest...> : asio_values<Rest...> {};

// The state shared by an awaiting coroutine, the operation's handler, a stop callback and a
// posted cancellation. `refs_` counts who still has to finish before the coroutine may resume:
// the operation (its handler), the suspension itself (await_suspend returning), and a cancellation
// in flight. Whoever drops it to zero resumes the coroutine, so it resumes exactly once and only
// when nothing touches the state any more.
class asio_await_state {
public:
    asio_await_state() = default;
    asio_await_state(const asio_await_state&) = delete;
    asio_await_state& operator=(const asio_await_state&) = delete;
    asio_await_state(asio_await_state&&) noexcept {} // only before the operation starts

protected:
    struct on_stop {
        asio_await_state* self;
        void operator()() const noexcept { self->stop_requested(); }
    };

    void begin(std::coroutine_handle<> waiter) noexcept {
        waiter_ = waiter;
        home_ = current_executor();
        refs_.store(2, std::memory_order_relaxed);
    }
    // await_suspend's own arrival: true when the coroutine must stay suspended.
    bool suspend_arrives() noexcept { return !release(); }

    // The handler's arrival, on the operation's executor.
    void completed() {
        done_ = true;
        if (release()) {
            resume_waiter();
        }
    }

    [[nodiscard]] bool cancel_emitted() const noexcept { return emitted_.load(std::memory_order_acquire); }
    asio::cancellation_signal signal_;
    std::optional<std::stop_callback<on_stop>> on_stop_;

    // Set by the derived awaiter: how to run `emit` on the operation's executor.
    void (*post_emit_)(asio_await_state*) = nullptr;

    // On the operation's executor: emit unless the operation has completed.
    void emit_and_release() {
        if (!done_) {
            emitted_.store(true, std::memory_order_release);
            signal_.emit(asio::cancellation_type::all);
        }
        if (release()) {
            resume_waiter();
        }
    }

private:
    bool release() noexcept { return refs_.fetch_sub(1, std::memory_order_acq_rel) == 1; }

    // Any thread: take a reference (unless the coroutine is already on its way) and have the
    // operation's executor emit the cancellation.
    void stop_requested() noexcept {
        std::uint32_t n = refs_.load(std::memory_order_acquire);
        do {
            if (n == 0) {
                return;
            }
        } while (!refs_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel));
        if (post_emit_ != nullptr) {
            try {
                post_emit_(this);
                return;
            } catch (...) {
                // no memory for the handler: emit here, as an operation without an executor
            }
        }
        emit_and_release();
    }

    void resume_waiter() {
        executor* here = current_executor();
        if (home_ == nullptr || here == home_) {
            waiter_.resume();
            return;
        }
        if (auto* home = dynamic_cast<asio_executor*>(home_);
            home != nullptr && home->running_in_this_thread()) {
            const executor_scope scope(home_);
            waiter_.resume();
            return;
        }
        home_->post(waiter_);
    }

    std::coroutine_handle<> waiter_{};
    executor* home_ = nullptr;
    std::atomic<std::uint32_t> refs_{0};
    std::atomic<bool> emitted_{false};
    bool done_ = false; // operation's executor only
};

template <bool NoThrow, class Initiation, class Signature, class... InitArgs> class asio_awaiter;

template <bool NoThrow, class Initiation, class R, class... Args, class... InitArgs>
class asio_awaiter<NoThrow, Initiation, R(Args...), InitArgs...> : public asio_await_state {
    using stored = std::tuple<std::decay_t<Args>...>;
    using yield_type = typename asio_yield<NoThrow, std::decay_t<Args>...>::type;

    struct handler {
        asio_awaiter* self;
        using cancellation_slot_type = asio::cancellation_slot;
        [[nodiscard]] cancellation_slot_type get_cancellation_slot() const noexcept {
            return self->cancellable_ ? self->signal_.slot() : cancellation_slot_type{};
        }
        template <class... A> void operator()(A&&... values) {
            self->values_.emplace(std::forward<A>(values)...);
            self->completed();
        }
    };

public:
    template <class I, class... A>
    explicit asio_awaiter(I&& init, A&&... args)
        : init_(std::forward<I>(init)), args_(std::forward<A>(args)...) {}
    asio_awaiter(asio_awaiter&& other) noexcept(
        std::is_nothrow_move_constructible_v<Initiation>&&
            std::is_nothrow_move_constructible_v<std::tuple<InitArgs...>>)
        : asio_await_state(std::move(other)), init_(std::move(other.init_)), args_(std::move(other.args_)) {}

    bool await_ready() const noexcept { return false; }

    template <class Promise> bool await_suspend(std::coroutine_handle<Promise> waiter) {
        const std::stop_token& token = stop_token_of(waiter);
        if constexpr (!NoThrow) {
            if (token.stop_requested()) {
                cancelled_early_ = true;
                return false;
            }
        }
        cancellable_ = token.stop_possible();
        begin(waiter);
        if (cancellable_) {
            if constexpr (has_io_executor<Initiation>) {
                io_executor_.value.emplace(init_.get_executor());
                post_emit_ = [](asio_await_state* state) {
                    auto* self = static_cast<asio_awaiter*>(state);
                    asio::post(*self->io_executor_.value, [self] { self->emit_and_release(); });
                };
            } else if (auto* home = dynamic_cast<asio_executor*>(current_executor()); home != nullptr) {
                home_context_ = &home->context();
                post_emit_ = [](asio_await_state* state) {
                    auto* self = static_cast<asio_awaiter*>(state);
                    asio::post(*self->home_context_, [self] { self->emit_and_release(); });
                };
            }
        }
        std::apply([this](InitArgs&... args) { std::move(init_)(handler{this}, std::move(args)...); }, args_);
        if (cancellable_) {
            on_stop_.emplace(token, on_stop{this});
        }
        return suspend_arrives();
    }

    yield_type await_resume() {
        on_stop_.reset(); // waits for a stop callback running on another thread
        if constexpr (!NoThrow) {
            if (cancelled_early_) {
                throw operation_cancelled{};
            }
            using first = std::tuple_element_t<0, std::tuple<std::decay_t<Args>..., void*>>;
            if constexpr (std::is_same_v<first, std::error_code>) {
                const std::error_code& error = std::get<0>(*values_);
                if (error) {
                    if (cancel_emitted()) {
                        throw operation_cancelled{};
                    }
                    throw asio::system_error(error);
                }
            } else if constexpr (std::is_same_v<first, std::exception_ptr>) {
                if (const std::exception_ptr& error = std::get<0>(*values_)) {
                    if (cancel_emitted()) {
                        throw operation_cancelled{};
                    }
                    std::rethrow_exception(error);
                }
            }
            return take(std::make_index_sequence<std::tuple_size_v<stored>>{});
        } else {
            return take(std::make_index_sequence<std::tuple_size_v<stored>>{});
        }
    }

private:
    static constexpr bool has_error_first() {
        if constexpr (sizeof...(Args) == 0 || NoThrow) {
            return false;
        } else {
            using first = std::tuple_element_t<0, stored>;
            return std::is_same_v<first, std::error_code> || std::is_same_v<first, std::exception_ptr>;
        }
    }

    template <std::size_t... I> yield_type take(std::index_sequence<I...>) {
        constexpr std::size_t skip = has_error_first() ? 1 : 0;
        if constexpr (std::is_void_v<yield_type>) {
            return;
        } else if constexpr (sizeof...(I) - skip == 1) {
            return std::move(std::get<skip>(*values_));
        } else if constexpr (skip == 0) {
            return std::move(*values_);
        } else {
            return take_tail(std::make_index_sequence<sizeof...(I) - 1>{});
        }
    }
    template <std::size_t... I> yield_type take_tail(std::index_sequence<I...>) {
        return yield_type(std::move(std::get<I + 1>(*values_))...);
    }

    Initiation init_;
    std::tuple<InitArgs...> args_;
    std::optional<stored> values_;
    [[no_unique_address]] io_executor_slot<Initiation> io_executor_;
    asio::io_context* home_context_ = nullptr;
    bool cancellable_ = false;
    bool cancelled_early_ = false;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_ASIO_USE_TASK_HPP
