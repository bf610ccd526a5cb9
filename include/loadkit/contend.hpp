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
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

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

enum class contend_status {
    returned, // the call returned (value holds the result for non-void R)
    threw,    // the call threw (error, error_message, error_type)
    running,  // the call had not returned when contend() gave up (timed_out())
};

namespace detail {
template <class R> struct contend_value_holder {
    std::optional<R> value; // set when the call returned
};
template <> struct contend_value_holder<void> {};

// What describe() reads, without the outcomes' value type: the text is built once, in impl/.
struct contend_summary {
    std::size_t threads;
    std::size_t rounds;
    std::size_t returned;
    std::size_t threw;
    const std::map<std::string, std::size_t>& failures_by_message;
    bool any_outcome;
    std::chrono::nanoseconds start_spread;
    bool timed_out;
    std::chrono::nanoseconds limit;
    const std::vector<std::size_t>& still_running;
};
LOADKIT_DECL std::string contend_describe(const contend_summary& s);
} // namespace detail

// One call: fn on thread `thread` in round `round`.
template <class R> struct contend_outcome : detail::contend_value_holder<R> {
    std::size_t thread = 0;
    std::size_t round = 0;
    contend_status status = contend_status::running;
    std::exception_ptr error;
    std::string error_message; // what(), or "non-standard exception (<type>)"
    std::string error_type;    // the exception's dynamic type, demangled where the ABI allows
    // From the release of the round to the start of this call: how well the threads overlapped.
    std::chrono::nanoseconds start_delay{0};
    // The call's wall time (for a running call: from the release to the time limit).
    std::chrono::nanoseconds elapsed{0};

    [[nodiscard]] bool returned() const noexcept { return status == contend_status::returned; }
    [[nodiscard]] bool threw() const noexcept { return status == contend_status::threw; }
};

// What loadkit::contend returns: one outcome per call (thread x round) and the counting helpers
// that make a race test's checks one line each:
//
//   CHECK(r.count(true) == 1);                                  // returned values
//   CHECK(r.failures_by_message()["quota exceeded"] == 10);     // what() of the exceptions
//   CHECK_FALSE(r.timed_out());                                 // every call returned in time
//   INFO(r.describe());                                         // "60 threads x 1 round: 50 returned, ..."
template <class R> class contend_result {
public:
    using value_type = R;
    using outcome_type = contend_outcome<R>;

    contend_result() = default;
    contend_result(std::vector<outcome_type> outcomes, std::size_t threads, std::size_t rounds,
                   bool timed_out, std::vector<std::size_t> still_running, std::chrono::nanoseconds limit)
        : outcomes_(std::move(outcomes)), still_running_(std::move(still_running)), threads_(threads),
          rounds_(rounds), limit_(limit), timed_out_(timed_out) {}

    // ---- the calls ---------------------------------------------------------------------------
    // Round by round, thread 0 first; threads() * rounds() entries (the last round possibly
    // incomplete: its calls still running have status running).
    [[nodiscard]] const std::vector<outcome_type>& outcomes() const noexcept { return outcomes_; }
    [[nodiscard]] std::size_t size() const noexcept { return outcomes_.size(); }
    [[nodiscard]] const outcome_type& operator[](std::size_t i) const { return outcomes_[i]; }
    [[nodiscard]] auto begin() const noexcept { return outcomes_.begin(); }
    [[nodiscard]] auto end() const noexcept { return outcomes_.end(); }
    [[nodiscard]] std::size_t threads() const noexcept { return threads_; }
    [[nodiscard]] std::size_t rounds() const noexcept { return rounds_; } // rounds released

    // The calls of one round, as a result of their own (for per-round checks).
    [[nodiscard]] contend_result round(std::size_t r) const {
        std::vector<outcome_type> part;
        for (const auto& o : outcomes_) {
            if (o.round == r) {
                part.push_back(o);
            }
        }
        const bool late = timed_out_ && r + 1 == rounds_;
        const std::size_t rounds = part.empty() ? 0 : 1;
        return contend_result(std::move(part), threads_, rounds, late,
                              late ? still_running_ : std::vector<std::size_t>{}, limit_);
    }

    // ---- counts ------------------------------------------------------------------------------
    [[nodiscard]] std::size_t succeeded() const noexcept { return tally(contend_status::returned); }
    [[nodiscard]] std::size_t failed() const noexcept { return tally(contend_status::threw); }
    // Every call returned (none threw, none still running).
    [[nodiscard]] bool ok() const noexcept { return !timed_out_ && succeeded() == outcomes_.size(); }

    // Calls that returned a value equal to v.
    template <class U>
    requires(!std::is_void_v<R>) [[nodiscard]] std::size_t count(const U& v) const {
        return count_if([&](const R& x) { return static_cast<bool>(x == v); });
    }
    // pred(const R&) over the returned values, or pred(const contend_outcome<R>&) over every call.
    template <class Pred> [[nodiscard]] std::size_t count_if(Pred pred) const {
        std::size_t n = 0;
        for (const auto& o : outcomes_) {
            if constexpr (!std::is_void_v<R> && std::is_invocable_v<Pred&, const R&>) {
                n += o.returned() && pred(*o.value) ? 1U : 0U;
            } else {
                n += pred(o) ? 1U : 0U;
            }
        }
        return n;
    }
    // The returned values, in outcome order.
    template <class U = R>
    requires(!std::is_void_v<U>) [[nodiscard]] std::vector<U> values() const {
        std::vector<U> out;
        for (const auto& o : outcomes_) {
            if (o.returned()) {
                out.push_back(*o.value);
            }
        }
        return out;
    }

    // ---- failures ----------------------------------------------------------------------------
    // what() of every exception -> how many calls threw it.
    [[nodiscard]] std::map<std::string, std::size_t> failures_by_message() const {
        std::map<std::string, std::size_t> out;
        for (const auto& o : outcomes_) {
            if (o.threw()) {
                ++out[o.error_message];
            }
        }
        return out;
    }
    // Rethrows the first captured exception (by outcome order), if any: for a test that wants a
    // failed call to fail it with the original exception.
    void rethrow_first() const {
        for (const auto& o : outcomes_) {
            if (o.threw() && o.error) {
                std::rethrow_exception(o.error);
            }
        }
    }

    // ---- time --------------------------------------------------------------------------------
    // Some call had not returned within the time limit: contend() returned without it.
    [[nodiscard]] bool timed_out() const noexcept { return timed_out_; }
    // Indices of the threads still inside fn when contend() gave up (in the last round).
    [[nodiscard]] const std::vector<std::size_t>& still_running() const noexcept { return still_running_; }
    // The largest start_delay: all calls began within this long of their release.
    [[nodiscard]] std::chrono::nanoseconds start_spread() const noexcept {
        std::chrono::nanoseconds most{0};
        for (const auto& o : outcomes_) {
            most = o.status != contend_status::running && o.start_delay > most ? o.start_delay : most;
        }
        return most;
    }
    [[nodiscard]] std::chrono::nanoseconds max_elapsed() const noexcept {
        std::chrono::nanoseconds most{0};
        for (const auto& o : outcomes_) {
            most = o.elapsed > most ? o.elapsed : most;
        }
        return most;
    }

    // One line: "60 threads x 1 round: 50 returned, 10 threw ('quota exceeded' x10); started
    // within 85us" and, on a timeout, "; timed out after 200ms: threads 3, 7 still running".
    [[nodiscard]] std::string describe() const {
        const std::size_t returned = succeeded();
        const std::size_t threw = failed();
        const auto by_message = failures_by_message();
        return detail::contend_describe({threads_, rounds_, returned, threw, by_message, !outcomes_.empty(),
                                         start_spread(), timed_out_, limit_, still_running_});
    }

private:
    [[nodiscard]] std::size_t tally(contend_status s) const noexcept {
        std::size_t n = 0;
        for (const auto& o : outcomes_) {
            n += o.status == s ? 1U : 0U;
        }
        return n;
    }

    std::vector<outcome_type> outcomes_;
    std::vector<std::size_t> still_running_;
    std::size_t threads_ = 0;
    std::size_t rounds_ = 0;
    std::chrono::nanoseconds limit_{0};
    bool timed_out_ = false;
};

namespace detail {

// Throws std::invalid_argument naming the first bad field.
LOADKIT_DECL void validate(const contend_options& o);

// Fills a failed call's message (what(), or a placeholder) and dynamic type from its exception;
// leaves them as they are when memory for the text runs out (the exception_ptr is kept).
LOADKIT_DECL void describe_contend_error(const std::exception_ptr& error, std::string& message,
                                         std::string& type) noexcept;

template <class F> constexpr bool contend_takes_index = std::is_invocable_v<const F&, std::size_t>;

template <class F> struct contend_call { using type = std::invoke_result_t<const F&>; };
template <class F>
requires contend_takes_index<F>
struct contend_call<F> {
    using type = std::invoke_result_t<const F&, std::size_t>;
};
template <class F> using contend_value_of = std::remove_cvref_t<typename contend_call<F>::type>;

// fn and one slot per thread: a slot is written by its thread during its call, read by the
// coordinator after the thread reported (both under the crew's mutex, or ordered by it).
template <class Fn> class contend_body final : public contend_job {
public:
    using value_type = contend_value_of<Fn>;

    template <class F> contend_body(F&& f, std::size_t threads) : fn(std::forward<F>(f)), slots(threads) {}

    void run(std::size_t index, std::size_t) noexcept override {
        contend_outcome<value_type>& out = slots[index];
        const auto started = contend_clock::now();
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
            describe_contend_error(out.error, out.error_message, out.error_type);
        }
        const auto ended = contend_clock::now();
        out.start_delay = started - released;
        out.elapsed = ended - started;
    }

    Fn fn;
    std::vector<contend_outcome<value_type>> slots;

private:
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

    auto body = std::make_shared<detail::contend_body<Fn>>(std::forward<F>(fn), opts.threads);

    std::vector<contend_outcome<R>> outcomes;
    outcomes.reserve(opts.threads * (opts.rounds < 64 ? opts.rounds : 64));
    std::vector<std::size_t> still_running;
    std::chrono::steady_clock::time_point deadline{};
    bool timed_out = false;
    std::size_t rounds_run = 0;
    {
        detail::contend_crew crew(body, opts.threads);
        for (std::size_t round = 0; round < opts.rounds && !timed_out; ++round) {
            if (opts.before_round) {
                opts.before_round(round);
            }
            for (auto& slot : body->slots) {
                slot = contend_outcome<R>{};
            }
            const auto end = crew.run_round(round == 0 ? nullptr : &deadline, opts.timeout,
                                            [&](const std::vector<char>& finished, bool late) {
                                                const auto now = detail::contend_clock::now();
                                                for (std::size_t i = 0; i < opts.threads; ++i) {
                                                    contend_outcome<R> out = finished[i] != 0
                                                                                 ? std::move(body->slots[i])
                                                                                 : contend_outcome<R>{};
                                                    out.thread = i;
                                                    out.round = round;
                                                    if (finished[i] == 0) {
                                                        out.status = contend_status::running;
                                                        out.elapsed = now - body->released;
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

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/contend.ipp>
#endif

#endif // LOADKIT_CONTEND_HPP
