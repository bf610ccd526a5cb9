#include "catch.hpp"

#include <loadkit/version.hpp>

TEST_CASE("version macros and loadkit::version name the same release", "[version]") {
    STATIC_REQUIRE(loadkit::version.major == LOADKIT_VERSION_MAJOR);
    STATIC_REQUIRE(loadkit::version.minor == LOADKIT_VERSION_MINOR);
    STATIC_REQUIRE(loadkit::version.patch == LOADKIT_VERSION_PATCH);
    STATIC_REQUIRE(LOADKIT_VERSION ==
                   LOADKIT_VERSION_MAJOR * 10000 + LOADKIT_VERSION_MINOR * 100 + LOADKIT_VERSION_PATCH);
}

TEST_CASE("version components stay within the packed LOADKIT_VERSION encoding", "[version]") {
    STATIC_REQUIRE(LOADKIT_VERSION_MAJOR >= 0);
    STATIC_REQUIRE(LOADKIT_VERSION_MINOR >= 0 && LOADKIT_VERSION_MINOR < 100);
    STATIC_REQUIRE(LOADKIT_VERSION_PATCH >= 0 && LOADKIT_VERSION_PATCH < 100);
}
