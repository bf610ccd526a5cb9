// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// What loadkit::contend returns (contend.hpp): one outcome per call (thread x round) and the
// counting helpers that make a race test's checks one line each:
//
//   CHECK(r.count(true) == 1);                                  // returned values
//   CHECK(r.failures_by_message()["quota exceeded"] == 10);     // what() of the exceptions
//   CHECK_FALSE(r.timed_out());                                 // every call returned in time
//   INFO(r.describe());                                         // "60 threads x 1 round: 50 returned, ..."
#ifndef LOADKIT_DETAIL_HARNESS_CONTEND_RESULT_HPP
#define LOADKIT_DETAIL_HARNESS_CONTEND_RESULT_HPP

#include <loadkit/detail/harness/text.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

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
        std::string out = std::to_string(threads_) + (threads_ == 1 ? " thread x " : " threads x ") +
                          std::to_string(rounds_) + (rounds_ == 1 ? " round: " : " rounds: ") +
                          std::to_string(succeeded()) + " returned, " + std::to_string(failed()) + " threw";
        const auto by_message = failures_by_message();
        if (!by_message.empty()) {
            out += " (";
            std::size_t shown = 0;
            for (const auto& [message, n] : by_message) {
                if (shown == 3) {
                    out += ", ...";
                    break;
                }
                out += (shown++ == 0 ? "'" : ", '") + message + "' x" + std::to_string(n);
            }
            out += ")";
        }
        if (!outcomes_.empty()) {
            out += "; started within " + detail::contend_duration_text(start_spread());
        }
        if (timed_out_) {
            out += "; timed out after " + detail::contend_duration_text(limit_) + ": thread";
            out += still_running_.size() == 1 ? " " : "s ";
            for (std::size_t i = 0; i < still_running_.size(); ++i) {
                if (i == 8) {
                    out += ", ...";
                    break;
                }
                out += (i == 0 ? "" : ", ") + std::to_string(still_running_[i]);
            }
            out += " still running";
        }
        return out;
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

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_HARNESS_CONTEND_RESULT_HPP
