// Figures for the JSON and CSV reports (report/json.hpp, report/csv.hpp, report/merge.hpp): size,
// write and parse time of a report with 8 tags x 300 one-second intervals (a five-minute run at
// 2,000 ops/s, 3 significant digits). Median and minimum of 7 repetitions; never asserts on time.
// Fixed seed 42; build with -O2 -DNDEBUG.
#include "bench_support.hpp"
#include <loadkit/recorder.hpp>
#include <loadkit/report/csv.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/report/merge.hpp>
#include <loadkit/slo.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct timing {
    double median_ms;
    double min_ms;
};

template <class Run> timing measure(int runs, Run&& run) {
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r) {
        const auto start = clock_type::now();
        run();
        ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.front()};
}

loadkit::run_report make_report(int tags, int seconds, int per_second) {
    const loadkit::recorder::time_point t0{};
    loadkit::recorder rec{t0, {.interval = 1s}};
    std::vector<loadkit::tag_id> ids;
    for (int t = 0; t < tags; ++t) {
        ids.push_back(rec.tag("operation " + std::to_string(t)));
    }
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> latency(std::log(2e6), 0.9);
    for (int s = 0; s < seconds; ++s) {
        for (int i = 0; i < per_second; ++i) {
            const auto tag = ids[rng() % ids.size()];
            const bool failed = rng() % 100 == 0;
            rec.local().record(tag, failed ? loadkit::outcome::error("http", "503") : loadkit::outcome::ok(),
                               std::chrono::nanoseconds{static_cast<std::int64_t>(latency(rng))});
        }
        rec.tick(t0 + std::chrono::seconds{s + 1});
    }
    loadkit::run_report r;
    r.title = "bench";
    r.result = rec.finish(t0 + std::chrono::seconds{seconds});
    r.slo = loadkit::slo_policy{"p95 < 20ms", "error_rate < 2%"}.evaluate(r.result);
    return r;
}

} // namespace

int main() {
    const int tags = 8;
    const int seconds = 300;
    const int rate = 2000;
    const loadkit::run_report report = make_report(tags, seconds, rate);
    std::size_t buckets = 0;
    for (const auto& t : report.result.tags) {
        for (const auto& i : t.intervals.intervals) {
            buckets += i.latency.bucket_count();
        }
    }
    std::printf("report_json: %d tags x %d intervals, %d ops/s (%zu interval counters in all), load %.2f\n\n",
                tags, seconds, rate, buckets, bench::load_average());
    std::printf("%-44s %10s %12s %12s\n", "format", "bytes", "median ms", "min ms");

    struct variant {
        const char* name;
        loadkit::json_options options;
    };
    const variant variants[] = {
        {"to_json (indent 2, summaries)", {}},
        {"to_json (one line, summaries)", {.indent = 0}},
        {"to_json (one line, no summaries)", {.indent = 0, .summaries = false}},
        {"to_json (no intervals)", {.intervals = false}},
    };
    std::string text;
    for (const auto& v : variants) {
        const timing w = measure(7, [&] { text = loadkit::to_json(report, v.options); });
        std::printf("%-44s %10zu %12.2f %12.2f\n", v.name, text.size(), w.median_ms, w.min_ms);
    }
    text = loadkit::to_json(report);
    loadkit::run_report back;
    const timing parse = measure(7, [&] { back = loadkit::from_json(text); });
    std::printf("%-44s %10zu %12.2f %12.2f\n", "from_json (indent 2, summaries)", text.size(),
                parse.median_ms, parse.min_ms);
    const std::string compact = loadkit::to_json(report, {.indent = 0, .summaries = false});
    const timing parse_compact = measure(7, [&] { back = loadkit::from_json(compact); });
    std::printf("%-44s %10zu %12.2f %12.2f\n", "from_json (one line, no summaries)", compact.size(),
                parse_compact.median_ms, parse_compact.min_ms);
    std::vector<loadkit::run_report> shards(4, back);
    loadkit::run_report merged;
    const timing merge = measure(7, [&] { merged = loadkit::merge_reports(shards); });
    std::printf("%-44s %10s %12.2f %12.2f\n", "merge_reports (4 such reports)", "", merge.median_ms,
                merge.min_ms);
    std::string csv;
    const timing csv_time = measure(7, [&] { csv = loadkit::to_csv(report); });
    std::printf("%-44s %10zu %12.2f %12.2f\n", "to_csv", csv.size(), csv_time.median_ms, csv_time.min_ms);
    std::printf("\nround trip exact: %s\n", back.result == report.result ? "yes" : "NO");
    return 0;
}
