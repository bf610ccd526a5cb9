// A real load test with a verdict against a service embedded in this process (the README's demo,
// tools/demo.sh, is examples/http_load.cpp: the same idea over HTTP on loopback).
//
// The target is an order API with a known shape: 64 workers, a handler taking ~20 ms (lognormal,
// sigma 0.35), 0.2 % of calls failing with "503 service unavailable" — so its capacity is about
// 64 / 20 ms = 3,200 requests/s. Two scenarios hit it side by side:
//   orders   open model: the arrival rate ramps 200 -> 1,500/s, then holds (latency from the
//            intended start, so queueing counts), 500 ms timeout;
//   browse   closed model: 20 users with 50-150 ms of think time, "list" twice as often as "detail".
// The SLO: p95 < 100 ms, p99 < 250 ms, error rate < 1 %; an error rate above 5 % aborts the run.
//
// Run: <build>/examples/demo [seconds] [--json FILE] [--html FILE]    (Ctrl-C stops it early: partial
// report)
#include <loadkit/loadkit.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/report/progress.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#if __has_include(<loadkit/report/html.hpp>)
#include <loadkit/report/html.hpp>
#define LOADKIT_DEMO_HTML 1
#endif

using namespace std::chrono_literals;

namespace {

class order_service {
public:
    loadkit::task<void> call(loadkit::rng& random) {
        co_await workers_.acquire();
        const double ms = std::exp(std::log(20.0) + 0.35 * normal(random)); // lognormal around 20 ms
        try {
            co_await loadkit::sleep_for(std::chrono::duration<double, std::milli>(ms));
        } catch (...) {
            workers_.release();
            throw;
        }
        workers_.release();
        if (random.chance(0.002)) {
            throw loadkit::op_error("http", "503 service unavailable");
        }
    }

private:
    static double normal(loadkit::rng& random) { // Box-Muller
        const double u = 1.0 - random.next_double();
        const double v = random.next_double();
        return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
    }
    loadkit::async_semaphore workers_{64};
};

// Writes a report file; false (and why, on stderr) when it could not: a run whose report is
// missing must not pass as a run whose report says it passed.
bool save(const char* path, const std::string& text) {
    try {
        loadkit::write_file(path, text);
        return true;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "demo: %s\n", e.what());
        return false;
    }
}

} // namespace

int main(int argc, char** argv) {
    double seconds = 5.0;
    const char* json_path = nullptr;
    const char* html_path = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json_path = argv[++i];
        } else if (std::strcmp(argv[i], "--html") == 0 && i + 1 < argc) {
            html_path = argv[++i];
        } else if (std::atof(argv[i]) >= 2.0) {
            seconds = std::atof(argv[i]);
        } else {
            std::fprintf(stderr, "usage: demo [seconds >= 2] [--json FILE] [--html FILE]\n");
            return 2;
        }
    }
    const auto total =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
    const auto ramp = total * 2 / 5;

    order_service service;
    // Operations are coroutines; bind them to names (a lambda temporary inside co_await trips GCC 12).
    const auto order = [&](loadkit::op_context& ctx) -> loadkit::task<void> {
        co_await service.call(ctx.random());
    };

    loadkit::run_options options;
    options.title = "loadkit demo: order API (in-process)";
    options.threads = 2;
    options.warmup = 500ms;
    options.handle_signals = true;
    options.slo = loadkit::slo_policy{"p95 < 100ms", "p99 < 250ms", "error_rate < 1%"};
    options.slo.add(loadkit::parse_objective("error_rate < 5%").abort_after(1s));
    options.on_progress = loadkit::progress_printer{};

    const std::vector<loadkit::scenario> scenarios = {
        {.name = "orders",
         .profile = loadkit::ramping_rate{.start_rate = 200,
                                          .stages = {{1500, ramp}, {1500, total - ramp}},
                                          .max_in_flight = 500},
         .operations = {{"create_order", order}},
         .timeout = 500ms},
        {.name = "browse",
         .profile = loadkit::constant_vus{.vus = 20, .duration = total},
         .operations = {{"list", 2, order}, {"detail", 1, order}},
         .think = loadkit::between(50ms, 150ms)},
    };
    const loadkit::run_report report = loadkit::run(options, scenarios);

    loadkit::print_summary(stdout, report);
    bool saved = json_path == nullptr || save(json_path, loadkit::to_json(report));
#if defined(LOADKIT_DEMO_HTML)
    saved = (html_path == nullptr || save(html_path, loadkit::to_html(report))) && saved;
#else
    static_cast<void>(html_path);
#endif
    return saved ? report.exit_code() : 74; // sysexits.h EX_IOERR: a report file is missing
}
