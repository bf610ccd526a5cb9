#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/capacity.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// k servers, each taking a fixed service time per request, behind one queue: capacity k / time.
// The queue is simulated on the servers' own timeline (a request completes service_time after the
// later of its arrival and the first free server), so the capacity is exact however late the
// event loop's timers fire on a busy machine; only the measured latency carries that noise.
struct simulated_service {
    std::vector<loadkit::clock::time_point> free_at;
    std::chrono::nanoseconds service_time;

    simulated_service(std::size_t k, std::chrono::nanoseconds t) : free_at(k), service_time(t) {}

    loadkit::task<void> call() { // one event loop: no lock needed
        auto server = std::min_element(free_at.begin(), free_at.end());
        const auto now = loadkit::clock::now();
        const auto done = std::max(now, *server) + service_time;
        *server = done;
        co_await loadkit::sleep_until(done);
    }
};

} // namespace

TEST_CASE(
    "capacity: the search finds a simulated service's known capacity (4 servers x 10 ms = 400/s) within 10 %",
    "[capacity]") {
    simulated_service service{4, 10ms};
    loadkit::capacity_options o;
    o.start_rate = 50;
    o.step_duration = 1s;
    o.precision = 0.04;
    o.slo = loadkit::slo_policy{"p99 < 60ms"};
    o.run.threads = 1; // the simulated service's queue lives on one loop
    o.run.sample_resources = false;
    o.run.report_stuck_to_stderr = false;
    o.run.graceful_stop = 100ms; // a failed step's queue is cut short
    int steps_seen = 0;
    o.on_step = [&](const loadkit::capacity_step&) { ++steps_seen; };
    const auto report = loadkit::find_capacity(
        o, loadkit::operation{"call",
                              [&](loadkit::op_context&) -> loadkit::task<void> { co_await service.call(); }});
    REQUIRE(report.capacity.has_value());
    const auto& curve = *report.capacity;
    REQUIRE(curve.sustainable.has_value());
    INFO("sustainable " << *curve.sustainable << "/s after " << curve.steps.size() << " steps");
    CHECK(*curve.sustainable >= 360.0);
    CHECK(*curve.sustainable <= 440.0);
    CHECK(steps_seen == static_cast<int>(curve.steps.size()));
    bool any_fail = false;
    for (const auto& s : curve.steps) {
        any_fail = any_fail || !s.passed;
        if (s.passed) {
            CHECK(s.achieved_rate >= 0.95 * s.offered_rate);
        }
    }
    CHECK(any_fail);
    CHECK(curve.objective == "p99 < 60ms");
    CHECK(report.slo.has_value());
    CHECK(report.slo->passed()); // the sustainable step's verdicts
    CHECK(report.result.model == loadkit::latency_model::open);
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
