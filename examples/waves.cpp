// Waves: 10 batches of 10 concurrent requests with 100 ms pauses, as the seeds run them, and a
// check that the percentiles stay consistent from wave to wave (each wave is one interval of the
// result's time series: interval = the wave's period).
#include <loadkit/loadkit.hpp>

#include <cstdio>

using namespace std::chrono_literals;

int main() {
    loadkit::operation request{"request", [](loadkit::op_context& ctx) -> loadkit::task<void> {
                                   co_await loadkit::sleep_for(ctx.random().between(5ms, 15ms));
                               }};
    loadkit::run_options options;
    options.slo = loadkit::slo_policy{"p95 < 100ms", "error_rate == 0", "count == 100"};
    const auto report =
        loadkit::run(loadkit::waves{.count = 10, .size = 10, .pause = 100ms}, request, options);
    const auto& all = report.result.overall;
    std::printf("%llu requests in %.2fs; p50 %.1fms, p95 %.1fms, max %.1fms\n",
                static_cast<unsigned long long>(all.count()),
                std::chrono::duration<double>(report.result.duration).count(),
                std::chrono::duration<double, std::milli>(all.latency.value_at_percentile(50)).count(),
                std::chrono::duration<double, std::milli>(all.latency.value_at_percentile(95)).count(),
                std::chrono::duration<double, std::milli>(all.latency.max()).count());
    std::fputs(report.slo->lines().c_str(), stdout);
    return report.exit_code();
}
