// loadkit/catch2.hpp (or its single header) with Catch2 as a project vendors it, included first:
// v2's catch.hpp (LOADKIT_TEST_CATCH2_FORM == 2) or v3's catch_amalgamated.hpp (3). The build puts a
// directory of #error headers named as installed Catch2 (v2 and v3) first on the include path: the
// adapter must use the Catch2 already read, not another one it finds. The hidden test case fails on
// purpose: ctest runs it alone and checks Catch2's output (tests/adapters/CMakeLists.txt).
#if LOADKIT_TEST_CATCH2_FORM == 2
#define CATCH_CONFIG_MAIN
#include "catch.hpp"
#else
#include "catch_amalgamated.hpp"
#endif

#ifdef LOADKIT_TEST_SINGLE_HEADER
#include <loadkit/loadkit_catch2.hpp>
#else
#include <loadkit/catch2.hpp>
#endif

#include "sample_runs.hpp"

#include <string>

static_assert(LOADKIT_CATCH2_MAJOR == LOADKIT_TEST_CATCH2_FORM, "the adapter took another Catch2");

TEST_CASE("catch2 forms: a run_report is judged by its own verdicts", "[catch2_forms]") {
    REQUIRE_THAT(sample_runs::with_slo(loadkit::slo_policy{"p95 < 200ms"}), loadkit::testing::meets_slo());
    CHECK_THAT(sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms"}), !loadkit::testing::meets_slo());
    CHECK_THAT(sample_runs::stuck(), !loadkit::testing::meets_slo());
    CHECK_THAT(sample_runs::leaking(), !loadkit::testing::meets_slo());
}

TEST_CASE("catch2 forms: a run_result is judged by a policy", "[catch2_forms]") {
    const auto result = sample_runs::result();
    REQUIRE_THAT(result, loadkit::meets("p95 < 200ms", "error_rate < 1%"));
    CHECK_THAT(result, loadkit::testing::meets_slo("p50 < 1ms") || loadkit::meets("max < 1s"));
    CHECK(Catch::StringMaker<loadkit::run_result>::convert(result).rfind("run_result{1000 ops, 3 failed",
                                                                         0) == 0);
}

TEST_CASE("catch2 forms: readme example", "[catch2_forms]") {
    const loadkit::run_report report = sample_runs::with_slo(loadkit::slo_policy{"p95 < 200ms"});
    // snippet-begin: catch2
    REQUIRE_THAT(report, loadkit::testing::meets_slo()); // its own SLO, leak check, stuck operations
    CHECK_THAT(report.result, loadkit::meets("p95 < 200ms", "error_rate < 1%"));
    // snippet-end
}

TEST_CASE("catch2 forms failure: a failing SLO prints the verdict", "[.catch2_forms_failure]") {
    REQUIRE_THAT(sample_runs::with_slo(loadkit::slo_policy{"p50 < 1ms", "error_rate < 1%"}),
                 loadkit::testing::meets_slo());
}
