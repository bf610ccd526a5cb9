// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
#ifndef LOADKIT_VERSION_HPP
#define LOADKIT_VERSION_HPP

#include <loadkit/config.hpp>

#define LOADKIT_VERSION_MAJOR 0
#define LOADKIT_VERSION_MINOR 1
#define LOADKIT_VERSION_PATCH 0
#define LOADKIT_VERSION (LOADKIT_VERSION_MAJOR * 10000 + LOADKIT_VERSION_MINOR * 100 + LOADKIT_VERSION_PATCH)

namespace loadkit {
// The inline ABI namespace keeps two loadkit versions in one program from silently mixing
// (fmt does the same with `inline namespace v12`).
inline namespace v0_1 {
struct version_info {
    int major;
    int minor;
    int patch;
};
inline constexpr version_info version{LOADKIT_VERSION_MAJOR, LOADKIT_VERSION_MINOR, LOADKIT_VERSION_PATCH};
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_VERSION_HPP
