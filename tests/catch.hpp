// Catch2 v2/v3 selector: tests include "catch.hpp" and build against either major version
// (Debian 12 ships v2.13; v3 splits the single header into per-feature headers).
#ifndef LOADKIT_TESTS_CATCH_HPP
#define LOADKIT_TESTS_CATCH_HPP

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators_all.hpp>
#include <catch2/matchers/catch_matchers_all.hpp>
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif

#endif // LOADKIT_TESTS_CATCH_HPP
