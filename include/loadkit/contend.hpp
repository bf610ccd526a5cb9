// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::contend — run one function on n threads released at the same instant, and get back
// what each call returned or threw: the race, double-spend and quota tests of a concurrency suite
// in two lines each.
//
//   account acct{.balance = 100};
//   auto spends = loadkit::contend(2, [&] { return acct.spend(60); });  // 2 threads, one release
//   CHECK(spends.count(true) == 1);                                       // exactly one went through
//   CHECK(acct.balance == 40);
//
//   auto orders = loadkit::contend(60, [&](std::size_t i) { store.reserve(i); });  // throws on quota
//   CHECK(orders.succeeded() == 50);
//   CHECK(orders.failures_by_message()["quota exceeded"] == 10);
//
//   // 500 rounds of the same race, state reset while the threads are parked, 10 s for everything:
//   auto r = loadkit::contend({.threads = 2, .rounds = 500, .timeout = 10s,
//                              .before_round = [&](std::size_t) { acct.balance = 100; }},
//                             [&] { return acct.spend(60); });
//
// Every thread is created and parked before one store releases them all (detail/harness/contend_engine.hpp
// says why), so the calls overlap as much as the machine allows. A call's exception is data (its
// outcome says what(), the type, the exception_ptr); it never escapes contend(). A call that does
// not return by the timeout makes contend() return anyway, with timed_out() and the threads' indices
// in still_running(). Those threads are detached: they keep a shared copy of fn and of the state
// they report into, so they may return later (their outcome is then discarded) or never, without
// undefined behaviour on loadkit's side; whatever *fn* refers to must of course outlive them.
//
// The Python suites this replaces start threads one by one (ThreadPoolExecutor.submit in a loop),
// so the "concurrent" calls barely overlap and a racy implementation often passes.
#ifndef LOADKIT_CONTEND_HPP
#define LOADKIT_CONTEND_HPP

#include <loadkit/detail/harness/contend_engine.hpp>
#include <loadkit/detail/harness/contend_result.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

struct contend_options {
    // Threads released together, each calling fn(index) once per round: 1 .. 10,000.
    std::size_t threads = 0;
    // Releases, each on the same threads with a fresh gate, after every call of the previous round
    // returned: >= 1. Repeating a short race is how a rare interleaving gets caught.
    std::size_t rounds = 1;
    // For the whole call, from the first release: > 0. Then contend() returns with timed_out().
    std::chrono::nanoseconds timeout = std::chrono::seconds{60};
    // Called on the calling thread before each release while no call runs (reset shared state here).
    std::function<void(std::size_t round)> before_round{};
};

namespace detail {

[[noreturn]] inline void throw_contend_option(const char* field, const std::string& value,
                                              const char* expected) {
    throw std::invalid_argument(std::string("loadkit::contend_options: ") + field + " = " + value +
                                " (expected " + expected + ")");
}

inline void validate(const contend_options& o) {
    if (o.threads < 1 || o.threads > 10'000) {
        throw_contend_option("threads", std::to_string(o.threads), "1 .. 10000");
    }
    if (o.rounds < 1) {
        throw_contend_option("rounds", std::to_string(o.rounds), ">= 1");
    }
    if (o.timeout <= std::chrono::nanoseconds::zero()) {
        throw_contend_option("timeout", std::to_string(o.timeout.count()) + "ns", "> 0");
    }
}

template <class F> constexpr bool contend_takes_index = std::is_invocable_v<const F&, std::size_t>;

template <class F> struct contend_call { using type = std::invoke_result_t<const F&>; };
template <class F>
requires contend_takes_index<F>
struct contend_call<F> {
    using type = std::invoke_result_t<const F&, std::size_t>;
};
template <class F> using contend_value_of = std::remove_cvref_t<typename contend_call<F>::type>;

// One thread's slot: written by that thread during its call, read by the coordinator after the
// thread reported (both under the state's mutex, or ordered by it).
template <class Fn> struct contend_body {
    using value_type = contend_value_of<Fn>;

    Fn fn;
    std::vector<contend_outcome<value_type>> slots;
    const std::chrono::steady_clock::time_point* released = nullptr; // the state's, set before the gate opens

    void operator()(std::size_t index, std::size_t) noexcept {
        contend_outcome<value_type>& out = slots[index];
        const auto started = std::chrono::steady_clock::now();
        try {
            if constexpr (std::is_void_v<value_type>) {
                call(index);
            } else {
                out.value.emplace(call(index));
            }
            out.status = contend_status::returned;
        } catch (...) {
            out.status = contend_status::threw;
            out.error = std::current_exception();
            try {
                contend_exception_text text = describe_exception(out.error);
                out.error_message = std::move(text.message);
                out.error_type = std::move(text.type);
            } catch (...) { // out of memory for the text: the exception_ptr is kept
            }
        }
        const auto ended = std::chrono::steady_clock::now();
        out.start_delay = started - *released;
        out.elapsed = ended - started;
    }

    decltype(auto) call(std::size_t index) const {
        if constexpr (contend_takes_index<Fn>) {
            return std::invoke(fn, index);
        } else {
            return std::invoke(fn);
        }
    }
};

} // namespace detail

// Runs fn on opts.threads threads released together, opts.rounds times; fn is called as
// fn(std::size_t thread_index) when it accepts an index, else as fn(). fn is copied (or moved) into
// state the threads share and called concurrently through a const reference, so a mutable lambda
// is rejected. Throws std::invalid_argument for bad options, std::system_error when threads cannot
// be created, and whatever before_round throws; never what fn throws.
template <class F>
[[nodiscard]] contend_result<detail::contend_value_of<std::decay_t<F>>> contend(const contend_options& opts,
                                                                                F&& fn) {
    using Fn = std::decay_t<F>;
    static_assert(std::is_invocable_v<const Fn&, std::size_t> || std::is_invocable_v<const Fn&>,
                  "loadkit::contend: fn must be callable as fn(std::size_t) or fn() through a const "
                  "reference (a mutable lambda's state would be shared by every thread)");
    using R = detail::contend_value_of<Fn>;
    detail::validate(opts);

    using body_type = detail::contend_body<Fn>;
    auto state =
        std::make_shared<detail::contend_state<body_type>>(body_type{std::forward<F>(fn), {}}, opts.threads);
    state->body.slots.resize(opts.threads);
    state->body.released = &state->released;

    std::vector<contend_outcome<R>> outcomes;
    outcomes.reserve(opts.threads * (opts.rounds < 64 ? opts.rounds : 64));
    std::vector<std::size_t> still_running;
    std::chrono::steady_clock::time_point deadline{};
    bool timed_out = false;
    std::size_t rounds_run = 0;
    {
        detail::contend_crew<body_type> crew(state);
        for (std::size_t round = 0; round < opts.rounds && !timed_out; ++round) {
            if (opts.before_round) {
                opts.before_round(round);
            }
            for (auto& slot : state->body.slots) {
                slot = contend_outcome<R>{};
            }
            const auto end = crew.run_round(round == 0 ? nullptr : &deadline, opts.timeout,
                                            [&](const std::vector<char>& finished, bool late) {
                                                const auto now = std::chrono::steady_clock::now();
                                                for (std::size_t i = 0; i < opts.threads; ++i) {
                                                    contend_outcome<R> out =
                                                        finished[i] != 0 ? std::move(state->body.slots[i])
                                                                         : contend_outcome<R>{};
                                                    out.thread = i;
                                                    out.round = round;
                                                    if (finished[i] == 0) {
                                                        out.status = contend_status::running;
                                                        out.elapsed = now - state->released;
                                                        still_running.push_back(i);
                                                    }
                                                    outcomes.push_back(std::move(out));
                                                }
                                                timed_out = late;
                                            });
            if (round == 0) { // saturating: a huge timeout means "no limit"
                const auto room = std::chrono::steady_clock::time_point::max() - end.released;
                deadline = opts.timeout < room ? end.released + opts.timeout
                                               : std::chrono::steady_clock::time_point::max();
            }
            ++rounds_run;
        }
    } // joins the threads (detaches any still inside fn)
    return contend_result<R>(std::move(outcomes), opts.threads, rounds_run, timed_out,
                             std::move(still_running), opts.timeout);
}

// contend({.threads = threads}, fn): one release, the default 60 s limit.
template <class F>
[[nodiscard]] contend_result<detail::contend_value_of<std::decay_t<F>>> contend(std::size_t threads, F&& fn) {
    return contend(contend_options{.threads = threads}, std::forward<F>(fn));
}

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_CONTEND_HPP
