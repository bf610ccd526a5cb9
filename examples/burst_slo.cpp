// The seeds' webhook burst: 100 deliveries at once must meet avg < 1 s, p50 < 300 ms, p95 < 700 ms
// and p99 < 1 s with no errors. The webhook receiver is simulated in-process: 16 workers, each
// delivery 20-120 ms of work, so 100 at once queue up — the burst's latency is mostly waiting.
#include <loadkit/loadkit.hpp>

using namespace std::chrono_literals;

int main() {
    loadkit::async_semaphore workers{16};
    loadkit::operation deliver{"deliver", [&](loadkit::op_context& ctx) -> loadkit::task<void> {
                                   co_await workers.acquire();
                                   co_await loadkit::sleep_for(ctx.random().between(20ms, 120ms));
                                   workers.release();
                               }};
    loadkit::run_options options;
    options.slo =
        loadkit::slo_policy{"avg < 1s", "p50 < 300ms", "p95 < 700ms", "p99 < 1s", "error_rate == 0"};
    const loadkit::run_report report = loadkit::run(loadkit::burst{.n = 100}, deliver, options);
    loadkit::print_summary(stdout, report, {.distribution_chart = false});
    return report.exit_code();
}
