#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/capacity.hpp>
#include <loadkit/manual_clock_executor.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// k servers, each taking a fixed service time per request, behind one queue: capacity k / time.
// The queue is simulated on the servers' own timeline (a request completes service_time after the
// later of its arrival and the first free server). The search runs on a manual clock, so every
// latency is exact and the capacity found is the same on any machine, loaded or not. Each step
// meets an idle service (reset by the step's first arrival): a failed step's backlog would
// otherwise fail the steps after it whatever their rate.
struct simulated_service {
    std::vector<loadkit::clock::time_point> free_at;
    std::chrono::nanoseconds service_time;

    simulated_service(std::size_t k, std::chrono::nanoseconds t) : free_at(k), service_time(t) {}

    void reset() { std::fill(free_at.begin(), free_at.end(), loadkit::clock::time_point{}); }

    loadkit::task<void> call() { // one executor: no lock needed
        auto server = std::min_element(free_at.begin(), free_at.end());
        const auto now = loadkit::now(); // the executor's clock: virtual time here
        const auto done = std::max(now, *server) + service_time;
        *server = done;
        co_await loadkit::sleep_until(done);
    }
};

} // namespace

// On virtual time the search is exact. At 400/s and below, arrivals 2.5 ms apart meet a free
// server: every latency is 10 ms. Above, the queue grows by (rate - 400) requests per second of the
// 1 s step, so the last arrivals wait (rate - 400) / 400 s on top of their 10 ms: p99 < 60 ms
// fails from about 420/s. Doubling from 50/s and bisecting to 4 % finds 412.5/s (p99 40.6 ms;
// 425/s has 71.8 ms), and the same inputs give the same steps every time.
TEST_CASE("capacity: on virtual time the search finds a simulated service's capacity (4 servers x 10 ms = "
          "400/s) within its 4 % precision, the same every time",
          "[capacity]") {
    const auto search = [](int& steps_seen) {
        simulated_service service{4, 10ms};
        loadkit::manual_clock_executor clock;
        loadkit::capacity_options o;
        o.start_rate = 50;
        o.step_duration = 1s;
        o.precision = 0.04;
        o.slo = loadkit::slo_policy{"p99 < 60ms"};
        o.run.manual_clock = &clock;
        o.run.sample_resources = false;
        o.run.report_stuck_to_stderr = false;
        o.run.graceful_stop = 100ms; // a failed step's queue is cut short
        o.on_step = [&](const loadkit::capacity_step&) { ++steps_seen; };
        return loadkit::find_capacity(
            o, loadkit::operation{"call", [&](loadkit::op_context& ctx) -> loadkit::task<void> {
                                      if (ctx.iteration() == 0) {
                                          service.reset(); // a new step
                                      }
                                      co_await service.call();
                                  }});
    };
    int steps_seen = 0;
    const auto report = search(steps_seen);
    REQUIRE(report.capacity.has_value());
    const auto& curve = *report.capacity;
    REQUIRE(curve.sustainable.has_value());
    INFO("sustainable " << *curve.sustainable << "/s after " << curve.steps.size() << " steps");
    CHECK(*curve.sustainable >= 400.0);
    CHECK(*curve.sustainable <= 420.0);
    CHECK(*curve.sustainable == 412.5);
    std::vector<double> offered;
    for (const auto& s : curve.steps) {
        offered.push_back(s.offered_rate);
    }
    CHECK(offered == std::vector<double>{50, 100, 200, 400, 800, 600, 500, 450, 425, 412.5});
    CHECK(steps_seen == static_cast<int>(curve.steps.size()));
    bool any_fail = false;
    for (const auto& s : curve.steps) {
        any_fail = any_fail || !s.passed;
        if (s.offered_rate <= 400.0) {
            CHECK(s.passed);
            CHECK(s.p99 == 10ms); // no queueing at or below capacity
        }
        if (s.offered_rate >= 440.0) {
            CHECK_FALSE(s.passed);
        }
        if (s.passed) {
            CHECK(s.achieved_rate >= 0.95 * s.offered_rate);
        }
    }
    CHECK(any_fail);
    CHECK(curve.objective == "p99 < 60ms");
    CHECK(report.slo.has_value());
    CHECK(report.slo->passed()); // the sustainable step's verdicts
    CHECK(report.result.model == loadkit::latency_model::open);
    CHECK(tags_add_up(report.result));

    int again_seen = 0;
    const auto again = search(again_seen);
    REQUIRE(again.capacity.has_value());
    REQUIRE(again.capacity->sustainable.has_value());
    CHECK(*again.capacity->sustainable == *curve.sustainable);
    CHECK(again_seen == steps_seen);
    for (std::size_t i = 0; i < curve.steps.size() && i < again.capacity->steps.size(); ++i) {
        CHECK(again.capacity->steps[i].p99 == curve.steps[i].p99);
    }
}

TEST_CASE("capacity: the knee is where p99 leaves the low-load baseline", "[capacity]") {
    std::vector<loadkit::capacity_step> steps(4);
    const double rates[] = {100, 200, 400, 800};
    const std::chrono::nanoseconds p99s[] = {10ms, 11ms, 30ms, 500ms};
    for (std::size_t i = 0; i < 4; ++i) {
        steps[i].offered_rate = rates[i];
        steps[i].p99 = p99s[i];
        steps[i].passed = i < 3;
    }
    CHECK(loadkit::detail::find_knee(steps, 2.0) == 200.0);
    steps[2].p99 = 12ms;
    CHECK(loadkit::detail::find_knee(steps, 2.0) == 400.0); // the first failure bounds it
}

TEST_CASE("capacity: invalid options name the field", "[capacity]") {
    const loadkit::operation op{"op", loadkit::nonblocking([] {})};
    loadkit::capacity_options o;
    o.slo = loadkit::slo_policy{"p99 < 1s"};
    o.growth = 1.0;
    CHECK(contains(invalid_argument_message([&] { (void)loadkit::find_capacity(o, op); }), "growth = 1"));
    o.growth = 2.0;
    o.slo = {};
    CHECK(contains(invalid_argument_message([&] { (void)loadkit::find_capacity(o, op); }), "slo = {}"));
    o.slo = loadkit::slo_policy{"p99 < 1s"};
    o.start_rate = 0;
    CHECK(contains(invalid_argument_message([&] { (void)loadkit::find_capacity(o, op); }), "start_rate = 0"));
}
