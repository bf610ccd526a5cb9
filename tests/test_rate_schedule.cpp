#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/rate_schedule.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

namespace {
nanoseconds offset_of(const loadkit::rate_schedule& s, std::uint64_t k) {
    const std::optional<nanoseconds> t = s.intended_offset(k);
    REQUIRE(t.has_value());
    return *t;
}
} // namespace

TEST_CASE("a constant rate puts arrival k at k / rate, the first at offset 0", "[rate_schedule]") {
    const auto s = loadkit::rate_schedule::constant(1000, 2s);
    CHECK(s.total_duration() == 2s);
    CHECK(s.total_count() == 2000);
    CHECK(offset_of(s, 0) == 0ns);
    CHECK(offset_of(s, 1) == 1ms);
    CHECK(offset_of(s, 1234) == 1234ms);
    CHECK(offset_of(s, 1999) == 1999ms);
    CHECK_FALSE(s.intended_offset(2000).has_value());
    CHECK_FALSE(s.intended_offset(std::numeric_limits<std::uint64_t>::max()).has_value());
    CHECK(s.rate_at(0ns) == 1000.0);
    CHECK(s.rate_at(1999ms) == 1000.0);
    CHECK(s.rate_at(2s) == 0.0);
    CHECK(s.rate_at(-1ns) == 0.0);
    CHECK(s.expected_count(500ms) == Approx(500.0));
    CHECK(s.expected_count(10s) == Approx(2000.0));
}

TEST_CASE("fractional rates: arrivals at exact fractions of a second, count = floor of the integral",
          "[rate_schedule]") {
    const auto half = loadkit::rate_schedule::constant(0.5, 10s);
    REQUIRE(half.total_count() == 5);
    for (std::uint64_t k = 0; k < 5; ++k) {
        CHECK(offset_of(half, k) == std::chrono::seconds(2 * k));
    }
    const auto third = loadkit::rate_schedule::constant(1.0 / 3.0, 9s);
    REQUIRE(third.total_count() == 3);
    CHECK(offset_of(third, 2) == 6s);
    const auto odd = loadkit::rate_schedule::constant(2.5, 1900ms); // integral 4.75 -> 4 arrivals
    CHECK(odd.total_count() == 4);
    CHECK(offset_of(odd, 3) == 1200ms);
    // 0.29 * 100 is 28.999999999999996 in binary floating point: still 29 arrivals.
    CHECK(loadkit::rate_schedule::constant(0.29, 100s).total_count() == 29);
    CHECK(loadkit::rate_schedule::constant(0.1, 30s).total_count() == 3);
}

TEST_CASE("no drift: at 1 M/s for an hour, arrival 3.6e9 - 1 lands within 1 ns of 3599.999999 s",
          "[rate_schedule]") {
    const auto s = loadkit::rate_schedule::constant(1e6, 1h);
    REQUIRE(s.total_count() == 3'600'000'000ULL);
    const nanoseconds last = offset_of(s, 3'599'999'999ULL);
    CHECK(std::llabs((last - nanoseconds{3'599'999'999'000LL}).count()) <= 1);
    CHECK(offset_of(s, 1'800'000'000ULL) == 1800s);
    // A ramp that ends an hour later is just as exact: 0 -> 2 M/s over 1 h holds 3.6e9 arrivals and
    // arrival k is at sqrt(k / 1e6 * 3600) s.
    const loadkit::rate_schedule ramp{0, {{.target = 2e6, .duration = 1h}}};
    REQUIRE(ramp.total_count() == 3'600'000'000ULL);
    const double k = 3'599'999'999.0;
    const double expected_ns = std::sqrt(k / 1e6 * 3600.0) * 1e9;
    CHECK(std::abs(static_cast<double>(offset_of(ramp, 3'599'999'999ULL).count()) - expected_ns) <= 1.0);
}

TEST_CASE("a linear ramp yields exactly its integral, arrivals where the integral crosses each k",
          "[rate_schedule]") {
    const loadkit::rate_schedule up{0, {{.target = 1000, .duration = 10s}}}; // integral 5000
    REQUIRE(up.total_count() == 5000);
    CHECK(offset_of(up, 0) == 0ns);
    CHECK(offset_of(up, 1250) == 5s); // integral over the first 5 s: 100/s^2 * 25 s^2 / 2
    CHECK(offset_of(up, 1249) < 5s);
    CHECK(up.rate_at(5s) == Approx(500.0));

    const loadkit::rate_schedule down{1000, {{.target = 0, .duration = 10s}}};
    REQUIRE(down.total_count() == 5000);
    CHECK(offset_of(down, 3750) == 5s); // 1000 * 5 - 100 * 25 / 2
    CHECK(offset_of(down, 0) == 0ns);
    CHECK(offset_of(down, 4999) < 10s);
}

TEST_CASE("multi-stage schedule: offsets increase and the integral at arrival k is k", "[rate_schedule]") {
    const loadkit::rate_schedule s{50,
                                   {{.target = 400, .duration = 3s},     // ramp up
                                    {.target = 400, .duration = 2s},     // hold
                                    {.target = 120, .duration = 1500ms}, // ramp down
                                    {.target = 0, .duration = 700ms}}};
    const double integral = 0.5 * (50 + 400) * 3 + 400 * 2 + 0.5 * (400 + 120) * 1.5 + 0.5 * 120 * 0.7;
    CHECK(s.total_count() == static_cast<std::uint64_t>(std::floor(integral)));
    CHECK(s.total_duration() == 7200ms);
    nanoseconds previous{-1};
    for (std::uint64_t k = 0; k < s.total_count(); ++k) {
        const nanoseconds t = offset_of(s, k);
        REQUIRE(t > previous);
        REQUIRE(std::abs(s.expected_count(t) - static_cast<double>(k)) < 1e-3); // within 1 ns at <= 400/s
        previous = t;
    }
    CHECK(s.rate_at(3s) == Approx(400.0));
    CHECK(s.rate_at(5750ms) == Approx(260.0));
}

TEST_CASE("a rate of 0 pauses: no arrival falls inside the pause, the next one is due when it ends",
          "[rate_schedule]") {
    const loadkit::rate_schedule s{10,
                                   {{.target = 10, .duration = 1s},   // arrivals 0..9 at 0, 0.1, ... 0.9 s
                                    {.target = 0, .duration = 1ms},   // a steep ramp down (0.005 more)
                                    {.target = 0, .duration = 5s},    // pause
                                    {.target = 20, .duration = 1s}}}; // ramp up: 10 more
    REQUIRE(s.total_count() == 20);
    CHECK(offset_of(s, 9) == 900ms);
    CHECK(offset_of(s, 10) == 1s); // the integral passes 10 at 1 s, before the rate falls
    for (std::uint64_t k = 0; k < s.total_count(); ++k) {
        const nanoseconds t = offset_of(s, k);
        CHECK((t <= 1001ms || t >= 6001ms)); // none inside the pause
    }
    // Arrival 11 needs 0.995 more: 20 / s^2 * t^2 / 2 = 0.995 into the last ramp.
    CHECK(std::abs(static_cast<double>(offset_of(s, 11).count()) - (6.001 + std::sqrt(0.0995)) * 1e9) < 2.0);
    CHECK(s.rate_at(3s) == 0.0);

    const loadkit::rate_schedule late_start{0,
                                            {{.target = 0, .duration = 2s}, {.target = 100, .duration = 1s}}};
    REQUIRE(late_start.total_count() == 50);
    CHECK(offset_of(late_start, 0) == 2s);
    CHECK(offset_of(late_start, 49) < 3s);
}

TEST_CASE("invalid schedules throw std::invalid_argument naming the field and the value", "[rate_schedule]") {
    using loadkit::rate_schedule;
    auto message = [](auto make) { return invalid_argument_message(make); };
    CHECK(message([] {
              rate_schedule{0, {{10, 1s}, {20, 1s}, {-5, 1s}}};
          }) == "loadkit::rate_schedule: stages[2].target = -5 (expected a finite rate >= 0 per second)");
    CHECK(contains(message([] { rate_schedule{-1, {{10, 1s}}}; }), "start_rate = -1"));
    CHECK(contains(message([] { rate_schedule{std::nan(""), {{10, 1s}}}; }), "start_rate = nan"));
    CHECK(contains(message([] {
                       rate_schedule{0, {{std::numeric_limits<double>::infinity(), 1s}}};
                   }),
                   "stages[0].target = inf"));
    CHECK(contains(message([] {
                       rate_schedule{0, {{10, 1s}, {10, 0s}}};
                   }),
                   "stages[1].duration = 0ns (expected > 0)"));
    CHECK(contains(message([] { rate_schedule{0, {{10, -1ms}}}; }), "stages[0].duration = -1000000ns"));
    CHECK(contains(message([] { rate_schedule{5, {}}; }), "stages = {} (empty)"));
    CHECK(contains(message([] { rate_schedule{0, {{0, 1h}}}; }), "total_count = 0"));
    CHECK(contains(message([] { rate_schedule::constant(0.5, 1s); }), "expected at least one arrival"));
    CHECK(message([] { rate_schedule::constant(-3, 1s); }) ==
          "loadkit::rate_schedule::constant: rate = -3 (expected a finite rate >= 0 per second)");
    CHECK(contains(message([] { rate_schedule::constant(10, 0s); }),
                   "rate_schedule::constant: duration = 0ns"));
}
