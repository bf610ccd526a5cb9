// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The threads behind loadkit::contend: create n threads, park them all, release them at once,
// wait for the round with a deadline, repeat; on a deadline, join the threads that are idle and
// detach the ones still inside the user's function.
//
// Why park-then-release: a race shows only when the racing calls overlap. Threads started one by
// one overlap little (creating a thread costs tens of microseconds, often more than the call under
// test), so every thread is created and parked first and one store releases them all. With no more
// threads than cores the parked threads spin on the gate (released within ~100 ns of each other);
// with more, they sleep in a futex (std::atomic::wait) and the kernel wakes them as fast as it can.
//
// Why detach on a deadline: a call that never returns cannot be joined without hanging the caller,
// and killing a thread is not an option in C++. Everything such a thread touches afterwards lives
// in the shared state it co-owns (shared_ptr), so it may return later, or never, without undefined
// behaviour on loadkit's side.
//
// Why a virtual call: the crew (threads, gate, locks) is the same for every callable, so it is
// compiled once (impl/contend.ipp, included by contend.hpp) instead of once per fn type, and user
// code does not parse <thread> or <condition_variable>. The price is one indirect call per thread
// per round, made before the call's start time is read.
#ifndef LOADKIT_DETAIL_HARNESS_CONTEND_ENGINE_HPP
#define LOADKIT_DETAIL_HARNESS_CONTEND_ENGINE_HPP

#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

using contend_clock = std::chrono::steady_clock;

// What every thread runs once per round. run() stores its own outcome before the thread reports
// the call finished, and must not throw.
class contend_job {
public:
    contend_job() = default;
    contend_job(const contend_job&) = delete;
    contend_job& operator=(const contend_job&) = delete;
    virtual ~contend_job() = default;

    virtual void run(std::size_t thread, std::size_t round) noexcept = 0;

    // When this round's gate opened: written by the crew before it opens, read by the calls after.
    contend_clock::time_point released{};
};

// Owns the threads: its destructor stops them, joins the idle ones and detaches the ones still
// inside a call (they co-own the job and the gate, so they may return whenever they like).
class contend_crew {
public:
    // Creates `threads` threads parked at the gate; throws std::system_error (after stopping the
    // ones already created) when one cannot be created.
    contend_crew(std::shared_ptr<contend_job> job, std::size_t threads);
    contend_crew(const contend_crew&) = delete;
    contend_crew& operator=(const contend_crew&) = delete;
    ~contend_crew();

    struct round_end {
        bool completed;                     // false: the deadline passed first
        contend_clock::time_point released; // when the gate opened
    };
    // Runs one round: waits until every thread is parked, opens the gate, and waits for every call
    // to return or for the deadline (released + timeout when `deadline` is empty). After(finished
    // flags, timed_out) runs under the crew's mutex, so it may read the outcomes the job stored.
    template <class After>
    round_end run_round(const contend_clock::time_point* deadline, contend_clock::duration timeout,
                        After&& after) {
        using after_type = std::remove_reference_t<After>;
        void* erased = const_cast<void*>(static_cast<const void*>(std::addressof(after)));
        return run_round(deadline, timeout, erased,
                         [](void* context, const std::vector<char>& finished, bool timed_out) {
                             (*static_cast<after_type*>(context))(finished, timed_out);
                         });
    }

private:
    struct impl; // impl/contend.ipp: the gate, the counters and the threads
    using after_fn = void (*)(void* context, const std::vector<char>& finished, bool timed_out);
    round_end run_round(const contend_clock::time_point* deadline, contend_clock::duration timeout,
                        void* context, after_fn after);

    std::unique_ptr<impl> impl_;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_HARNESS_CONTEND_ENGINE_HPP
