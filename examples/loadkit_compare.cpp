// loadkit_compare — did this run get worse than the baseline? Compares JSON reports per tag and
// overall: latency percentiles, error rate and throughput, each with a confidence interval for the
// change and a verdict (regressed / improved / no detectable change / inconclusive) that ignores
// changes smaller than --min-change (report/compare.hpp states the methods).
//
//   loadkit_compare [options] baseline.json current.json   one run against another
//   loadkit_compare [options] --history DIR current.json   against the last --last N runs in DIR
//   loadkit_compare --add DIR report.json [--name NAME]    store a run in DIR (a baseline folder)
//   loadkit_compare [options] --suggest DIR                SLO text from the last N runs in DIR
//   loadkit_compare [options] --dashboard DIR page.html    a trend page over every run in DIR
//     --percentiles 50,95,99     the latency percentiles to compare
//     --confidence 95            of every interval, in percent
//     --min-change 5             the smallest relative change that matters, in percent
//     --min-error-change 0.1     ... of the error rate, in percentage points
//     --last 7                   how many of the newest stored runs make the baseline
//     --json FILE / --junit FILE also write the comparison as JSON / JUnit XML
//     --fail-on-inconclusive     exit 97 when nothing regressed but something is inconclusive
//
// A baseline folder is what CI caches or commits: one JSON report per run, named
// <UTC start time>-<name>.json so that names sort oldest first (--add copies a report there). The
// baseline of several runs is robust to one bad night: per metric the median run, with the spread
// between runs in the interval (report/compare.hpp). The dashboard (report/html.hpp, to_trend_html)
// charts p50/p95/p99, throughput and error rate by run, marks each run's regressions against the
// --last runs before it, and links a run to its own HTML report when DIR holds one of the same name.
//
// Exits 0 when nothing regressed, 99 when something did (as a failed SLO), 97 (see above), 74 when
// an output file cannot be written, 2 for bad usage or an unreadable report. Without arguments it
// demonstrates itself in a temporary directory: a baseline folder of 5 nightly runs, a night whose
// "checkout" p99 is 25 % slower compared against it, and SLO text suggested by the folder.
#include <loadkit/report/compare.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/html.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/run_report.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;

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

double number(std::string_view flag, const std::string& text) {
    std::size_t used = 0;
    double v = 0.0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || (used != text.size() && text.substr(used) != "%")) {
        throw std::invalid_argument(std::string(flag) + ": \"" + text + "\" is not a number");
    }
    return v;
}

std::vector<double> numbers(std::string_view flag, const std::string& text) {
    std::vector<double> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string part =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        out.push_back(number(flag, part.starts_with('p') ? part.substr(1) : part));
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

// A synthetic night: lognormal latencies per tag (median 10 ms times the night's factor; checkout
// also times checkout_scale), 1 % errors, over 30 s.
loadkit::run_report synthetic(std::mt19937_64& rng, double night, double checkout_scale = 1.0) {
    loadkit::run_report r;
    r.title = "nightly";
    r.result.duration = 30s;
    r.result.overall = loadkit::tag_result("", loadkit::histogram_options{}, loadkit::latency_model::closed);
    for (const char* name : {"checkout", "login"}) {
        loadkit::tag_result t(name, loadkit::histogram_options{}, loadkit::latency_model::closed);
        std::lognormal_distribution<double> latency(std::log(10e6), 0.5);
        std::bernoulli_distribution failed(0.01);
        const double scale = night * (std::string_view(name) == "checkout" ? checkout_scale : 1.0);
        for (int i = 0; i < 20'000; ++i) {
            t.latency.record(static_cast<std::int64_t>(latency(rng) * scale));
            ++(failed(rng) ? t.errors : t.ok);
        }
        t.duration = 30s;
        r.result.overall += t;
        r.result.overall.name.clear();
        r.result.tags.push_back(std::move(t));
    }
    r.result.overall.duration = 30s;
    return r;
}

// The stored runs of a baseline folder, oldest first (names sort by start time).
std::vector<std::filesystem::path> stored_runs(const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir)) {
        throw std::invalid_argument(dir.string() + " is not a directory");
    }
    std::vector<std::filesystem::path> runs;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            runs.push_back(entry.path());
        }
    }
    std::sort(runs.begin(), runs.end());
    return runs;
}

// The results of the newest `last` runs in the folder, oldest first.
std::vector<loadkit::run_result> history(const std::filesystem::path& dir, std::size_t last) {
    std::vector<std::filesystem::path> runs = stored_runs(dir);
    if (runs.empty()) {
        throw std::invalid_argument(dir.string() + " holds no runs (*.json): add some with --add");
    }
    if (runs.size() > last) {
        runs.erase(runs.begin(), runs.end() - static_cast<std::ptrdiff_t>(last));
    }
    std::vector<loadkit::run_result> out;
    for (const auto& path : runs) {
        out.push_back(read_report(path.string()).result);
    }
    return out;
}

// Copies a report into the folder as <UTC start>-<name>.json, and its HTML report (the same name
// with .html beside it) when there is one; returns the new path.
std::filesystem::path store(const std::filesystem::path& dir, const std::filesystem::path& source,
                            std::string name) {
    const loadkit::run_report report = read_report(source.string());
    std::filesystem::create_directories(dir);
    const auto started = report.started == std::chrono::system_clock::time_point{}
                             ? std::chrono::system_clock::now()
                             : report.started;
    const std::time_t t = std::chrono::system_clock::to_time_t(started);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    for (char& ch : name) {
        const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                           ch == '-' || ch == '_' || ch == '.';
        ch = plain ? ch : '_';
    }
    const std::string stem = std::string(stamp) + "-" + (name.empty() ? std::string("run") : name);
    auto path = dir / (stem + ".json");
    for (int i = 2; std::filesystem::exists(path); ++i) {
        path = dir / (stem + "-" + std::to_string(i) + ".json");
    }
    loadkit::write_file(path, loadkit::to_json(report));
    auto page = source;
    if (std::filesystem::exists(page.replace_extension(".html"))) {
        auto kept = path;
        std::filesystem::copy_file(page, kept.replace_extension(".html"));
    }
    return path;
}

void print_objectives(const std::vector<loadkit::objective>& objectives, std::size_t runs) {
    std::printf("SLO suggested by the last %zu run%s (SLO text for slo_policy):\n", runs,
                runs == 1 ? "" : "s");
    for (const auto& o : objectives) {
        std::printf("  %s\n", o.text().c_str());
    }
}

int demo() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("loadkit-compare-demo-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    const auto nightly = dir / "nightly";
    std::filesystem::create_directories(dir);
    std::mt19937_64 rng(2026);
    std::lognormal_distribution<double> night(0.0, 0.03); // nights wander by ~3 %
    const auto day = std::chrono::hours{24};
    const auto first = std::chrono::system_clock::time_point{std::chrono::hours{24 * 20'000}};
    for (int i = 0; i < 5; ++i) {
        loadkit::run_report r = synthetic(rng, night(rng));
        r.started = first + day * i;
        const auto written = dir / ("night-" + std::to_string(i) + ".json");
        loadkit::write_file(written, loadkit::to_json(r));
        store(nightly, written, "nightly");
    }
    loadkit::run_report tonight = synthetic(rng, night(rng), 1.25);
    tonight.started = first + day * 5;
    loadkit::write_file(dir / "current.json", loadkit::to_json(tonight));

    // snippet-begin: compare
    const std::vector<loadkit::run_result> baseline =
        history(nightly, 7); // the newest 7 reports in the folder
    const loadkit::run_report current = read_report((dir / "current.json").string()); // loadkit::read_json
    const loadkit::comparison c = loadkit::compare(baseline, current.result, {.min_change = 0.05});
    std::fputs(loadkit::to_text(c).c_str(), stdout); // or to_json(c), to_junit(c); exit_code() 99: worse
    // snippet-end
    std::puts("");
    print_objectives(loadkit::suggest_objectives(baseline, {.percentiles = {99.0}}), baseline.size());
    std::filesystem::remove_all(dir);

    bool as_expected = c.exit_code() == 99 && c.baseline_runs == 5;
    for (const auto& m : c.metrics) {
        const bool slower_checkout =
            m.tag == "checkout" && m.metric != "error_rate" && m.metric != "throughput";
        if (slower_checkout && m.verdict != loadkit::change_verdict::regressed) {
            std::printf("demo: expected %s checkout to regress\n", m.metric.c_str());
            as_expected = false;
        }
        if (m.tag == "login" && m.verdict == loadkit::change_verdict::regressed) {
            std::printf("demo: login did not change, yet %s regressed\n", m.metric.c_str());
            as_expected = false;
        }
    }
    std::printf("\ndemo: %s (a real comparison like this one exits %d)\n",
                as_expected ? "found the 25 % slower checkout and nothing else" : "FAILED", c.exit_code());
    return as_expected ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 1) {
        return demo();
    }
    loadkit::compare_options options;
    std::vector<std::string> files;
    std::string json_path;
    std::string junit_path;
    std::string history_dir;
    std::string add_dir;
    std::string suggest_dir;
    std::string dashboard_dir;
    std::string name = "run";
    std::size_t last = 7;
    bool fail_on_inconclusive = false;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            const auto value = [&]() -> std::string {
                if (i + 1 >= argc) {
                    throw std::invalid_argument(arg + " needs a value");
                }
                return argv[++i];
            };
            if (arg == "--percentiles") {
                options.percentiles = numbers(arg, value());
            } else if (arg == "--confidence") {
                options.confidence = number(arg, value()) / 100.0;
            } else if (arg == "--min-change") {
                options.min_change = number(arg, value()) / 100.0;
            } else if (arg == "--min-error-change") {
                options.min_error_rate_change = number(arg, value()) / 100.0;
            } else if (arg == "--last") {
                const double n = number(arg, value());
                if (!(n >= 1.0 && n <= 10'000.0) || n != std::floor(n)) {
                    throw std::invalid_argument("--last: expected a whole number of runs from 1 to 10000");
                }
                last = static_cast<std::size_t>(n);
            } else if (arg == "--history") {
                history_dir = value();
            } else if (arg == "--add") {
                add_dir = value();
            } else if (arg == "--suggest") {
                suggest_dir = value();
            } else if (arg == "--dashboard") {
                dashboard_dir = value();
            } else if (arg == "--name") {
                name = value();
            } else if (arg == "--json") {
                json_path = value();
            } else if (arg == "--junit") {
                junit_path = value();
            } else if (arg == "--fail-on-inconclusive") {
                fail_on_inconclusive = true;
            } else if (arg == "-h" || arg == "--help") {
                std::puts("usage: loadkit_compare [options] baseline.json current.json\n"
                          "       loadkit_compare [options] --history DIR [--last 7] current.json\n"
                          "       loadkit_compare --add DIR [--name NAME] report.json...\n"
                          "       loadkit_compare [options] --suggest DIR [--last 7]\n"
                          "       loadkit_compare [options] --dashboard DIR page.html [--last 7]\n"
                          "options: [--percentiles 50,95,99] [--confidence 95] [--min-change 5]\n"
                          "         [--min-error-change 0.1] [--json FILE] [--junit FILE] "
                          "[--fail-on-inconclusive]");
                return 0;
            } else if (arg.starts_with("-")) {
                throw std::invalid_argument("unknown option " + arg);
            } else {
                files.push_back(arg);
            }
        }
        const int modes = (history_dir.empty() ? 0 : 1) + (add_dir.empty() ? 0 : 1) +
                          (suggest_dir.empty() ? 0 : 1) + (dashboard_dir.empty() ? 0 : 1);
        if (modes > 1) {
            throw std::invalid_argument("--history, --add, --suggest and --dashboard exclude each other");
        }
        std::string wrong;
        if (!add_dir.empty()) {
            wrong = files.empty() ? "--add: expected the reports to store" : "";
        } else if (!suggest_dir.empty()) {
            wrong = files.empty() ? "" : "--suggest takes no report, got " + std::to_string(files.size());
        } else if (!dashboard_dir.empty()) {
            wrong = files.size() == 1 ? ""
                                      : "--dashboard: expected the page to write, got " +
                                            std::to_string(files.size()) + " files";
        } else if (!history_dir.empty()) {
            wrong = files.size() == 1 ? ""
                                      : "--history: expected one report (current.json), got " +
                                            std::to_string(files.size());
        } else if (files.size() != 2) {
            wrong = "expected two reports (baseline.json current.json), got " + std::to_string(files.size());
        }
        if (!wrong.empty()) {
            throw std::invalid_argument(wrong);
        }
        loadkit::validate(options);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "loadkit_compare: %s\n", e.what());
        return 2;
    }
    loadkit::comparison c;
    try {
        if (!add_dir.empty()) {
            for (const auto& file : files) {
                std::printf("%s\n", store(add_dir, file, name).string().c_str());
            }
            return 0;
        }
        if (!dashboard_dir.empty()) {
            // Each run links to its own HTML report (same name as its JSON) when the folder holds one.
            const auto page_dir = std::filesystem::absolute(files[0]).parent_path();
            std::vector<loadkit::trend_run> runs;
            for (const auto& path : stored_runs(dashboard_dir)) {
                auto own = path;
                own.replace_extension(".html");
                const std::string link =
                    std::filesystem::exists(own)
                        ? std::filesystem::relative(std::filesystem::absolute(own), page_dir).generic_string()
                        : std::string();
                runs.push_back({read_report(path.string()), path.stem().string(), link});
            }
            auto folder = std::filesystem::path(dashboard_dir).lexically_normal();
            if (folder.filename().empty()) {
                folder = folder.parent_path();
            }
            loadkit::trend_options trend;
            trend.title = "loadkit trend: " + folder.filename().string();
            trend.compare = options;
            trend.window = last;
            trend.min_history = std::min<std::size_t>(3, last);
            loadkit::write_file(files[0], loadkit::to_trend_html(runs, trend));
            std::printf("%s: %zu runs\n", files[0].c_str(), runs.size());
            return 0;
        }
        if (!suggest_dir.empty()) {
            const auto runs = history(suggest_dir, last);
            print_objectives(loadkit::suggest_objectives(runs, options), runs.size());
            return 0;
        }
        if (!history_dir.empty()) {
            c = loadkit::compare(history(history_dir, last), read_report(files[0]).result, options);
        } else {
            c = loadkit::compare(read_report(files[0]).result, read_report(files[1]).result, options);
        }
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "loadkit_compare: %s\n", e.what());
        return 74;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "loadkit_compare: %s\n", e.what());
        return 2;
    }
    std::fputs(loadkit::to_text(c).c_str(), stdout);
    try {
        if (!json_path.empty()) {
            loadkit::write_file(json_path, loadkit::to_json(c));
        }
        if (!junit_path.empty()) {
            loadkit::write_file(junit_path, loadkit::to_junit(c));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "loadkit_compare: %s\n", e.what());
        return 74;
    }
    return c.exit_code(fail_on_inconclusive);
}
