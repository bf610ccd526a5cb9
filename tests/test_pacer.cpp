#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/pacer.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/timeout.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

using namespace std::chrono_literals;
using clock_type = loadkit::clock;

namespace {
const clock_type::time_point t0 =
    clock_type::time_point{} + 1000h; // any fixed origin: pacers take time as data

std::vector<clock_type::time_point> drain(loadkit::pacer& p) {
    std::vector<clock_type::time_point> times;
    while (std::optional<clock_type::time_point> t = p.next()) {
        times.push_back(*t);
    }
    return times;
}
} // namespace

TEST_CASE("a pacer hands out intended times from the absolute start, in order, then nullopt", "[pacer]") {
    loadkit::pacer p{t0, loadkit::rate_schedule::constant(4, 1s)};
    CHECK(p.count() == 4);
    CHECK(p.issued() == 0);
    CHECK(p.peek() == t0);
    CHECK(p.intended(3) == t0 + 750ms);
    CHECK_FALSE(p.intended(4).has_value());
    CHECK(p.next() == t0);
    CHECK(p.next() == t0 + 250ms);
    CHECK(p.issued() == 2);
    CHECK(p.peek() == t0 + 500ms);
    CHECK(p.next() == t0 + 500ms);
    CHECK(p.next() == t0 + 750ms);
    CHECK_FALSE(p.next().has_value());
    CHECK_FALSE(p.peek().has_value());
    CHECK(p.issued() == 4);
}

TEST_CASE("the issue's rate test by intended times: 2,000/s for 3 s is exactly 6,000 arrivals, 0.5 ms apart",
          "[pacer]") {
    loadkit::pacer p{t0, loadkit::rate_schedule::constant(2000, 3s)};
    const std::vector<clock_type::time_point> times = drain(p);
    REQUIRE(times.size() == 6000);
    for (std::size_t i = 0; i < times.size(); ++i) {
        REQUIRE(times[i] == t0 + std::chrono::microseconds(500 * i));
    }
}

TEST_CASE("n shards partition the schedule exactly: every arrival once, none missing", "[pacer]") {
    const loadkit::rate_schedule ramp{100,
                                      {{.target = 5000, .duration = 2s}, {.target = 0, .duration = 500ms}}};
    loadkit::pacer whole{t0, ramp};
    const std::vector<clock_type::time_point> expected = drain(whole);
    REQUIRE(expected.size() == ramp.total_count());
    for (std::uint64_t shards : {1u, 2u, 3u, 7u}) {
        std::vector<clock_type::time_point> merged;
        std::uint64_t counted = 0;
        for (std::uint64_t j = 0; j < shards; ++j) {
            loadkit::pacer part{t0, ramp, j, shards};
            counted += part.count();
            std::vector<clock_type::time_point> mine = drain(part);
            CHECK(mine.size() == part.count());
            for (std::size_t i = 0; i < mine.size(); ++i) { // shard j takes arrivals j, j + n, ...
                REQUIRE(mine[i] == expected[j + i * shards]);
            }
            merged.insert(merged.end(), mine.begin(), mine.end());
        }
        CHECK(counted == ramp.total_count());
        std::sort(merged.begin(), merged.end());
        CHECK(merged == expected);
    }
    // More shards than arrivals: the extra shards are simply empty.
    const auto three = loadkit::rate_schedule::constant(3, 1s);
    loadkit::pacer last{t0, three, 3, 4};
    CHECK(last.count() == 0);
    CHECK_FALSE(last.next().has_value());
    loadkit::pacer first{t0, three, 0, 4};
    CHECK(drain(first) == std::vector<clock_type::time_point>{t0});
}

TEST_CASE("lag(now) is how far the next arrival is overdue, and intended times never shift", "[pacer]") {
    loadkit::pacer p{t0, loadkit::rate_schedule::constant(100, 1s)};
    CHECK(p.lag(t0 - 1s) == 0ns);
    CHECK(p.lag(t0) == 0ns);
    CHECK(p.lag(t0 + 35ms) == 35ms);
    CHECK(p.next() == t0); // behind schedule: the times stay where they were, nothing is skipped
    CHECK(p.lag(t0 + 35ms) == 25ms);
    CHECK(p.next() == t0 + 10ms);
    CHECK(p.next() == t0 + 20ms);
    CHECK(p.next() == t0 + 30ms);
    CHECK(p.lag(t0 + 35ms) == 0ns);
    while (p.next()) {
    }
    CHECK(p.lag(t0 + 1h) == 0ns);
}

TEST_CASE("wait_next sleeps until each intended time and never returns early", "[pacer]") {
    auto run = [](loadkit::pacer& p) -> loadkit::task<std::vector<clock_type::duration>> {
        std::vector<clock_type::duration> early_by;
        while (std::optional<clock_type::time_point> intended = co_await p.wait_next()) {
            early_by.push_back(*intended - clock_type::now());
        }
        co_return early_by;
    };
    loadkit::pacer p{clock_type::now() + 5ms, loadkit::rate_schedule::constant(1000, 40ms)};
    const std::vector<clock_type::duration> early_by = loadkit::sync_wait(run(p));
    REQUIRE(early_by.size() == 40);
    CHECK(*std::max_element(early_by.begin(), early_by.end()) <= 0ns);
    CHECK(p.issued() == 40);
}

TEST_CASE("wait_next returns at once when behind: every overdue arrival, none skipped", "[pacer]") {
    auto run = [](loadkit::pacer& p) -> loadkit::task<std::size_t> {
        std::size_t n = 0;
        while (co_await p.wait_next()) {
            ++n;
        }
        co_return n;
    };
    const clock_type::time_point begin = clock_type::now();
    loadkit::pacer p{begin - 10s, loadkit::rate_schedule::constant(100, 5s)}; // all 500 overdue
    CHECK(p.lag(begin) > 9s);
    CHECK(loadkit::sync_wait(run(p)) == 500);
    CHECK(clock_type::now() - begin < 5s); // order of magnitude only: no sleep happened
}

TEST_CASE("a cancelled wait_next puts its arrival back", "[pacer][cancellation]") {
    auto wait_one = [](loadkit::pacer& p) -> loadkit::task<void> { co_await p.wait_next(); };
    loadkit::pacer p{clock_type::now() + 1h, loadkit::rate_schedule::constant(1, 10s)};
    const std::optional<clock_type::time_point> first = p.peek();
    const loadkit::timeout_result<void> result = loadkit::sync_wait(loadkit::with_timeout(wait_one(p), 10ms));
    CHECK(result.timed_out());
    CHECK(p.issued() == 0);
    CHECK(p.peek() == first);
}

TEST_CASE("invalid shards throw std::invalid_argument naming the field", "[pacer]") {
    const auto s = loadkit::rate_schedule::constant(10, 1s);
    CHECK(invalid_argument_message([&] { loadkit::pacer(t0, s, 0, 0); }) ==
          "loadkit::pacer: shards = 0 (expected >= 1)");
    CHECK(invalid_argument_message([&] { loadkit::pacer(t0, s, 2, 2); }) ==
          "loadkit::pacer: shard = 2 (expected < shards = 2)");
}
