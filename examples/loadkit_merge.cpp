// loadkit_merge — merges the JSON reports of processes (or machines) that ran one load test side
// by side into one report, exactly: histograms add counter by counter, so the merged p99 is the
// p99 of all operations, not an average of p99s. SLO objectives are re-evaluated on the merged
// result (report/merge.hpp says what happens to per-process data).
//
//   loadkit_merge [-o merged.json] shard1.json shard2.json ...
//
// Prints a summary of the merged result; exits with the merged report's exit code (0 passed, 99
// an SLO objective failed, 98 a leak or a stuck operation), 2 for bad usage or an unreadable
// report. Without arguments it demonstrates itself: two recorders fed disjoint halves of one
// synthetic workload write their reports to a temporary directory, and the merge of the two files
// must equal the report of one recorder fed everything. `loadkit_merge --demo DIR` does the same
// and keeps the shard reports and merged.json in DIR (e.g. for tools/check_json_schema.py).
#include <loadkit/leak.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/report/merge.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;

double ms(std::chrono::nanoseconds v) { return static_cast<double>(v.count()) / 1e6; }

void print_summary(const loadkit::run_report& r, std::size_t shards) {
    std::printf("merged %zu report%s: \"%s\", %.1f s, %s\n", shards, shards == 1 ? "" : "s", r.title.c_str(),
                std::chrono::duration<double>(r.result.duration).count(),
                loadkit::to_string(r.result.reason));
    std::printf("  %-16s %9s %8s %7s %10s %9s %9s %9s %9s\n", "tag", "count", "failed", "err %", "ops/s",
                "p50 ms", "p95 ms", "p99 ms", "max ms");
    const auto row = [](const std::string& name, const loadkit::tag_result& t) {
        const loadkit::latency_summary s = t.summary();
        std::printf("  %-16s %9llu %8llu %7.2f %10.1f %9.3f %9.3f %9.3f %9.3f\n", name.c_str(),
                    static_cast<unsigned long long>(t.count()), static_cast<unsigned long long>(t.failed()),
                    100.0 * t.error_rate(), t.throughput(), ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max));
    };
    for (const auto& t : r.result.tags) {
        row(t.name, t);
    }
    row("(all)", r.result.overall);
    if (r.slo) {
        for (const auto& v : r.slo->verdicts) {
            std::printf("  %s\n", v.line.c_str());
        }
    }
    if (r.leak) {
        std::printf("  leak (one process's verdict): %s\n", r.leak->describe().c_str());
    }
    if (!r.stuck.empty()) {
        std::printf("  %zu stuck operation(s)\n", r.stuck.size());
    }
    std::printf("  %s (exit code %d)\n", r.passed() ? "PASSED" : "FAILED", r.exit_code());
}

loadkit::run_report read_report(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::invalid_argument("cannot open " + path);
    }
    try {
        return loadkit::read_json(in);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(path + ": " + e.what());
    }
}

// ---- the self-demonstration ----------------------------------------------------------------
const loadkit::slo_policy policy{"p95 < 25ms", "error_rate < 5%", "search: p99 < 60ms"};

loadkit::run_report report_of(loadkit::run_result result) {
    loadkit::run_report r;
    r.title = "merge demo";
    r.scenarios.push_back(
        {"shop", "synthetic: 400 ops/s for 6 s", result.model, 0ns, {"browse", "search", "buy"}});
    r.slo = policy.evaluate(result);
    r.result = std::move(result);
    return r;
}

// Shard 0 and shard 1 each get half of one seeded workload; `single` gets all of it.
void feed(loadkit::recorder& single, loadkit::recorder& shard0, loadkit::recorder& shard1) {
    std::vector<loadkit::tag_id> ids; // interned once; the same order gives the same ids everywhere
    for (const std::string_view name : {"browse", "search", "buy"}) {
        ids.push_back(single.tag(name));
        static_cast<void>(shard0.tag(name));
        static_cast<void>(shard1.tag(name));
    }
    std::mt19937_64 rng(2024); // fixed seed: the demo is deterministic
    std::lognormal_distribution<double> latency(std::log(4e6), 0.9);
    std::uniform_int_distribution<int> pick(0, 99);
    const auto t0 = single.start();
    for (int second = 0; second < 6; ++second) {
        for (int i = 0; i < 400; ++i) {
            const std::size_t tag = static_cast<std::size_t>(pick(rng)) % 3;
            const int roll = pick(rng);
            const loadkit::outcome what = roll < 96 ? loadkit::outcome::ok()
                                          : roll < 99
                                              ? loadkit::outcome::error("http", "503 service unavailable")
                                              : loadkit::outcome::timeout();
            const std::chrono::nanoseconds took{static_cast<std::int64_t>(latency(rng))};
            loadkit::recorder& shard = pick(rng) < 50 ? shard0 : shard1;
            for (loadkit::recorder* rec : {&single, &shard}) {
                rec->local().record_scheduled(ids[tag]); // as the engine counts it, apart from the outcome
                rec->local().record(ids[tag], what, took);
            }
        }
        for (loadkit::recorder* rec : {&single, &shard0, &shard1}) {
            rec->tick(t0 + std::chrono::seconds{second + 1});
        }
    }
}

// What only one process knows: its memory samples and their leak verdict. merge_reports keeps
// such parts when a single shard has them.
void add_process_data(loadkit::run_report& r) {
    std::vector<loadkit::leak_sample> rss;
    for (int i = 0; i < 120; ++i) {
        loadkit::process_sample s;
        s.at = loadkit::recorder::time_point{std::chrono::milliseconds{50 * i}};
        s.rss_bytes = 40'000'000 + static_cast<std::uint64_t>((i * 7919) % 200'000); // flat, with noise
        s.threads = 3;
        r.resources.push_back(s);
        rss.push_back({0.05 * i, static_cast<double>(*s.rss_bytes)});
    }
    r.leak = loadkit::check_leak(rss, {}, {.x_unit = "s"});
}

int demonstrate(const std::string& keep) {
    const loadkit::recorder_options options{.interval = 1s};
    const loadkit::recorder::time_point t0{};
    loadkit::recorder single{t0, options};
    loadkit::recorder shard0{t0, options};
    loadkit::recorder shard1{t0, options};
    feed(single, shard0, shard1);
    const auto end = t0 + 6s;

    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    const auto dir = keep.empty() ? std::filesystem::temp_directory_path() /
                                        ("loadkit_merge_demo_" + std::to_string(stamp))
                                  : std::filesystem::path(keep);
    std::filesystem::create_directories(dir);
    std::vector<std::string> files;
    for (loadkit::recorder* rec : {&shard0, &shard1}) {
        loadkit::run_report report = report_of(rec->finish(end));
        if (rec == &shard0) {
            add_process_data(report);
        }
        files.push_back((dir / ("shard" + std::to_string(files.size()) + ".json")).string());
        loadkit::write_file(files.back(), loadkit::to_json(report));
    }
    std::vector<loadkit::run_report> shards;
    for (const auto& f : files) {
        shards.push_back(read_report(f));
        std::printf("read %s (%zu bytes)\n", f.c_str(),
                    static_cast<std::size_t>(std::filesystem::file_size(f)));
    }
    const loadkit::run_report merged = loadkit::merge_reports(shards);
    loadkit::run_report expected = report_of(single.finish(end));
    add_process_data(expected);
    if (keep.empty()) {
        std::filesystem::remove_all(dir);
    } else {
        loadkit::write_file(dir / "merged.json", loadkit::to_json(merged));
    }

    print_summary(merged, shards.size());
    const bool same =
        merged.result == expected.result && loadkit::to_json(merged) == loadkit::to_json(expected);
    std::printf("merged shards %s the single run\n", same ? "equal" : "DIFFER FROM");
    return same ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    try {
        if (argc == 1) {
            return demonstrate({});
        }
        if (argc == 3 && std::string_view(argv[1]) == "--demo") {
            return demonstrate(argv[2]);
        }
        std::string output;
        std::vector<loadkit::run_report> shards;
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "-o" && i + 1 < argc) {
                output = argv[++i];
            } else if (arg == "-h" || arg == "--help" || (!arg.empty() && arg[0] == '-')) {
                std::fprintf(
                    stderr,
                    "usage: loadkit_merge [-o merged.json] report.json...\n"
                    "       loadkit_merge [--demo DIR]   (merges two synthetic shards; keeps them in DIR)\n");
                return 2;
            } else {
                shards.push_back(read_report(arg));
            }
        }
        if (shards.empty()) {
            std::fprintf(stderr, "loadkit_merge: no reports given\n");
            return 2;
        }
        const loadkit::run_report merged = loadkit::merge_reports(shards);
        if (!output.empty()) {
            try {
                loadkit::write_file(output, loadkit::to_json(merged));
            } catch (const std::system_error& e) {
                std::fprintf(stderr, "loadkit_merge: %s\n", e.what());
                return 74; // sysexits.h EX_IOERR: the merged report is missing
            }
        }
        print_summary(merged, shards.size());
        return merged.exit_code();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "loadkit_merge: %s\n", e.what());
        return 2;
    }
}
