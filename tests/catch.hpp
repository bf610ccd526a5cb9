// Catch2 v2/v3 selector: tests include "catch.hpp" and build against either major version
// (Debian 12 ships v2.13; v3 splits the single header into per-feature headers).
#ifndef LOADKIT_TESTS_CATCH_HPP
#define LOADKIT_TESTS_CATCH_HPP

#include <string>

#if __has_include(<catch2/catch_test_macros.hpp>)
#define LOADKIT_TESTS_CATCH2_V3 1
#include <catch2/catch_approx.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators_all.hpp>
#include <catch2/matchers/catch_matchers_all.hpp>
using Catch::Approx;
#else
#define LOADKIT_TESTS_CATCH2_V3 0
#include <catch2/catch.hpp>
#endif

namespace loadkit_test {

// The substring matcher changed name: v2's Matchers::Contains(string) is v3's ContainsSubstring (v3's
// Contains matches an element of a range). Tests use this one name, e.g. in CHECK_THROWS_WITH.
inline auto contains_text(const std::string& text) {
#if LOADKIT_TESTS_CATCH2_V3
    return Catch::Matchers::ContainsSubstring(text);
#else
    return Catch::Matchers::Contains(text);
#endif
}

} // namespace loadkit_test

#endif // LOADKIT_TESTS_CATCH_HPP
