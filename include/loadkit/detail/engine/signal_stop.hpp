// SPDX-License-Identifier: MIT
// Opt-in SIGINT/SIGTERM handling for a run: the handler only bumps a lock-free counter (async-
// signal-safe); the run's monitor thread polls it. The previous handlers come back afterwards.
#ifndef LOADKIT_DETAIL_ENGINE_SIGNAL_STOP_HPP
#define LOADKIT_DETAIL_ENGINE_SIGNAL_STOP_HPP

#include <loadkit/version.hpp>

#include <atomic>
#include <csignal>

#if defined(__unix__) || defined(__APPLE__)
#include <signal.h>
#define LOADKIT_HAS_SIGACTION 1
#endif

namespace loadkit {
inline namespace v0_1 {
namespace detail {

inline std::atomic<int> stop_signals{0};
inline std::atomic<int> last_stop_signal{0};

extern "C" inline void loadkit_on_stop_signal(int signal_number) {
    last_stop_signal.store(signal_number, std::memory_order_relaxed);
    stop_signals.fetch_add(1, std::memory_order_relaxed);
}

class signal_stop_guard {
public:
    explicit signal_stop_guard(bool enable) : enabled_(enable) {
        if (!enabled_) {
            return;
        }
        stop_signals.store(0, std::memory_order_relaxed);
#if defined(LOADKIT_HAS_SIGACTION)
        struct sigaction action {};
        action.sa_handler = &loadkit_on_stop_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(SIGINT, &action, &old_int_);
        sigaction(SIGTERM, &action, &old_term_);
#else
        old_int_ = std::signal(SIGINT, &loadkit_on_stop_signal);
        old_term_ = std::signal(SIGTERM, &loadkit_on_stop_signal);
#endif
    }
    ~signal_stop_guard() {
        if (!enabled_) {
            return;
        }
#if defined(LOADKIT_HAS_SIGACTION)
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
#else
        std::signal(SIGINT, old_int_);
        std::signal(SIGTERM, old_term_);
#endif
    }
    signal_stop_guard(const signal_stop_guard&) = delete;
    signal_stop_guard& operator=(const signal_stop_guard&) = delete;

    [[nodiscard]] int received() const noexcept {
        return enabled_ ? stop_signals.load(std::memory_order_relaxed) : 0;
    }

private:
    bool enabled_;
#if defined(LOADKIT_HAS_SIGACTION)
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
#else
    void (*old_int_)(int) = nullptr;
    void (*old_term_)(int) = nullptr;
#endif
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_ENGINE_SIGNAL_STOP_HPP
