// Writes the HTML report and the HdrHistogram interval log of a synthetic one-minute open-model run:
// three operations (one with a name that needs escaping), a warm-up, an error burst, a latency
// spike that queues requests (response time climbs, service time does not), a slow memory leak
// that check_leak catches, SLO objectives and a small capacity curve. Nothing runs for real: the
// recorder is fed with a manual clock, so this takes milliseconds.
//
//   html_report [report.html]      (default: <temp dir>/loadkit-report.html; the .hlog goes beside it)
#include <loadkit/leak.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/hlog.hpp>
#include <loadkit/report/html.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct operation {
    const char* name;
    int weight;            // of 10
    double median_ms;      // service time
    double error_in_burst; // share failing during the burst
};

loadkit::run_report synthetic_run() {
    using clock_time = loadkit::recorder::time_point;
    const clock_time t0{};
    loadkit::recorder rec{t0, {.model = loadkit::latency_model::open, .interval = 1s, .warmup = 5s}};
    const operation ops[] = {
        {"browse", 6, 4.0, 0.0}, {"search", 3, 11.0, 0.02}, {"checkout <pay & \"confirm\">", 1, 30.0, 0.25}};
    std::vector<loadkit::tag_id> tags;
    for (const auto& op : ops) {
        tags.push_back(rec.tag(op.name));
    }
    std::mt19937_64 rng(2024); // fixed seed: the same report every run
    std::normal_distribution<double> noise(0.0, 0.55);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    double backlog_ms = 0.0;                  // queueing delay during the spike
    for (int slot = 0; slot < 6000; ++slot) { // 10 ms slots of 4 operations: 400/s for 60 s
        const int ms = slot * 10;
        const int second = ms / 1000;
        for (int i = 0; i < 4; ++i) {
            const double pick = unit(rng) * 10;
            const std::size_t o = pick < 6 ? 0 : (pick < 9 ? 1 : 2);
            double service = ops[o].median_ms * std::exp(noise(rng));
            if (second < 5) {
                service *= 1.8 - 0.16 * second; // cold caches during the warm-up
            }
            const bool spike = ms >= 42'000 && ms < 43'500;
            if (spike) {
                service *= 2.5;
                backlog_ms = std::min(backlog_ms + 0.5, 250.0);
            } else {
                backlog_ms = std::max(0.0, backlog_ms - 2.5);
            }
            const double response = service + backlog_ms;
            const auto tag = tags[o];
            const bool burst = second >= 28 && second < 33;
            if (spike && backlog_ms >= 250.0 && unit(rng) < 0.3) {
                rec.local().record_dropped(tag); // max_in_flight reached
                continue;
            }
            loadkit::outcome what = loadkit::outcome::ok();
            if (burst && unit(rng) < ops[o].error_in_burst) {
                what = o == 2 ? loadkit::outcome::error("payment", "502 bad gateway from payments-api")
                              : loadkit::outcome::error("http", "503 service unavailable");
            } else if (burst && o == 1 && unit(rng) < 0.03) {
                what = loadkit::outcome::timeout();
            }
            rec.local().record(tag, what, std::chrono::nanoseconds{static_cast<long long>(response * 1e6)},
                               std::chrono::nanoseconds{static_cast<long long>(service * 1e6)});
        }
        if ((ms + 10) % 1000 == 0) {
            rec.tick(t0 + std::chrono::milliseconds{ms + 10}); // closes each 1 s interval
        }
    }

    loadkit::run_report report;
    report.title = "checkout-flow soak <staging>";
    report.started = std::chrono::system_clock::time_point{1'717'171'200s}; // 2024-05-31 16:00:00 UTC
    report.result = rec.finish(t0 + 60s);
    report.scenarios = {
        {"shoppers",
         "constant_arrival_rate 400/s for 60s, max_in_flight 256",
         loadkit::latency_model::open,
         0s,
         {"browse (weight 6)", "search (weight 3)", "checkout <pay & \"confirm\"> (weight 1)"}}};

    // Memory sampled every 250 ms: a warm-up ramp, allocator sawtooth, noise, and 150 KiB/s of leak.
    std::normal_distribution<double> jitter(0.0, 1.0);
    std::vector<loadkit::leak_sample> rss;
    std::vector<loadkit::leak_sample> heap;
    for (int i = 0; i < 240; ++i) {
        const double t = i * 0.25;
        const double ramp = 40e6 * (1.0 - std::exp(-t / 3.0));
        const double leak = 150.0 * 1024 * t;
        const double saw = 6e6 * std::fmod(t, 7.0) / 7.0;
        const double h = 80e6 + ramp + leak + saw + 0.4e6 * jitter(rng);
        const double r = 150e6 + 1.15 * ramp + leak + 0.5 * saw + 0.6e6 * jitter(rng);
        loadkit::process_sample s;
        s.at = t0 + std::chrono::milliseconds{i * 250};
        s.rss_bytes = static_cast<std::uint64_t>(r);
        s.heap_in_use_bytes = static_cast<std::uint64_t>(h);
        report.resources.push_back(s);
        rss.push_back({t, r});
        heap.push_back({t, h});
    }
    report.leak = loadkit::check_leak(rss, heap, {.horizon = 3600, .x_unit = "s"});
    report.slo = loadkit::slo_policy{"p95 < 60ms", "error_rate < 1%",
                                     "checkout <pay & \"confirm\">: p99 < 250ms", "throughput > 350"}
                     .evaluate(report.result);

    loadkit::capacity_curve curve;
    curve.objective = "p99 < 100ms, error_rate < 1%";
    const double offered[] = {100, 200, 300, 400, 500, 600, 700, 800};
    for (double o : offered) {
        const double load = o / 620.0; // saturates near 620/s
        const double queue = load < 0.95 ? load / (1.0 - load) : 25.0 + (load - 0.95) * 400;
        const auto p = [&](double base) {
            return std::chrono::nanoseconds{static_cast<long long>(base * (1.0 + queue) * 1e6)};
        };
        loadkit::capacity_step s;
        s.offered_rate = o;
        s.achieved_rate = std::min(o, 620.0 - 3000.0 / o) * (o > 650 ? 0.97 : 1.0);
        s.p50 = p(6.0);
        s.p95 = p(19.0);
        s.p99 = p(33.0);
        s.error_rate = o > 600 ? 0.004 * (o - 600) / 100 + 0.012 : 0.001;
        s.passed = s.p99 < 100ms && s.error_rate < 0.01;
        s.verdict = s.passed ? "PASS"
                             : (s.p99 >= 100ms ? "FAIL: p99 < 100ms (measured " +
                                                     std::to_string(s.p99.count() / 1'000'000) + "ms)"
                                               : "FAIL: error_rate < 1%");
        if (s.passed) {
            curve.sustainable = o;
        }
        curve.steps.push_back(s);
    }
    curve.knee = 500;
    report.capacity = curve;
    report.stuck.push_back({"shoppers", "checkout <pay & \"confirm\">", 17, 211, 32s, false});
    return report;
}

} // namespace

int main(int argc, char** argv) {
    const std::filesystem::path html_path =
        argc > 1 ? std::filesystem::path(argv[1])
                 : std::filesystem::temp_directory_path() / "loadkit-report.html";
    std::filesystem::path hlog_path = html_path;
    hlog_path.replace_extension(".hlog");

    const auto begin = std::chrono::steady_clock::now();
    const loadkit::run_report report = synthetic_run();
    const auto built = std::chrono::steady_clock::now();
    const std::string html = loadkit::to_html(report);
    const auto html_done = std::chrono::steady_clock::now();
    const std::string hlog = loadkit::to_hlog(report);
    const auto hlog_done = std::chrono::steady_clock::now();
    try { // a report that was not written must not look like one that was
        loadkit::write_file(html_path, html);
        loadkit::write_file(hlog_path, hlog);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "html_report: %s\n", e.what());
        return 74; // sysexits.h EX_IOERR
    }

    const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf("%s: %zu bytes, written in %.1f ms\n", html_path.string().c_str(), html.size(),
                ms(html_done - built));
    std::printf("%s: %zu bytes, written in %.1f ms\n", hlog_path.string().c_str(), hlog.size(),
                ms(hlog_done - html_done));
    std::printf("synthetic run built in %.1f ms; verdict: %s (exit code %d)\n", ms(built - begin),
                report.passed() ? "passed" : "failed", report.exit_code());
    // The .hlog reads back with every interval: a quick self-check.
    const loadkit::hlog_log back = loadkit::read_hlog(hlog);
    return back.intervals.size() == 4 * report.result.overall.intervals.intervals.size() ? 0 : 1;
}
