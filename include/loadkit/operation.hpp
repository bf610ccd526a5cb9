// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::operation — one named thing a virtual user does, and loadkit::op_context, what it gets.
//
//   loadkit::operation search{"search", 10, [&](loadkit::op_context& ctx) -> loadkit::task<void> {
//       co_await ctx.step("login", client.login(ctx.vu()));       // a sub-step timed as its own tag
//       auto page = co_await client.search(ctx.random().below(1000));
//       if (page.status == 404) ctx.fail("http", "404 Not Found"); // failed, no exception needed
//   }};
//   loadkit::operation query{"query", [&](loadkit::op_context&) { db.query("SELECT 1"); }};
//
// An operation is a coroutine (a callable returning loadkit::task<T>, with or without the
// op_context& argument) or a plain blocking callable, which runs on worker threads so that a
// synchronous client (a database driver, an SDK) is measured alike without blocking an event loop.
// Wrap a callable in loadkit::nonblocking(fn) to call it directly on the event loop instead (for
// cheap in-process code). The weight mixes operations within a scenario as Locust's @task(10):
// each iteration picks one with probability weight / sum of weights.
//
// Failure: an exception out of the operation is classified by its type (the category, e.g.
// "std::runtime_error"; loadkit::op_error carries its own) and what() (the message); ctx.fail()
// marks the operation failed without throwing. A coroutine operation past the scenario's timeout is
// cancelled through its stop token and counted as a timeout. A blocking call cannot be interrupted:
// it runs to its end, and counts as a timeout if it took longer than the timeout.
#ifndef LOADKIT_OPERATION_HPP
#define LOADKIT_OPERATION_HPP

#include <loadkit/blocking_pool.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/config.hpp>
#include <loadkit/detail/runtime/awaitable_traits.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/random.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/task.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// Throw it from an operation to fail with a category of your choice ("http", "db", "validation").
class op_error : public std::runtime_error {
public:
    explicit op_error(std::string category, const std::string& message = {})
        : std::runtime_error(message), category_(std::move(category)) {}
    [[nodiscard]] const std::string& category() const noexcept { return category_; }

private:
    std::string category_;
};

// Time between iterations of a virtual user (Locust's wait_time): none, constant_wait(d),
// between(low, high) uniformly, or constant_pacing(d) — an iteration starts every d at most,
// sleeping whatever the operation left of it.
struct think_time {
    enum class kind : std::uint8_t { none, constant, uniform, pacing };
    kind type = kind::none;
    std::chrono::nanoseconds low{};
    std::chrono::nanoseconds high{};

    // The pause after an iteration that took `took`.
    [[nodiscard]] std::chrono::nanoseconds after(std::chrono::nanoseconds took, rng& random) const noexcept {
        switch (type) {
        case kind::none:
            return std::chrono::nanoseconds::zero();
        case kind::constant:
            return low;
        case kind::uniform:
            return random.between(low, high);
        case kind::pacing:
            return took < low ? low - took : std::chrono::nanoseconds::zero();
        }
        return std::chrono::nanoseconds::zero();
    }
    [[nodiscard]] bool none() const noexcept { return type == kind::none; }
    [[nodiscard]] std::string describe() const;
};

namespace detail {
[[noreturn]] LOADKIT_DECL void throw_think(const char* what, std::chrono::nanoseconds value,
                                           const char* expected);
} // namespace detail

template <class R1, class P1, class R2, class P2>
[[nodiscard]] think_time between(std::chrono::duration<R1, P1> low, std::chrono::duration<R2, P2> high) {
    const auto lo = std::chrono::duration_cast<std::chrono::nanoseconds>(low);
    const auto hi = std::chrono::duration_cast<std::chrono::nanoseconds>(high);
    if (lo < std::chrono::nanoseconds::zero()) {
        detail::throw_think("between: low", lo, ">= 0");
    }
    if (hi < lo) {
        detail::throw_think("between: high", hi, ">= low");
    }
    return {think_time::kind::uniform, lo, hi};
}
template <class R, class P> [[nodiscard]] think_time constant_wait(std::chrono::duration<R, P> wait) {
    const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(wait);
    if (d < std::chrono::nanoseconds::zero()) {
        detail::throw_think("constant_wait: wait", d, ">= 0");
    }
    return {think_time::kind::constant, d, d};
}
template <class R, class P> [[nodiscard]] think_time constant_pacing(std::chrono::duration<R, P> period) {
    const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(period);
    if (d <= std::chrono::nanoseconds::zero()) {
        detail::throw_think("constant_pacing: period", d, "> 0");
    }
    return {think_time::kind::pacing, d, d};
}

namespace detail {
struct op_context_access;

// The category an exception is filed under: its dynamic type's name, demangled where possible.
LOADKIT_DECL std::string exception_category(const std::exception& e);
} // namespace detail

// What an operation gets: who runs it, its random generator, its stop token, and ways to fail,
// wait and time sub-steps. One per virtual user (open model: per in-flight slot), reused.
class op_context {
public:
    op_context() = default;
    op_context(const op_context&) = delete;
    op_context& operator=(const op_context&) = delete;

    // This virtual user's id within its scenario (open model: the in-flight slot's id).
    [[nodiscard]] std::uint64_t vu() const noexcept { return vu_; }
    // This virtual user's iteration, from 0 (open model: the arrival's index in the scenario).
    [[nodiscard]] std::uint64_t iteration() const noexcept { return iteration_; }
    [[nodiscard]] std::string_view scenario() const noexcept { return scenario_; }
    // Seeded from the run's seed, the scenario and vu(): reproducible, never shared.
    [[nodiscard]] rng& random() noexcept { return random_; }
    // The scenario's stop token: triggered when the run stops or its graceful stop has expired.
    [[nodiscard]] const std::stop_token& stop_token() const noexcept { return *token_; }
    [[nodiscard]] bool stop_requested() const noexcept { return token_->stop_requested(); }
    // When the operation was meant to start (open model: on the schedule) and when it started.
    [[nodiscard]] clock::time_point intended_start() const noexcept { return intended_; }
    [[nodiscard]] clock::time_point start() const noexcept { return start_; }

    // Marks the operation failed; the last call's category and message are filed.
    void fail(std::string_view category, std::string_view message = {}) {
        failed_ = true;
        fail_category_.assign(category);
        fail_message_.assign(message);
    }
    [[nodiscard]] bool failed() const noexcept { return failed_; }

    // co_await ctx.think(500ms) / ctx.think(loadkit::between(1s, 3s)): a cancellable pause.
    template <class Rep, class Period> [[nodiscard]] auto think(std::chrono::duration<Rep, Period> pause) {
        return sleep_for(pause);
    }
    [[nodiscard]] auto think(const think_time& pause) {
        return sleep_for(pause.after(std::chrono::nanoseconds::zero(), random_));
    }

    // co_await ctx.step("login", client.login()): awaits it and files its latency and outcome
    // under the tag "login" (an exception is filed, then rethrown to the operation). Steps are
    // reported as their own tags and left out of the run's overall figures (tag_kind::step).
    // The name is read at the call (it need not outlive it); a context remembers the tags of its
    // first max_cached_steps step names, so repeated steps take no lock and allocate nothing.
    template <class Awaitable>
    [[nodiscard]] task<detail::await_result_t<Awaitable>> step(std::string_view name, Awaitable work) {
        return timed_step(step_tag(name), std::move(work));
    }
    // ctx.time("parse", [&] { return parse(body); }): the same for a synchronous piece of work.
    template <class F> decltype(auto) time(std::string_view name, F&& work) {
        const tag_id tag = step_tag(name);
        recorder_->local().record_scheduled(tag);
        const clock::time_point begin = loadkit::now();
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
                std::invoke(work);
                recorder_->local().record(tag, outcome::ok(), begin, loadkit::now());
            } else {
                decltype(auto) value = std::invoke(work);
                recorder_->local().record(tag, outcome::ok(), begin, loadkit::now());
                return value;
            }
        } catch (...) {
            file_exception(tag, begin);
            throw;
        }
    }

private:
    friend struct detail::op_context_access;
    static constexpr std::size_t max_cached_steps = 16;

    tag_id step_tag(std::string_view name) {
        for (const auto& known : step_tags_) {
            if (known.first == name) {
                return known.second;
            }
        }
        const tag_id tag = recorder_->tag(name, tag_kind::step);
        if (step_tags_.size() < max_cached_steps) {
            step_tags_.emplace_back(std::string(name), tag);
        }
        return tag;
    }

    template <class Awaitable>
    task<detail::await_result_t<Awaitable>> timed_step(tag_id tag, Awaitable work) {
        recorder_->local().record_scheduled(tag); // a step that never ends shows as scheduled only
        const clock::time_point begin = loadkit::now();
        using result = detail::await_result_t<Awaitable>;
        try {
            if constexpr (std::is_void_v<result>) {
                co_await std::move(work);
                recorder_->local().record(tag, outcome::ok(), begin, loadkit::now());
            } else {
                result value = co_await std::move(work);
                recorder_->local().record(tag, outcome::ok(), begin, loadkit::now());
                co_return value;
            }
        } catch (...) {
            file_exception(tag, begin);
            throw;
        }
    }

    // Files the exception in flight (called from a catch block) under `tag`.
    void file_exception(tag_id tag, clock::time_point begin);

    std::uint64_t vu_ = 0;
    std::uint64_t iteration_ = 0;
    std::string_view scenario_{};
    rng random_{};
    const std::stop_token* token_ = &detail::never_stop_token();
    clock::time_point intended_{};
    clock::time_point start_{};
    recorder* recorder_ = nullptr;
    blocking_pool* pool_ = nullptr;
    bool failed_ = false;
    std::string fail_category_;
    std::string fail_message_;
    std::vector<std::pair<std::string, tag_id>> step_tags_; // of recorder_
};

// Marks a plain callable as cheap, non-blocking code to call directly on the event loop.
template <class F> struct nonblocking_call { F fn; };
template <class F> [[nodiscard]] nonblocking_call<std::decay_t<F>> nonblocking(F&& fn) {
    return {std::forward<F>(fn)};
}

namespace detail {

template <class T> struct is_task : std::false_type {};
template <class T> struct is_task<task<T>> : std::true_type {};
template <class T> struct is_nonblocking : std::false_type {};
template <class F> struct is_nonblocking<nonblocking_call<F>> : std::true_type {};

// Calls fn(ctx) or fn(), whichever it takes.
template <class F> decltype(auto) call_with_context(F& fn, op_context& ctx) {
    if constexpr (std::is_invocable_v<F&, op_context&>) {
        return std::invoke(fn, ctx);
    } else {
        return std::invoke(fn);
    }
}
template <class F>
using call_result_t = decltype(call_with_context(std::declval<F&>(), std::declval<op_context&>()));

// A blocking call's body: the call runs on a worker of the context's pool. It is awaited under a
// token that never stops, because a call that cannot be interrupted must not be left running
// with this context (the virtual user's) while the user moves on.
template <class F> task<void> run_blocking(F& fn, op_context& ctx, blocking_pool& pool) {
    co_await pool.run(call_with_context<F>, std::ref(fn), std::ref(ctx));
}

} // namespace detail

class operation {
public:
    using body_type = std::function<task<void>(op_context&)>;

    template <class F> operation(std::string name, F fn) : operation(std::move(name), 1.0, std::move(fn)) {}

    template <class F>
    operation(std::string name, double weight, F fn) : name_(std::move(name)), weight_(weight) {
        check(name_, weight_);
        if constexpr (detail::is_nonblocking<F>::value) {
            direct_ = [call = std::move(fn.fn)](op_context& ctx) mutable {
                detail::call_with_context(call, ctx);
            };
            body_ = [this_direct = direct_](op_context& ctx) mutable -> task<void> {
                this_direct(ctx);
                co_return;
            };
        } else if constexpr (std::is_same_v<detail::call_result_t<F>, task<void>> &&
                             std::is_invocable_v<F&, op_context&>) {
            body_ = std::move(fn); // already the body's shape: no wrapper frame
        } else if constexpr (detail::is_task<std::remove_cvref_t<detail::call_result_t<F>>>::value) {
            body_ = [call = std::move(fn)](op_context& ctx) mutable -> task<void> {
                co_await detail::call_with_context(call, ctx);
            };
        } else {
            blocking_ = true;
            body_ = [call = std::move(fn)](op_context& ctx) mutable -> task<void> {
                blocking_pool& pool = *detail_pool(ctx);
                task<void> body = detail::run_blocking(call, ctx, pool);
                co_await std::move(body).await_with_token(detail::never_stop_token());
            };
        }
    }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] double weight() const noexcept { return weight_; }
    // A plain callable, run on worker threads.
    [[nodiscard]] bool blocking() const noexcept { return blocking_; }
    [[nodiscard]] const body_type& body() const noexcept { return body_; }
    // A nonblocking() callable, called directly (empty otherwise).
    [[nodiscard]] const std::function<void(op_context&)>& direct() const noexcept { return direct_; }

private:
    static blocking_pool* detail_pool(op_context& ctx);
    // Throws std::invalid_argument for an empty name or a weight that is not a finite number >= 0.
    static void check(const std::string& name, double weight);

    std::string name_;
    double weight_ = 1.0;
    bool blocking_ = false;
    body_type body_;
    std::function<void(op_context&)> direct_;
};

namespace detail {
// The run engine's access to a context's private parts.
struct op_context_access {
    static void bind(op_context& ctx, std::string_view scenario, std::uint64_t vu, rng random,
                     const std::stop_token& token, recorder& rec, blocking_pool* pool) {
        ctx.scenario_ = scenario;
        ctx.vu_ = vu;
        ctx.random_ = random;
        ctx.token_ = &token;
        ctx.step_tags_.clear(); // ids of another recorder
        ctx.recorder_ = &rec;
        ctx.pool_ = pool;
    }
    static void begin(op_context& ctx, std::uint64_t iteration, clock::time_point intended,
                      clock::time_point start) noexcept {
        ctx.iteration_ = iteration;
        ctx.intended_ = intended;
        ctx.start_ = start;
        ctx.failed_ = false;
    }
    static void set_vu(op_context& ctx, std::uint64_t vu) noexcept { ctx.vu_ = vu; }
    static blocking_pool* pool(op_context& ctx) noexcept { return ctx.pool_; }
    static const std::string& fail_category(const op_context& ctx) noexcept { return ctx.fail_category_; }
    static const std::string& fail_message(const op_context& ctx) noexcept { return ctx.fail_message_; }
    // The engine files a caught exception's text here too: one reusable buffer per virtual user.
    static std::string& category_buffer(op_context& ctx) noexcept { return ctx.fail_category_; }
    static std::string& message_buffer(op_context& ctx) noexcept { return ctx.fail_message_; }
};
} // namespace detail

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/operation.ipp>
#endif

#endif // LOADKIT_OPERATION_HPP
