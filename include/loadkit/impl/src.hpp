// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Separate compilation (loadkit/config.hpp): the one translation unit that compiles loadkit's
// bodies: core, reporters and the test adapters' judgement. Every translation unit of the program defines
// LOADKIT_SEPARATE_COMPILATION; exactly one includes this header, first and alone:
//
//   // loadkit.cpp
//   #include <loadkit/impl/src.hpp>
//
// The Asio layer has its own: <loadkit/impl/src_asio.hpp>.
#ifndef LOADKIT_IMPL_SRC_HPP
#define LOADKIT_IMPL_SRC_HPP

#if !defined(LOADKIT_SEPARATE_COMPILATION)
// Header-only builds need no source file.
#error "<loadkit/impl/src.hpp> is for separate compilation: define LOADKIT_SEPARATE_COMPILATION everywhere"
#endif
#if defined(LOADKIT_CONFIG_HPP)
// Headers included before it were read without their bodies.
#error "<loadkit/impl/src.hpp> must be the first loadkit include of its translation unit"
#endif

#define LOADKIT_IMPLEMENTATION 1

#include <loadkit/loadkit.hpp>
#include <loadkit/report/all.hpp>
#include <loadkit/testing/judgement.hpp>

#endif // LOADKIT_IMPL_SRC_HPP
