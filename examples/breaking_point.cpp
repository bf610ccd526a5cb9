// Stress to the breaking point: find the highest arrival rate at which a service still meets
// "p99 < 60 ms and < 1 % errors" (sustainable throughput), with the throughput/latency curve.
// The in-process service has 4 servers of 10 ms each — a capacity of 400/s — simulated on its own
// timeline, so the answer is known: the search should land within a few percent of 400/s.
#include <loadkit/loadkit.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace std::chrono_literals;

int main() {
    std::vector<loadkit::clock::time_point> free_at(4); // when each server is next free
    loadkit::operation call{"call", [&](loadkit::op_context&) -> loadkit::task<void> {
                                auto server = std::min_element(free_at.begin(), free_at.end());
                                *server = std::max(loadkit::clock::now(), *server) + 10ms;
                                co_await loadkit::sleep_until(*server);
                            }};
    // snippet-begin: capacity
    loadkit::capacity_options options;
    options.start_rate = 100;
    options.step_duration = 1s;
    options.slo = loadkit::slo_policy{"p99 < 60ms", "error_rate < 1%"};
    options.run.threads = 1; // one event loop, so the simulated servers need no lock
    options.on_step = [](const loadkit::capacity_step& s) {
        std::printf("offered %6.1f/s  achieved %6.1f/s  p50 %6.2fms  p99 %7.2fms  %s\n", s.offered_rate,
                    s.achieved_rate, std::chrono::duration<double, std::milli>(s.p50).count(),
                    std::chrono::duration<double, std::milli>(s.p99).count(), s.passed ? "PASS" : "FAIL");
    };
    const auto report = loadkit::find_capacity(options, call);
    // snippet-end
    const auto& curve = *report.capacity;
    std::printf("sustainable: %.0f/s (known capacity 400/s); knee: %.0f/s\n", curve.sustainable.value_or(0.0),
                curve.knee.value_or(0.0));
    return curve.sustainable && *curve.sustainable > 340 && *curve.sustainable < 460 ? 0 : 1;
}
