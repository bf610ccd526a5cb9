// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::color_mode — whether the terminal reporters (the console summary, console.hpp, and the
// live progress line, progress.hpp) colour their text. Apart from both so that their options name
// one type, and so that neither options struct pulls in the terminal code that draws them.
#ifndef LOADKIT_REPORT_TERMINAL_HPP
#define LOADKIT_REPORT_TERMINAL_HPP

#include <loadkit/version.hpp>

#include <cstdint>

namespace loadkit {
inline namespace v0_1 {

// When the console reporters use ANSI colour. automatic: only on a terminal, and not when the
// NO_COLOR environment variable is set to a non-empty value or TERM is "dumb".
enum class color_mode : std::uint8_t { automatic, always, never };

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_REPORT_TERMINAL_HPP
