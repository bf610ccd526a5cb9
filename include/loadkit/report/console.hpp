// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::to_console / loadkit::print_summary — the end-of-run summary a person reads in a
// terminal or a CI log, from a run_report (run_report.hpp).
//
//   #include <loadkit/report/console.hpp>
//   loadkit::print_summary(stdout, report);                          // colour on a terminal only
//   std::string text = loadkit::to_console(report, {.color = loadkit::color_mode::never, .width = 120});
//
// What it shows, top to bottom: the run (length, warm-up, latency model in words, why it stopped
// when it did not complete), scenarios and their profiles, count / ok / failed / error rate /
// throughput / dropped per tag and for all, min / avg / p50 / p90 / p95 / p99 / p99.9 / max /
// stddev per tag (an open-model run shows service time apart from response time), the percentile
// spectrum on a log 1/(1-p) axis (and, opted in, the distribution as bars), errors by category with
// their most frequent messages, the warm-up (cold) beside the steady state (warm), the process's
// resources (RSS, heap, CPU, threads, open files), the capacity curve, and last the verdicts (SLO
// lines with PASS/FAIL marks, the leak verdict, stuck operations) and one PASSED/FAILED line with
// the exit code, so the verdict is what a terminal shows when the run ends.
//
// Numbers: each value in the unit that suits it (153.2ms, 1.23k/s, 12.5 MiB) with 4 significant
// digits for durations and 3 for rates and bytes; counts with thousands separators. Text from the
// run (tag names, error messages from a server) has control characters escaped, so it cannot move
// the cursor or recolour the terminal. Colour: color_mode::automatic colours only a terminal when
// NO_COLOR is unset (https://no-color.org) and TERM is not "dumb"; to_console() has no terminal,
// so automatic means no colour there.
#ifndef LOADKIT_REPORT_CONSOLE_HPP
#define LOADKIT_REPORT_CONSOLE_HPP

#include <loadkit/report/terminal.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <cstdio>
#include <iosfwd>
#include <string>

namespace loadkit {
inline namespace v0_1 {

struct console_options {
    color_mode color = color_mode::automatic;
    std::size_t width = 100;            // columns, 60 .. 1000; tables drop minor columns to fit
    bool unicode = true;                // box drawing, block bars, check marks, "µs"; false: ASCII
    bool percentile_chart = true;       // latency against percentile (log 1/(1-p) axis)
    bool distribution_chart = false;    // counts in log-spaced latency bins
    std::size_t chart_height = 10;      // rows of the spectrum and bins of the distribution, 3 .. 50
    std::size_t max_error_messages = 3; // sample messages shown per error category (0: counts only)
};

// The summary as text ('\n' line ends). color_mode::automatic means no colour: a string is not a
// terminal. Throws std::invalid_argument for invalid options.
[[nodiscard]] LOADKIT_DECL std::string to_console(const run_report& report,
                                                  const console_options& options = {});

// Writes the summary to `out` (stdout, stderr or a file), coloured when automatic finds a terminal.
LOADKIT_DECL void print_summary(std::FILE* out, const run_report& report,
                                const console_options& options = {});

// Writes the summary to a stream. automatic colours std::cout / std::cerr / std::clog when the
// matching stdout / stderr is a terminal; any other stream gets no colour.
LOADKIT_DECL void print_summary(std::ostream& out, const run_report& report,
                                const console_options& options = {});

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_console.ipp>
#endif

#endif // LOADKIT_REPORT_CONSOLE_HPP
