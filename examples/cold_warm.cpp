// Cold start vs warm: the first requests of a service fill its cache; the warm-up window reports
// them apart from the steady state, and the SLO judges the warm service only.
#include <loadkit/loadkit.hpp>

#include <atomic>

using namespace std::chrono_literals;

int main() {
    std::atomic<int> cached{0}; // the first 50 lookups miss the cache and take 30 ms
    loadkit::operation lookup{"lookup", [&](loadkit::op_context&) -> loadkit::task<void> {
                                  co_await loadkit::sleep_for(cached.fetch_add(1) < 50 ? 30ms : 2ms);
                              }};
    loadkit::run_options options;
    options.warmup = 300ms;
    options.slo = loadkit::slo_policy{"p95 < 20ms"}; // the warm service
    const auto report = loadkit::run(loadkit::constant_vus{.vus = 5, .duration = 1500ms}, lookup, options);
    loadkit::print_summary(stdout, report, {.percentile_chart = false, .distribution_chart = false});
    return report.exit_code();
}
