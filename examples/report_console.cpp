// The console summary of a load test, from synthetic data: an open-model run of a checkout API at
// 400 operations per second for 65 s (5 s warm-up) over three operations, with errors, timeouts,
// dropped operations, SLO objectives, resource samples and a leak check. Its output is the sample
// summary in the README.
//
//   ./report_console                 # the summary (coloured on a terminal)
//   ./report_console junit.xml       # ... and the same report as JUnit XML
#include <loadkit/leak.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/junit.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;

namespace {

using time_point = loadkit::recorder::time_point;

// What a run engine would have recorded: seeded, so the output is the same on every machine.
loadkit::run_result simulate(time_point t0) {
    loadkit::recorder rec{t0, {.model = loadkit::latency_model::open, .interval = 1s, .warmup = 5s}};
    const loadkit::tag_id login = rec.tag("login");
    const loadkit::tag_id search = rec.tag("search");
    const loadkit::tag_id checkout = rec.tag("checkout");
    std::mt19937_64 rng(2024);
    std::lognormal_distribution<double> service_ms(std::log(12.0), 0.45);
    std::uniform_int_distribution<int> percent(0, 9999);
    auto& w = rec.local();
    for (int second = 0; second < 65; ++second) {
        const double cold = second < 5 ? 2.5 - 0.3 * second : 1.0; // caches warming up
        for (int i = 0; i < 400; ++i) {
            const auto intended = t0 + std::chrono::seconds{second} + std::chrono::microseconds{i * 2500};
            const int pick = percent(rng);
            const loadkit::tag_id tag = pick < 2000 ? login : (pick < 8000 ? search : checkout);
            const int roll = percent(rng);
            if (tag == search && roll < 15) {
                w.record_dropped(tag); // max_in_flight reached during a burst
                continue;
            }
            double ms = service_ms(rng) * cold * (tag == checkout ? 2.2 : (tag == login ? 0.8 : 1.0));
            loadkit::outcome what = loadkit::outcome::ok();
            if (tag == checkout && roll < 90) {
                what = loadkit::outcome::error("http",
                                               roll < 60 ? "503 Service Unavailable" : "502 Bad Gateway");
            } else if (tag == checkout && roll < 110) {
                what = loadkit::outcome::timeout();
                ms = 2000.0;
            } else if (tag == search && roll < 40) {
                what = loadkit::outcome::error("db", "connection reset by peer");
            } else if (tag == login && roll < 8) {
                what = loadkit::outcome::error("auth", "token expired");
            }
            const auto queued = std::chrono::microseconds{static_cast<std::int64_t>(rng() % 1500)};
            const auto start = intended + queued;
            const auto end = start + std::chrono::microseconds{static_cast<std::int64_t>(ms * 1000.0)};
            w.record(tag, what, intended, start, end);
        }
        rec.tick(t0 + std::chrono::seconds{second + 1});
    }
    return rec.finish(t0 + 65s);
}

// What a process_sampler would have seen: flat memory with allocator noise, steady CPU.
std::vector<loadkit::process_sample> sample_resources(time_point t0) {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 96.0 * 1024);
    std::vector<loadkit::process_sample> out;
    for (int i = 0; i <= 130; ++i) {
        loadkit::process_sample s;
        s.at = t0 + std::chrono::milliseconds{500 * i};
        const double warm = i < 10 ? 6.0 * 1024 * 1024 * i / 10.0 : 6.0 * 1024 * 1024;
        s.rss_bytes = static_cast<std::uint64_t>(42.0 * 1024 * 1024 + warm + noise(rng));
        s.peak_rss_bytes = static_cast<std::uint64_t>(49.5 * 1024 * 1024);
        s.heap_in_use_bytes = static_cast<std::uint64_t>(9.0 * 1024 * 1024 + warm / 2 + noise(rng));
        s.cpu_user = std::chrono::microseconds{static_cast<std::int64_t>(i) * 310'000};
        s.cpu_system = std::chrono::microseconds{static_cast<std::int64_t>(i) * 45'000};
        s.threads = static_cast<std::uint32_t>(i == 0 ? 1 : 5);
        s.open_fds = static_cast<std::uint32_t>(i == 0 ? 6 : 70);
        out.push_back(s);
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    const time_point t0{};
    loadkit::run_report report;
    report.title = "checkout API";
    report.started = std::chrono::system_clock::time_point{std::chrono::seconds{1714564800}};
    report.scenarios.push_back({"shoppers",
                                "constant_rate 400/s for 65s, max_in_flight 64, warm-up 5s",
                                loadkit::latency_model::open,
                                {},
                                {"login (weight 2)", "search (weight 6)", "checkout (weight 2)"}});
    report.result = simulate(t0);
    const loadkit::slo_policy slo{"p95 < 100ms", "checkout: p99 < 250ms", "error_rate < 1%",
                                  "checkout: error_rate < 1%", "throughput >= 350"};
    report.slo = slo.evaluate(report.result);
    report.resources = sample_resources(t0);
    const auto heap = loadkit::make_leak_series(
        report.resources,
        [&](const loadkit::process_sample& s) { return std::chrono::duration<double>(s.at - t0).count(); },
        [](const loadkit::process_sample& s) { return s.heap_in_use_bytes; });
    report.leak = loadkit::check_leak({}, heap, {.x_unit = "s"});

    loadkit::print_summary(stdout, report);

    if (argc > 1) {
        try {
            loadkit::write_file(argv[1], loadkit::to_junit(report));
        } catch (const std::system_error& e) {
            std::fprintf(stderr, "report_console: %s\n", e.what());
            return 74; // sysexits.h EX_IOERR
        }
    }
    return 0; // a real test would return report.exit_code()
}
