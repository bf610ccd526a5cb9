// Sustained load with a leak check: 5 workers submit jobs continuously (the seeds run 60 s; pass a
// duration in seconds, default 3), the process is sampled every 20 ms, and the leak-trend checker
// judges RSS and heap growth — instead of "memory grew < 50 MB". The job keeps a bounded cache, so
// memory plateaus: the verdict should be "no leak" (or "inconclusive" on a run too short to tell).
#include <loadkit/loadkit.hpp>

#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
    const auto seconds = std::chrono::seconds{argc > 1 ? std::atoi(argv[1]) : 3};
    std::mutex mutex;
    std::deque<std::string> cache; // bounded: the oldest entries go
    loadkit::operation submit{"submit", [&](loadkit::op_context& ctx) {
                                  std::string job(4096, static_cast<char>('a' + ctx.iteration() % 26));
                                  std::this_thread::sleep_for(1ms); // the "work"
                                  const std::lock_guard<std::mutex> lock(mutex);
                                  cache.push_back(std::move(job));
                                  if (cache.size() > 1000) {
                                      cache.pop_front();
                                  }
                              }};
    loadkit::run_options options;
    options.resource_interval = 20ms;
    options.leak_check = loadkit::leak_options{.window_samples = 4, .min_windows = 8};
    options.slo = loadkit::slo_policy{"p95 < 50ms", "error_rate < 1%", "throughput >= 100"};
    const auto report = loadkit::run(loadkit::constant_vus{.vus = 5, .duration = seconds}, submit, options);
    loadkit::print_summary(stdout, report, {.percentile_chart = false, .distribution_chart = false});
    return report.slo->passed() && report.leak->verdict != loadkit::leak_verdict::leak ? 0 : 1;
}
