#include <loadkit/loadkit.hpp>
using namespace std::chrono_literals;

int main() {
    loadkit::operation call_api{"call_api", [](loadkit::op_context& ctx) -> loadkit::task<void> {
                                    co_await loadkit::sleep_for(
                                        ctx.random().between(2ms, 8ms)); // stand-in for your client call
                                }};
    loadkit::run_options options;
    options.slo = loadkit::slo_policy{"p95 < 200ms", "error_rate < 1%"};
    auto report = loadkit::run(loadkit::constant_rate{.rate = 500, .duration = 3s}, call_api, options);
    loadkit::print_summary(stdout, report, {.percentile_chart = false, .distribution_chart = false});
    return report.exit_code(); // 0 when the SLO holds, 99 when not
}
