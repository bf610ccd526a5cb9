// SPDX-License-Identifier: MIT
// loadkit::contend's body (declared in contend.hpp and detail/harness/contend_engine.hpp): the
// crew's threads and gate, option checks, the text of failed calls and of describe().
// The body of contend.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_CONTEND_IPP
#define LOADKIT_IMPL_CONTEND_IPP

#include <loadkit/detail/harness/contend_engine.hpp>
#include <loadkit/detail/harness/text.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

#if defined(__has_include)
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define LOADKIT_HAS_CXXABI 1
#endif
#endif

namespace loadkit {
inline namespace v0_1 {
namespace detail {

inline void contend_cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

// What the coordinator and the threads share; the job stores its own outcome before the thread
// reports the call finished.
struct contend_gate {
    contend_gate(std::shared_ptr<contend_job> j, std::size_t n)
        : job(std::move(j)), threads(n), finished(n, 0), spin(n < std::thread::hardware_concurrency()) {}

    const std::shared_ptr<contend_job> job;
    const std::size_t threads;
    std::atomic<std::uint32_t> gate{0}; // bumped once per release (and once to stop)
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t parked = 0;     // guarded by mutex: threads waiting at the gate this round
    std::size_t running = 0;    // guarded by mutex: calls of this round not yet returned
    std::vector<char> finished; // guarded by mutex: per thread, this round's call returned
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

inline void contend_thread_main(std::shared_ptr<contend_gate> s, std::size_t index) {
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
        s->job->run(index, round);
        std::lock_guard lock(s->mutex);
        s->finished[index] = 1;
        if (--s->running == 0) {
            s->changed.notify_all();
        }
    }
}

struct contend_crew::impl {
    std::shared_ptr<contend_gate> state;
    std::vector<std::thread> threads;

    void shutdown() noexcept {
        std::vector<char> idle(threads.size(), 1);
        {
            std::lock_guard lock(state->mutex);
            state->stop.store(true, std::memory_order_release);
            if (state->running != 0) {
                for (std::size_t i = 0; i < threads.size(); ++i) {
                    idle[i] = state->finished[i];
                }
            }
        }
        state->open_gate();
        for (std::size_t i = 0; i < threads.size(); ++i) {
            if (idle[i] != 0) {
                threads[i].join(); // parked or about to park: it sees `stop` and returns
            } else {
                threads[i].detach(); // still inside the call; it co-owns the state
            }
        }
    }
};

LOADKIT_DECL contend_crew::contend_crew(std::shared_ptr<contend_job> job, std::size_t threads)
    : impl_(std::make_unique<impl>(impl{std::make_shared<contend_gate>(std::move(job), threads), {}})) {
    impl_->threads.reserve(threads);
    try {
        for (std::size_t i = 0; i < threads; ++i) {
            impl_->threads.emplace_back(contend_thread_main, impl_->state, i); // may throw system_error
        }
    } catch (...) {
        impl_->shutdown();
        throw;
    }
}

LOADKIT_DECL contend_crew::~contend_crew() { impl_->shutdown(); }

LOADKIT_DECL contend_crew::round_end contend_crew::run_round(const contend_clock::time_point* deadline,
                                                             contend_clock::duration timeout, void* context,
                                                             after_fn after) {
    contend_gate& s = *impl_->state;
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, [&] { return s.parked == s.threads; });
    s.parked = 0;
    s.running = s.threads;
    s.finished.assign(s.threads, 0);
    const contend_clock::time_point released = contend_clock::now();
    s.job->released = released;
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
    after(context, s.finished, !completed);
    return {completed, released};
}

[[noreturn]] inline void throw_contend_option(const char* field, const std::string& value,
                                              const char* expected) {
    throw std::invalid_argument(std::string("loadkit::contend_options: ") + field + " = " + value +
                                " (expected " + expected + ")");
}

LOADKIT_DECL void validate(const contend_options& o) {
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

inline std::string contend_demangle(const char* name) {
#if defined(LOADKIT_HAS_CXXABI)
    int status = 0;
    char* readable = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (status == 0 && readable != nullptr) {
        std::string out(readable);
        std::free(readable);
        return out;
    }
    std::free(readable);
#endif
    return name;
}

// What an exception says about itself: what() (or a placeholder) and its dynamic type's name.
struct contend_exception_text {
    std::string message;
    std::string type;
};

inline contend_exception_text describe_exception(const std::exception_ptr& error) {
    contend_exception_text out;
    if (!error) {
        return out;
    }
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        out.message = e.what();
        out.type = contend_demangle(typeid(e).name());
    } catch (...) {
        out.message = "non-standard exception";
#if defined(LOADKIT_HAS_CXXABI)
        if (const std::type_info* type = abi::__cxa_current_exception_type()) {
            out.type = contend_demangle(type->name());
            out.message += " (" + out.type + ")";
        }
#endif
    }
    return out;
}

LOADKIT_DECL void describe_contend_error(const std::exception_ptr& error, std::string& message,
                                         std::string& type) noexcept {
    try {
        contend_exception_text text = describe_exception(error);
        message = std::move(text.message);
        type = std::move(text.type);
    } catch (...) { // out of memory for the text: the exception_ptr is kept
    }
}

LOADKIT_DECL std::string contend_describe(const contend_summary& s) {
    std::string out = std::to_string(s.threads) + (s.threads == 1 ? " thread x " : " threads x ") +
                      std::to_string(s.rounds) + (s.rounds == 1 ? " round: " : " rounds: ") +
                      std::to_string(s.returned) + " returned, " + std::to_string(s.threw) + " threw";
    if (!s.failures_by_message.empty()) {
        out += " (";
        std::size_t shown = 0;
        for (const auto& [message, n] : s.failures_by_message) {
            if (shown == 3) {
                out += ", ...";
                break;
            }
            out += (shown++ == 0 ? "'" : ", '") + message + "' x" + std::to_string(n);
        }
        out += ")";
    }
    if (s.any_outcome) {
        out += "; started within " + contend_duration_text(s.start_spread);
    }
    if (s.timed_out) {
        out += "; timed out after " + contend_duration_text(s.limit) + ": thread";
        out += s.still_running.size() == 1 ? " " : "s ";
        for (std::size_t i = 0; i < s.still_running.size(); ++i) {
            if (i == 8) {
                out += ", ...";
                break;
            }
            out += (i == 0 ? "" : ", ") + std::to_string(s.still_running[i]);
        }
        out += " still running";
    }
    return out;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_CONTEND_IPP
