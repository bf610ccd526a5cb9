// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Compile-time switches every loadkit header sees first.
//
// Header-only (the default): include and use; every body is inline in the headers.
//
// Separate compilation, as Asio's ASIO_SEPARATE_COMPILATION and fmt's compiled library: define
// LOADKIT_SEPARATE_COMPILATION in every translation unit (-DLOADKIT_SEPARATE_COMPILATION), and
// compile the bodies once, in one translation unit of your own:
//
//   // loadkit.cpp                                 // or link CMake's loadkit::compiled, meson's
//   #include <loadkit/impl/src.hpp>                // loadkit_compiled_dep: they do this for you
//
// With the single headers, that translation unit defines LOADKIT_IMPLEMENTATION before it includes
// them (impl/src.hpp does the same for the multi-file tree). The Asio layer (loadkit/asio.hpp) is
// compiled apart, by <loadkit/impl/src_asio.hpp> (LOADKIT_ASIO_IMPLEMENTATION), so a program that
// does not use Asio does not need it to build loadkit. All translation units of a program must agree
// on LOADKIT_SEPARATE_COMPILATION, as on every loadkit macro.
#ifndef LOADKIT_CONFIG_HPP
#define LOADKIT_CONFIG_HPP

#if !defined(__cpp_impl_coroutine) || __cpp_impl_coroutine < 201902L
#error "loadkit needs C++20 coroutines (-std=c++20; GCC >= 12, Clang >= 16 or MSVC 19.30)"
#endif

// LOADKIT_DECL marks a function whose body lives in loadkit/impl/: inline when the headers carry
// the bodies, an ordinary external function when one translation unit compiles them. A header with
// bodies includes them at its end in a block of its own:
//   #if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
//   #include <loadkit/impl/engine.ipp>
//   #endif
// (LOADKIT_ASIO_IMPLEMENTATION for the Asio layer), which tools/amalgamate.py gathers at the end of
// each single header.
#if defined(LOADKIT_SEPARATE_COMPILATION)
#define LOADKIT_DECL
#else
#define LOADKIT_DECL inline
#endif

#endif // LOADKIT_CONFIG_HPP
