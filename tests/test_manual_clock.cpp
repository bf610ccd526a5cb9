// loadkit::manual_clock_executor, and whole runs on it: virtual time makes every figure of a run
// exact and the run instant, whatever the machine's load. Every run here checks that
// ok + errors + timeouts + dropped = scheduled, overall and per tag.
#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/detail/runtime/detached_task.hpp>
#include <loadkit/engine.hpp>
#include <loadkit/manual_clock_executor.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/timeout.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

loadkit::run_options virtual_time(loadkit::manual_clock_executor& clock) {
    loadkit::run_options o;
    o.manual_clock = &clock;
    o.sample_resources = false;
    o.report_stuck_to_stderr = false;
    return o;
}

loadkit::task<void> nap(std::chrono::nanoseconds d) { co_await loadkit::sleep_for(d); }

loadkit::operation sleeper(const char* name, std::chrono::nanoseconds d) {
    return {name, [d](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(d); }};
}

// Every latency of the histogram is exactly `d` (its exact min and max).
bool all_exactly(const loadkit::histogram& h, std::chrono::nanoseconds d) {
    return h.count() > 0 && h.min() == d && h.max() == d;
}

void check_accounts(const loadkit::run_report& r, std::uint64_t scheduled) {
    CHECK(accounted(r.result.overall) == scheduled);
    CHECK(tags_add_up(r.result));
}

} // namespace

// ---- the executor ---------------------------------------------------------------------------

TEST_CASE("manual clock: time moves only when told, and timers fire at their own deadlines in order",
          "[manual_clock]") {
    loadkit::manual_clock_executor ex;
    const auto t0 = ex.now();
    std::vector<std::pair<int, std::chrono::nanoseconds>> fired;
    const auto sleeper_task = [&](int id, std::chrono::nanoseconds d) -> loadkit::detail::detached_task {
        co_await loadkit::sleep_for(d);
        fired.emplace_back(id, ex.now() - t0);
    };
    ex.post(sleeper_task(1, 30ms).handle);
    ex.post(sleeper_task(2, 10ms).handle);
    ex.post(sleeper_task(3, 10ms).handle);
    CHECK(ex.run_ready() == 3);
    CHECK(ex.now() == t0); // running never moves the clock
    CHECK(ex.pending_timers() == 3);
    REQUIRE(ex.next_timer().has_value());
    CHECK(*ex.next_timer() == t0 + 10ms);
    ex.advance(20ms);
    CHECK(ex.now() == t0 + 20ms);
    REQUIRE(fired.size() == 2);
    CHECK(fired[0] == std::make_pair(2, std::chrono::nanoseconds{10ms})); // equal deadlines: FIFO
    CHECK(fired[1] == std::make_pair(3, std::chrono::nanoseconds{10ms}));
    CHECK(ex.run() == t0 + 30ms); // discrete-event: straight to the last timer
    REQUIRE(fired.size() == 3);
    CHECK(fired[2] == std::make_pair(1, std::chrono::nanoseconds{30ms}));
    CHECK(ex.pending_timers() == 0);
}

TEST_CASE("manual clock: with_timeout decides on virtual time, and a cancelled sleep leaves no timer",
          "[manual_clock]") {
    loadkit::manual_clock_executor ex;
    const auto t0 = ex.now();
    std::vector<bool> timed_out;
    const auto limited = [&](std::chrono::nanoseconds work) -> loadkit::detail::detached_task {
        auto r = co_await loadkit::with_timeout(nap(work), 50ms);
        timed_out.push_back(r.timed_out());
    };
    ex.post(limited(49ms).handle);
    ex.post(limited(51ms).handle);
    CHECK(ex.run() == t0 + 50ms); // the 51 ms nap is cancelled at 50 ms: nothing waits for it
    CHECK(timed_out == std::vector<bool>{false, true});
    CHECK(ex.pending_timers() == 0);
}

TEST_CASE("manual clock: advance() from code on the executor is busy time; what fell due runs after it",
          "[manual_clock]") {
    loadkit::manual_clock_executor ex;
    const auto t0 = ex.now();
    std::chrono::nanoseconds woke{};
    const auto sleeper_task = [&]() -> loadkit::detail::detached_task {
        co_await loadkit::sleep_for(1ms);
        woke = ex.now() - t0;
    };
    const auto busy = [&]() -> loadkit::detail::detached_task {
        ex.advance(5ms); // 5 ms of work: the 1 ms timer is late, as on a busy loop
        co_return;
    };
    ex.post(sleeper_task().handle);
    ex.run_ready();
    ex.post(busy().handle);
    ex.run();
    CHECK(woke == 5ms);
    CHECK(ex.now() == t0 + 5ms);
}

TEST_CASE("manual clock: invalid options and time going back name the field and value", "[manual_clock]") {
    using loadkit::manual_clock_executor;
    CHECK(contains(invalid_argument_message([] { manual_clock_executor ex({.start = {}}); }), "start = 0ns"));
    CHECK(contains(invalid_argument_message([] { manual_clock_executor ex({.work_wait = -1s}); }),
                   "work_wait = -1000000000ns"));
    manual_clock_executor ex;
    CHECK(contains(invalid_argument_message([&] { ex.advance(-3ns); }), "delay = -3ns"));
    CHECK(contains(invalid_argument_message([&] { ex.advance_to(ex.now() - 7ns); }), "t = now() - 7ns"));

    loadkit::run_options o = virtual_time(ex);
    const loadkit::operation op{"op", loadkit::nonblocking([] {})};
    const loadkit::profile p = loadkit::burst{.n = 1};
    o.threads = 2;
    CHECK(contains(invalid_argument_message([&] { (void)loadkit::run(p, op, o); }), "threads = 2"));
    o.threads = 1;
    loadkit::manual_clock_executor other;
    o.executors = {&other};
    CHECK(
        contains(invalid_argument_message([&] { (void)loadkit::run(p, op, o); }), "executors = 1 executors"));
    o.executors.clear();
    o.sample_resources = true;
    o.leak_check = loadkit::leak_options{};
    CHECK(contains(invalid_argument_message([&] { (void)loadkit::run(p, op, o); }), "leak_check = set"));
}

TEST_CASE("manual clock: a blocking call holds virtual time still until it returns", "[manual_clock]") {
    loadkit::manual_clock_executor ex;
    const auto r = loadkit::run(loadkit::per_vu_iterations{.vus = 2, .iterations = 3},
                                {"blocking", [] { std::this_thread::sleep_for(2ms); }}, virtual_time(ex));
    check_accounts(r, 6);
    CHECK(r.result.overall.ok == 6);
    CHECK(all_exactly(r.result.overall.latency, 0ns));
    CHECK(r.result.duration == 0ns);
}

// ---- whole runs in virtual time -------------------------------------------------------------

TEST_CASE("virtual time: a constant rate of 2,000/s for 3 s starts all 6,000 arrivals on time, none dropped",
          "[manual_clock][engine]") {
    loadkit::manual_clock_executor ex;
    const auto t0 = ex.now();
    loadkit::scenario s{
        .name = "mix",
        .profile = loadkit::constant_rate{.rate = 2000, .duration = 3s, .max_in_flight = 200},
        .operations = {sleeper("read", 10ms), {"write", 3.0, [](loadkit::op_context&) -> loadkit::task<void> {
                                                   co_await loadkit::sleep_for(20ms);
                                               }}}};
    const auto r = loadkit::run(virtual_time(ex), s);
    check_accounts(r, 6000);
    const auto& all = r.result.overall;
    CHECK(r.result.model == loadkit::latency_model::open);
    CHECK(r.result.reason == loadkit::stop_reason::completed);
    CHECK(all.ok == 6000);
    CHECK(all.dropped == 0);
    CHECK(all.duration == 3s); // the rate's window: exactly 2,000/s
    CHECK(static_cast<double>(all.count()) / std::chrono::duration<double>(all.duration).count() == 2000.0);
    const auto* read = r.result.find("read");
    const auto* write = r.result.find("write");
    REQUIRE(read != nullptr);
    REQUIRE(write != nullptr);
    CHECK(all_exactly(read->latency, 10ms)); // no lateness: latency is exactly the service time
    CHECK(all_exactly(write->latency, 20ms));
    CHECK(read->count() + write->count() == 6000);
    CHECK(write->count() > 2 * read->count()); // weights 1:3, a fixed seed
    // The run ends when the last arrival (at 2.9995 s) does: 10 or 20 ms later.
    CHECK(r.result.duration == ex.now() - t0);
    CHECK((ex.now() == t0 + 2999500us + 10ms || ex.now() == t0 + 2999500us + 20ms));
}

TEST_CASE("virtual time: the same seed gives the same run, to the nanosecond", "[manual_clock][engine]") {
    const auto once = [] {
        loadkit::manual_clock_executor ex;
        loadkit::scenario s{.name = "mix",
                            .profile =
                                loadkit::constant_rate{.rate = 500, .duration = 2s, .max_in_flight = 3},
                            .operations = {{"a",
                                            [](loadkit::op_context& ctx) -> loadkit::task<void> {
                                                co_await loadkit::sleep_for(
                                                    static_cast<std::int64_t>(ctx.random().below(8)) * 1ms);
                                            }},
                                           sleeper("b", 4ms)}};
        return loadkit::run(virtual_time(ex), s);
    };
    const auto a = once();
    const auto b = once();
    check_accounts(a, 1000);
    check_accounts(b, 1000);
    CHECK(a.result.overall.dropped > 0); // 3 slots: some arrivals find them all busy
    CHECK(a.result.overall.ok == b.result.overall.ok);
    CHECK(a.result.overall.dropped == b.result.overall.dropped);
    CHECK(a.result.find("a")->count() == b.result.find("a")->count());
    CHECK(a.result.overall.latency.value_at_percentile(99) ==
          b.result.overall.latency.value_at_percentile(99));
    CHECK(a.result.overall.latency.max() == b.result.overall.latency.max());
}

TEST_CASE(
    "virtual time: arrivals that find max_in_flight busy are dropped, exactly by the service's capacity",
    "[manual_clock][engine]") {
    // 5 slots x 50 ms: a slot frees at the instant an arrival comes (its timer was armed first), so
    // every 50 ms 5 arrivals run and 45 are dropped.
    loadkit::manual_clock_executor ex;
    const auto r = loadkit::run(loadkit::constant_rate{.rate = 1000, .duration = 1s, .max_in_flight = 5},
                                sleeper("slow", 50ms), virtual_time(ex));
    check_accounts(r, 1000);
    CHECK(r.result.overall.ok == 100);
    CHECK(r.result.overall.dropped == 900);
    CHECK(all_exactly(r.result.overall.latency, 50ms));
}

TEST_CASE("virtual time: ramping_arrival_rate issues its schedule's arrivals", "[manual_clock][engine]") {
    loadkit::manual_clock_executor ex;
    const std::vector<loadkit::rate_stage> stages{{.target = 200, .duration = 2s},
                                                  {.target = 0, .duration = 1s}};
    const auto expected = loadkit::rate_schedule(0, stages).total_count();
    const auto r = loadkit::run(loadkit::ramping_rate{.start_rate = 0, .stages = stages}, sleeper("op", 5ms),
                                virtual_time(ex));
    check_accounts(r, expected);
    CHECK(expected == 300); // 200/s ramped up over 2 s, down over 1 s
    CHECK(r.result.overall.ok == expected);
    CHECK(all_exactly(r.result.overall.latency, 5ms));
    CHECK(r.result.overall.duration == 3s);
    CHECK(r.result.duration == 2905ms); // the last arrival, at 2.9 s, and its 5 ms
}

TEST_CASE("virtual time: constant_vus for a duration runs exactly duration / iteration time per user",
          "[manual_clock][engine]") {
    loadkit::manual_clock_executor ex;
    const auto t0 = ex.now();
    const auto r =
        loadkit::run(loadkit::constant_vus{.vus = 5, .duration = 1s}, sleeper("op", 10ms), virtual_time(ex));
    check_accounts(r, 500);
    CHECK(r.result.overall.ok == 500); // starts at 0, 10, ..., 990 ms: 100 per user
    CHECK(all_exactly(r.result.overall.latency, 10ms));
    CHECK(r.result.duration == 1s);
    CHECK(ex.now() == t0 + 1s);
}

TEST_CASE("virtual time: waves run one after another with their pause", "[manual_clock][engine]") {
    loadkit::manual_clock_executor ex;
    const auto t0 = ex.now();
    const auto r = loadkit::run(loadkit::waves{.count = 3, .size = 4, .pause = 100ms}, sleeper("op", 50ms),
                                virtual_time(ex));
    check_accounts(r, 12);
    CHECK(r.result.overall.ok == 12);
    CHECK(all_exactly(r.result.overall.latency, 50ms));
    CHECK(ex.now() == t0 + 3 * 50ms + 2 * 100ms);
}

TEST_CASE("virtual time: a scenario timeout cuts every operation at exactly its limit",
          "[manual_clock][engine]") {
    loadkit::manual_clock_executor ex;
    loadkit::scenario s{.name = "slow",
                        .profile = loadkit::per_vu_iterations{.vus = 3, .iterations = 4},
                        .operations = {sleeper("slow", 100ms), sleeper("fast", 10ms)},
                        .timeout = 30ms};
    const auto r = loadkit::run(virtual_time(ex), s);
    check_accounts(r, 12);
    const auto* slow = r.result.find("slow");
    const auto* fast = r.result.find("fast");
    REQUIRE(slow != nullptr);
    REQUIRE(fast != nullptr);
    CHECK(slow->timeouts == slow->count());
    CHECK(fast->ok == fast->count());
    CHECK(all_exactly(slow->latency, 30ms));
    CHECK(all_exactly(fast->latency, 10ms));
}

TEST_CASE("virtual time: max_duration stops a long run at its deadline, in no real time",
          "[manual_clock][engine]") {
    loadkit::manual_clock_executor ex;
    loadkit::run_options o = virtual_time(ex);
    o.max_duration = 2s;
    const auto real_start = std::chrono::steady_clock::now();
    const auto r = loadkit::run(loadkit::constant_vus{.vus = 2, .duration = 1h}, sleeper("op", 100ms), o);
    const auto real = std::chrono::steady_clock::now() - real_start;
    CHECK(r.result.reason == loadkit::stop_reason::deadline);
    // 2 users x 20 iterations by 2 s; each starts a 21st at 2 s, before the monitor's pass at that
    // instant stops new ones, and finishes it within the graceful stop.
    CHECK(r.result.overall.ok == 42);
    check_accounts(r, 42);
    CHECK(r.result.duration == 2100ms);
    CHECK(real < 30s); // an hour's profile, stopped at 2 virtual seconds
}
