// Fail a CI job on an SLO: record a synthetic workload with loadkit::recorder (fixed latencies and
// synthetic time: no clock, no sleeping, the same verdict on every run), evaluate "p95 < 200ms" and
// "error_rate < 1%", print the verdict lines and exit 0 when they pass (99 when not, as k6 does).
#include <loadkit/loadkit.hpp>

#include <chrono>
#include <cstdio>

int main() {
    using namespace std::chrono_literals;
    const loadkit::recorder::time_point start{}; // synthetic time origin
    loadkit::recorder recorder{start, {.interval = 1s}};
    const loadkit::tag_id search = recorder.tag("search");
    auto& writer = recorder.local();
    for (int second = 0; second < 10; ++second) {
        for (int i = 0; i < 500; ++i) { // 500 requests per second, 40 .. 159 ms, one 503 every 2 s
            const auto latency = std::chrono::milliseconds{40 + (i * 37) % 120};
            const bool failed = i == 250 && second % 2 == 0;
            writer.record(search, failed ? loadkit::outcome::error("http", "503") : loadkit::outcome::ok(),
                          latency);
        }
        recorder.tick(start + std::chrono::seconds{second + 1});
    }
    const loadkit::run_result result = recorder.finish(start + 10s);
    const loadkit::slo_report report = loadkit::slo_policy{"p95 < 200ms", "error_rate < 1%"}.evaluate(result);
    std::printf("%llu requests at %.0f/s\n", static_cast<unsigned long long>(result.overall.count()),
                result.overall.throughput());
    std::fputs(report.lines().c_str(), stdout);
    return report.exit_code();
}
