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
#ifndef LOADKIT_DETAIL_HARNESS_CONTEND_ENGINE_HPP
#define LOADKIT_DETAIL_HARNESS_CONTEND_ENGINE_HPP

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {
namespace detail {

using contend_clock = std::chrono::steady_clock;

inline void contend_cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

// What the coordinator and the threads share. Body: void(std::size_t thread, std::size_t round)
// noexcept; it stores its own outcome before the thread reports the call finished.
template <class Body> struct contend_state {
    template <class B>
    contend_state(B&& b, std::size_t n)
        : body(std::forward<B>(b)), threads(n), finished(n, 0),
          spin(n < std::thread::hardware_concurrency()) {}

    Body body;
    const std::size_t threads;
    std::atomic<std::uint32_t> gate{0}; // bumped once per release (and once to stop)
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t parked = 0;               // guarded by mutex: threads waiting at the gate this round
    std::size_t running = 0;              // guarded by mutex: calls of this round not yet returned
    std::vector<char> finished;           // guarded by mutex: per thread, this round's call returned
    contend_clock::time_point released{}; // written before the gate opens, read after
    const bool spin;

    void open_gate() noexcept {
        gate.fetch_add(1, std::memory_order_release);
        gate.notify_all();
    }

    // Waits until the gate moves past `seen`: spins briefly when threads fit the cores, then
    // sleeps in the futex so an oversubscribed machine is not burned by spinners.
    std::uint32_t await_gate(std::uint32_t seen) const noexcept {
        if (spin) {
            for (int i = 0; i < (1 << 16); ++i) {
                const std::uint32_t g = gate.load(std::memory_order_acquire);
                if (g != seen) {
                    return g;
                }
                contend_cpu_relax();
            }
        }
        for (;;) {
            gate.wait(seen, std::memory_order_acquire);
            const std::uint32_t g = gate.load(std::memory_order_acquire);
            if (g != seen) {
                return g;
            }
        }
    }
};

template <class Body> void contend_thread_main(std::shared_ptr<contend_state<Body>> s, std::size_t index) {
    std::uint32_t seen = 0;
    for (std::size_t round = 0;; ++round) {
        {
            std::lock_guard lock(s->mutex);
            if (++s->parked == s->threads) {
                s->changed.notify_all();
            }
        }
        seen = s->await_gate(seen);
        if (s->stop.load(std::memory_order_acquire)) {
            return;
        }
        s->body(index, round);
        std::lock_guard lock(s->mutex);
        s->finished[index] = 1;
        if (--s->running == 0) {
            s->changed.notify_all();
        }
    }
}

// Owns the threads: its destructor stops them, joins the idle ones and detaches the ones still
// inside a call (they co-own the state, so they may return whenever they like).
template <class Body> class contend_crew {
public:
    explicit contend_crew(std::shared_ptr<contend_state<Body>> state) : state_(std::move(state)) {
        threads_.reserve(state_->threads);
        try {
            for (std::size_t i = 0; i < state_->threads; ++i) {
                threads_.emplace_back(contend_thread_main<Body>, state_, i); // may throw system_error
            }
        } catch (...) {
            shutdown();
            throw;
        }
    }
    contend_crew(const contend_crew&) = delete;
    contend_crew& operator=(const contend_crew&) = delete;
    ~contend_crew() { shutdown(); }

    struct round_end {
        bool completed;                     // false: the deadline passed first
        contend_clock::time_point released; // when the gate opened
    };
    // Runs one round: waits until every thread is parked, opens the gate, and waits for every call
    // to return or for the deadline (released + timeout when `deadline` is empty). After(finished
    // flags, timed_out) runs under the state's mutex, so it may read the outcomes the bodies stored.
    template <class After>
    round_end run_round(const contend_clock::time_point* deadline, contend_clock::duration timeout,
                        After&& after) {
        contend_state<Body>& s = *state_;
        std::unique_lock lock(s.mutex);
        s.changed.wait(lock, [&] { return s.parked == s.threads; });
        s.parked = 0;
        s.running = s.threads;
        s.finished.assign(s.threads, 0);
        const contend_clock::time_point released = contend_clock::now();
        s.released = released;
        contend_clock::time_point until = contend_clock::time_point::max();
        if (deadline != nullptr) {
            until = *deadline;
        } else if (timeout < until - released) {
            until = released + timeout;
        }
        lock.unlock();
        s.open_gate();
        lock.lock();
        const bool completed = s.changed.wait_until(lock, until, [&] { return s.running == 0; });
        after(s.finished, !completed);
        return {completed, released};
    }

private:
    void shutdown() noexcept {
        std::vector<char> idle(threads_.size(), 1);
        {
            std::lock_guard lock(state_->mutex);
            state_->stop.store(true, std::memory_order_release);
            if (state_->running != 0) {
                for (std::size_t i = 0; i < threads_.size(); ++i) {
                    idle[i] = state_->finished[i];
                }
            }
        }
        state_->open_gate();
        for (std::size_t i = 0; i < threads_.size(); ++i) {
            if (idle[i] != 0) {
                threads_[i].join(); // parked or about to park: it sees `stop` and returns
            } else {
                threads_[i].detach(); // still inside the call; it co-owns the state
            }
        }
    }

    std::shared_ptr<contend_state<Body>> state_;
    std::vector<std::thread> threads_;
};

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_HARNESS_CONTEND_ENGINE_HPP
