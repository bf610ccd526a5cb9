// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::progress_printer — the live status line of a running load test, on a terminal:
//
//   0:42/1:05 [█████████████▋       ] 65%  ops 21,034  400/s  err 87 (0.41%)  drop 26  in-flight 37
//   p95 28.24ms  checkout: ramping_vus stage 2/3 (50 VUs)          (one line, rewritten in place)
//
//   loadkit::progress_printer progress;                   // stderr; silent when not a terminal or CI
//   options.on_progress = progress;                       // engine_options (engine.hpp)
//   auto report = loadkit::run(options, scenario);
//   progress.finish();                                    // clears the line before the summary
//
// The run engine calls on_progress, a std::function<void(const run_progress&)>, at its own pace
// (every interval); any callable fits, so a test or a dashboard can take the same figures:
//   options.on_progress = [](const loadkit::run_progress& p) { log("{} ops", p.completed); };
// progress_printer draws at most 4 times a second (min_interval, by its own clock) and only when
// its stream is a terminal and the CI environment variable is unset (CI logs would otherwise fill
// with carriage returns); progress_mode::always / never force it. Copies share one state (the
// engine keeps a copy, you keep the original to call finish()); the line is cleared by finish() or
// when the last copy is destroyed. Calls may come from any thread.
#ifndef LOADKIT_REPORT_PROGRESS_HPP
#define LOADKIT_REPORT_PROGRESS_HPP

#include <loadkit/report/terminal.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

namespace loadkit {
inline namespace v0_1 {

// automatic: draw only when the stream is a terminal and the CI environment variable is unset.
enum class progress_mode : std::uint8_t { automatic, always, never };

struct progress_options {
    progress_mode mode = progress_mode::automatic;
    std::FILE* out = stderr;
    // Least time between two refreshes (250 ms: at most 4 per second), >= 0.
    std::chrono::nanoseconds min_interval = std::chrono::milliseconds{250};
    // Columns of the line; 0: the terminal's width, else the COLUMNS variable, else 100. 20 .. 1000.
    std::size_t width = 0;
    color_mode color = color_mode::automatic;
    bool unicode = true; // block-character bar and "µs"; false: ASCII
    // The clock the throttle reads; empty: std::chrono::steady_clock::now (tests pass a manual one).
    std::function<std::chrono::steady_clock::time_point()> clock{};
};

namespace detail {

struct console_style; // detail/report/terminal.hpp

// The status line for p, at most `width` columns, without the carriage return.
LOADKIT_DECL std::string progress_line(const run_progress& p, std::size_t width, const console_style& s);

} // namespace detail

class progress_printer {
public:
    using time_point = std::chrono::steady_clock::time_point;

    progress_printer() : progress_printer(progress_options{}) {}
    // Validates (std::invalid_argument naming the field and the value) and decides whether to draw.
    explicit progress_printer(progress_options options);

    // Draws p if the printer is enabled and min_interval has passed since the last refresh.
    void operator()(const run_progress& p) const;

    // Clears the status line (so that what is printed next starts on a clean line).
    void finish() const;

    [[nodiscard]] bool enabled() const noexcept;
    // Lines drawn so far (by every copy).
    [[nodiscard]] std::uint64_t refreshes() const;

private:
    // Shared by the copies, defined with the bodies (impl/report_progress.ipp): the mutex, the
    // stream and the drawing state are nothing a caller of on_progress needs to parse.
    struct state;
    std::shared_ptr<state> state_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_progress.ipp>
#endif

#endif // LOADKIT_REPORT_PROGRESS_HPP
