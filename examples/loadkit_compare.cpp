// loadkit_compare — did this run get worse than the baseline? Compares two JSON reports per tag and
// overall: latency percentiles, error rate and throughput, each with a confidence interval for the
// change and a verdict (regressed / improved / no detectable change / inconclusive) that ignores
// changes smaller than --min-change (report/compare.hpp states the methods).
//
//   loadkit_compare [options] baseline.json current.json
//     --percentiles 50,95,99     the latency percentiles to compare
//     --confidence 95            of every interval, in percent
//     --min-change 5             the smallest relative change that matters, in percent
//     --min-error-change 0.1     ... of the error rate, in percentage points
//     --json FILE / --junit FILE also write the comparison as JSON / JUnit XML
//     --fail-on-inconclusive     exit 97 when nothing regressed but something is inconclusive
//
// Exits 0 when nothing regressed, 99 when something did (as a failed SLO), 97 (see above), 74 when
// an output file cannot be written, 2 for bad usage or an unreadable report. Without arguments it
// demonstrates itself: it writes a baseline and a current report whose "checkout" p99 is 25 % slower
// to a temporary directory, compares the files, and checks that exactly that was found.
#include <loadkit/report/compare.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/run_report.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
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

// A synthetic run: lognormal latencies per tag (median 10 ms), 1 % errors, over 30 s.
loadkit::run_report synthetic(std::mt19937_64& rng, double checkout_scale) {
    loadkit::run_report r;
    r.title = "nightly";
    r.result.duration = 30s;
    r.result.overall = loadkit::tag_result("", loadkit::histogram_options{}, loadkit::latency_model::closed);
    for (const char* name : {"checkout", "login"}) {
        loadkit::tag_result t(name, loadkit::histogram_options{}, loadkit::latency_model::closed);
        std::lognormal_distribution<double> latency(std::log(10e6), 0.5);
        std::bernoulli_distribution failed(0.01);
        const double scale = std::string_view(name) == "checkout" ? checkout_scale : 1.0;
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

int demo() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("loadkit-compare-demo-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    std::mt19937_64 rng(2026);
    loadkit::write_file((dir / "baseline.json").string(), loadkit::to_json(synthetic(rng, 1.0)));
    loadkit::write_file((dir / "current.json").string(), loadkit::to_json(synthetic(rng, 1.25)));
    // snippet-begin: compare
    const loadkit::run_report baseline = read_report((dir / "baseline.json").string()); // loadkit::read_json
    const loadkit::run_report current = read_report((dir / "current.json").string());
    const loadkit::comparison c = loadkit::compare(baseline.result, current.result, {.min_change = 0.05});
    std::fputs(loadkit::to_text(c).c_str(), stdout); // or to_json(c), to_junit(c); exit_code() 99: worse
    // snippet-end
    std::filesystem::remove_all(dir);
    bool as_expected = c.exit_code() == 99;
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
    std::printf("demo: %s (a real comparison like this one exits %d)\n",
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
            } else if (arg == "--json") {
                json_path = value();
            } else if (arg == "--junit") {
                junit_path = value();
            } else if (arg == "--fail-on-inconclusive") {
                fail_on_inconclusive = true;
            } else if (arg == "-h" || arg == "--help") {
                std::puts(
                    "usage: loadkit_compare [--percentiles 50,95,99] [--confidence 95] [--min-change 5]\n"
                    "       [--min-error-change 0.1] [--json FILE] [--junit FILE] [--fail-on-inconclusive]\n"
                    "       baseline.json current.json");
                return 0;
            } else if (arg.starts_with("-")) {
                throw std::invalid_argument("unknown option " + arg);
            } else {
                files.push_back(arg);
            }
        }
        if (files.size() != 2) {
            throw std::invalid_argument("expected two reports (baseline.json current.json), got " +
                                        std::to_string(files.size()));
        }
        loadkit::validate(options);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "loadkit_compare: %s\n", e.what());
        return 2;
    }
    loadkit::comparison c;
    try {
        c = loadkit::compare(read_report(files[0]).result, read_report(files[1]).result, options);
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
