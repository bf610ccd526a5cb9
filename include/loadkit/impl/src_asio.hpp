// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Separate compilation (loadkit/config.hpp): the one translation unit that compiles the bodies of
// the Asio layer (loadkit/asio.hpp: executor, use_task, HTTP client and target), apart from
// <loadkit/impl/src.hpp> so that a program without Asio builds loadkit without it. Include it in
// exactly one translation unit, before any Asio layer header (it may follow impl/src.hpp there):
//
//   // loadkit_asio.cpp
//   #include <loadkit/impl/src_asio.hpp>
// loadkit-requires: asio
#ifndef LOADKIT_IMPL_SRC_ASIO_HPP
#define LOADKIT_IMPL_SRC_ASIO_HPP

#if !defined(LOADKIT_SEPARATE_COMPILATION)
// Header-only builds need no source file.
#error "<loadkit/impl/src_asio.hpp> is for separate compilation: define LOADKIT_SEPARATE_COMPILATION"
#endif
#if defined(LOADKIT_ASIO_HPP)
// Otherwise the Asio layer was read without its bodies.
#error "<loadkit/impl/src_asio.hpp> must come before <loadkit/asio.hpp> in its translation unit"
#endif

#define LOADKIT_ASIO_IMPLEMENTATION 1

#include <loadkit/asio.hpp>

#endif // LOADKIT_IMPL_SRC_ASIO_HPP
