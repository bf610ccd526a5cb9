// loadkit-requires: asio
// http_load — an HTTP/1.1 load generator in the spirit of wrk and wrk2, on loadkit's Asio adapter.
//
//   http_load [-c connections] [-d duration] [-t threads] [-R rate] [--timeout T] [--warmup D]
//             [-H "Name: value"]... [-m METHOD] [--body TEXT] [--slo "p99 < 100ms"]...
//             [--json FILE] [--html FILE] URL
//
// Closed model by default, as wrk: one virtual user per connection, each sending its next request
// when the previous response has arrived (constant_vus). With -R, open model, as wrk2: requests
// arrive at a constant rate whatever the server does and are sent over the connections; one that
// finds every connection busy waits for one (up to --max-queued, then it is dropped). Latency is
// the response time from each request's intended start (coordinated omission included); the
// service time, from when the request got its connection, is reported apart: it is what a
// closed-loop tool would show. Errors are filed by HTTP status ("http 503") and by socket error kind
// ("connect refused", "connection reset", "eof", ...); a request past --timeout is a timeout and
// its connection is closed. The report is loadkit's console summary (percentiles with the
// spectrum, errors, throughput, resources) and, on request, its JSON and HTML forms.
//
// With no arguments it starts its own target server on 127.0.0.1 (loadkit::http_target: ~1 ms
// service time, 0.5 % errors, a 100 ms stall every second) and runs a 2-second demo against it:
// the same server at a constant 2,000 requests/s over 8 connections (open model) and by 8
// closed-loop users. The stall shows in the constant-rate response times; their service time and
// the closed loop hide it (coordinated omission).
#include <loadkit/asio.hpp>
#include <loadkit/engine.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/report/progress.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#if __has_include(<loadkit/report/html.hpp>)
#include <loadkit/report/html.hpp>
#define LOADKIT_HTTP_LOAD_HTML 1
#endif

#include <sys/resource.h>

using namespace std::chrono_literals;

namespace {

const char* const usage =
    "usage: http_load [options] [URL]      (no arguments: a demo against an embedded server)\n"
    "  -c, --connections N   connections (closed model: one virtual user each), default 64\n"
    "  -d, --duration D      test length, e.g. 30s, 2m, 500ms; default 10s\n"
    "  -t, --threads N       event-loop threads, default 1\n"
    "  -R, --rate R          constant request rate per second (open model), e.g. 5000 or 20k\n"
    "      --max-queued N    -R: requests that may wait for a busy connection (beyond: dropped),\n"
    "                        default 10 s of arrivals\n"
    "      --timeout T       per request, default 2s (0: none)\n"
    "      --warmup D        reported apart from the steady state, default 0\n"
    "      --timer-slack D   -R: arrivals due within D share one wake-up (their latency still counts from\n"
    "                        their intended start), default 50us; larger costs less CPU per request\n"
    "  -H, --header H        add a request header, \"Name: value\" (repeatable)\n"
    "  -m, --method M        request method, default GET\n"
    "      --body TEXT       request body\n"
    "      --slo OBJECTIVE   e.g. \"p99 < 100ms\", \"error_rate < 1%\" (repeatable; exit 99 when one fails)\n"
    "      --json FILE       write the JSON report\n"
    "      --html FILE       write the HTML report\n"
    "Exit status: 0 passed; 99 an objective failed, 98 stuck or leaking, 105 stopped, 96 no connection\n"
    "was ever established (run_report::exit_code); 74 a report file could not be written; 2 bad arguments.\n"
    "A failed connect is retried per connection after 10 ms, doubling up to 1 s (or half the timeout).\n"
    "Without a URL, http_load starts its embedded server (loadkit::http_target) on 127.0.0.1 and tests it:\n"
    "      --target-latency D    its service time per request, default 0\n"
    "      --target-errors P     the share of 503 responses, e.g. 0.01; default 0\n"
    "      --target-stall D      a stall of D at the end of every --target-stall-every (default 5s)\n";

struct cli {
    std::string url;
    std::uint64_t connections = 64;
    std::chrono::nanoseconds duration = 10s;
    std::size_t threads = 1;
    std::optional<double> rate;
    std::optional<std::uint64_t> max_queued;
    std::chrono::nanoseconds timeout = 2s;
    std::chrono::nanoseconds warmup{};
    std::chrono::nanoseconds timer_slack = 50us;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string method = "GET";
    std::string body;
    std::vector<std::string> slo;
    std::string json_path;
    std::string html_path;
    loadkit::http_target_options target{.stall_every = 5s};
};

[[noreturn]] void bad(const std::string& what) {
    std::fprintf(stderr, "http_load: %s\n%s", what.c_str(), usage);
    std::exit(2);
}

// "10s", "500ms", "2m", "1h", "1.5s", "90" (seconds).
std::chrono::nanoseconds parse_duration(std::string_view text, const char* flag) {
    char* end = nullptr;
    const std::string s(text);
    const double v = std::strtod(s.c_str(), &end);
    const std::string_view unit(end);
    double seconds = v;
    if (unit == "ms") {
        seconds = v / 1e3;
    } else if (unit == "us") {
        seconds = v / 1e6;
    } else if (unit == "m" || unit == "min") {
        seconds = v * 60;
    } else if (unit == "h") {
        seconds = v * 3600;
    } else if (!unit.empty() && unit != "s") {
        bad(std::string(flag) + " " + s + ": expected a duration such as 30s, 500ms or 2m");
    }
    if (end == s.c_str() || !(seconds >= 0) || seconds > 1e7) {
        bad(std::string(flag) + " " + s + ": expected a duration such as 30s, 500ms or 2m");
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
}

double parse_number(std::string_view text, const char* flag) {
    char* end = nullptr;
    const std::string s(text);
    double v = std::strtod(s.c_str(), &end);
    const std::string_view suffix(end);
    if (suffix == "k" || suffix == "K") {
        v *= 1e3;
    } else if (suffix == "M") {
        v *= 1e6;
    } else if (!suffix.empty() || end == s.c_str()) {
        bad(std::string(flag) + " " + s + ": expected a number such as 64, 5000 or 20k");
    }
    if (!(v > 0)) {
        bad(std::string(flag) + " " + s + ": expected a number > 0");
    }
    return v;
}

cli parse(int argc, char** argv) {
    cli c;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                bad(std::string(arg) + " needs a value");
            }
            return argv[++i];
        };
        if (arg == "-c" || arg == "--connections") {
            c.connections = static_cast<std::uint64_t>(parse_number(value(), "-c"));
        } else if (arg == "-d" || arg == "--duration") {
            c.duration = parse_duration(value(), "-d");
        } else if (arg == "-t" || arg == "--threads") {
            c.threads = static_cast<std::size_t>(parse_number(value(), "-t"));
        } else if (arg == "-R" || arg == "--rate") {
            c.rate = parse_number(value(), "-R");
        } else if (arg == "--max-queued") {
            const std::string_view v = value(); // 0: drop at once (k6's model)
            c.max_queued = v == "0" ? 0 : static_cast<std::uint64_t>(parse_number(v, "--max-queued"));
        } else if (arg == "--timeout") {
            c.timeout = parse_duration(value(), "--timeout");
        } else if (arg == "--timer-slack") {
            c.timer_slack = parse_duration(value(), "--timer-slack");
        } else if (arg == "--warmup") {
            c.warmup = parse_duration(value(), "--warmup");
        } else if (arg == "-H" || arg == "--header") {
            const std::string_view h = value();
            const std::size_t colon = h.find(':');
            if (colon == std::string_view::npos || colon == 0) {
                bad("-H " + std::string(h) + ": expected \"Name: value\"");
            }
            std::string_view v = h.substr(colon + 1);
            while (!v.empty() && v.front() == ' ') {
                v.remove_prefix(1);
            }
            c.headers.emplace_back(std::string(h.substr(0, colon)), std::string(v));
        } else if (arg == "-m" || arg == "--method") {
            c.method = std::string(value());
        } else if (arg == "--body") {
            c.body = std::string(value());
        } else if (arg == "--slo") {
            c.slo.emplace_back(value());
        } else if (arg == "--json") {
            c.json_path = std::string(value());
        } else if (arg == "--html") {
            c.html_path = std::string(value());
        } else if (arg == "--target-latency") {
            c.target.latency = parse_duration(value(), "--target-latency");
        } else if (arg == "--target-errors") {
            const std::string v(value());
            c.target.statuses = {{503, std::atof(v.c_str())}};
        } else if (arg == "--target-stall") {
            c.target.stall = parse_duration(value(), "--target-stall");
        } else if (arg == "--target-stall-every") {
            c.target.stall_every = parse_duration(value(), "--target-stall-every");
        } else if (arg == "-h" || arg == "--help") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (!arg.empty() && arg.front() == '-') {
            bad("unknown option " + std::string(arg));
        } else if (c.url.empty()) {
            c.url = std::string(arg);
        } else {
            bad("more than one URL");
        }
    }
    if (c.duration <= 0ns) {
        bad("-d must be > 0");
    }
    return c;
}

double cpu_seconds() {
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    const auto tv = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return tv(self.ru_utime) + tv(self.ru_stime);
}

// Writes the requested report files; false (each failure and why on stderr) when one could not be
// written: a CI job must not take a missing or truncated report for the run's.
bool write_reports(const cli& c, const loadkit::run_report& report) {
    bool ok = true;
    const auto save = [&](const std::string& path, const std::string& text) {
        try {
            loadkit::write_file(path, text);
        } catch (const std::system_error& e) {
            std::fprintf(stderr, "http_load: %s\n", e.what());
            ok = false;
        }
    };
    if (!c.json_path.empty()) {
        save(c.json_path, loadkit::to_json(report));
    }
    if (!c.html_path.empty()) {
#if defined(LOADKIT_HTTP_LOAD_HTML)
        save(c.html_path, loadkit::to_html(report));
#else
        std::fprintf(stderr, "http_load: this build has no HTML reporter\n");
        ok = false;
#endif
    }
    return ok;
}

// A run in which no connection was ever established measured nothing of the server: its
// "requests" are failed connects (as fast as the back-off lets them), not throughput. Marks the
// report so that its console, JSON and JUnit forms say so and it exits 96 (run_report::exit_code).
void mark_unreachable(loadkit::run_report& report, const loadkit::http_client& client,
                      const std::string& url) {
    if (client.connects() > 0) {
        return;
    }
    report.result.reason = loadkit::stop_reason::error;
    report.result.reason_text = "no connection to " + url +
                                " was ever established: " + std::to_string(client.connect_failures()) +
                                " connect attempts failed (see the errors); no request reached the server";
}

// One line for scripts (bench/compare-wrk.sh reads it): requests, rate, connections opened, CPU.
void print_tail(const loadkit::run_report& report, const std::vector<const loadkit::http_client*>& clients,
                double cpu) {
    const loadkit::tag_result& all = report.result.overall;
    std::uint64_t connects = 0;
    std::uint64_t connect_failures = 0;
    for (const auto* client : clients) {
        connects += client->connects();
        connect_failures += client->connect_failures();
    }
    const double seconds = std::chrono::duration<double>(report.result.duration).count();
    if (connects == 0) { // no req/s: these were failed connects, not requests the server answered
        std::printf("http_load: no connection was established in %.2fs: %llu connect attempts failed (with "
                    "back-off), no request reached the server; CPU %.2fs\n",
                    seconds, static_cast<unsigned long long>(connect_failures), cpu);
        return;
    }
    const double completed = static_cast<double>(all.count());
    std::printf("http_load: %llu requests in %.2fs, %.1f req/s, %llu failed, %llu dropped, %llu connections "
                "opened; CPU %.2fs (%.2f us/request)\n",
                static_cast<unsigned long long>(all.count()), seconds,
                seconds > 0 ? completed / seconds : 0.0, static_cast<unsigned long long>(all.failed()),
                static_cast<unsigned long long>(all.dropped), static_cast<unsigned long long>(connects), cpu,
                completed > 0 ? cpu * 1e6 / completed : 0.0);
}

loadkit::operation http_operation(std::string name, loadkit::http_client& client) {
    return {std::move(name), [&client](loadkit::op_context& ctx) { return client(ctx); }};
}

int run_cli(cli c) {
    std::optional<loadkit::http_target> target;
    if (c.url.empty()) {
        target.emplace(c.target);
        c.url = target->url("/");
        std::printf("http_load: testing its embedded server on %s\n", c.url.c_str());
    }
    loadkit::asio_runner io{{.threads = c.threads, .timer_slack = c.timer_slack}};
    // The client times requests out itself (one sweep per loop instead of a timer per request).
    loadkit::http_client client{{.url = c.url,
                                 .method = c.method,
                                 .headers = c.headers,
                                 .body = c.body,
                                 .connections = c.connections,
                                 .timeout = c.timeout}};
    loadkit::run_options options;
    options.title = "http_load " + c.url;
    options.executors = io.executors();
    options.warmup = c.warmup;
    options.handle_signals = true;
    options.graceful_stop = c.timeout.count() > 0 ? c.timeout : 2s;
    options.cancel_grace = 1s;
    for (const auto& objective : c.slo) {
        options.slo.add(loadkit::parse_objective(objective));
    }
    loadkit::progress_printer progress;
    options.on_progress = progress;

    const std::string name = c.method + " " + std::string(loadkit::parse_http_url(c.url, "URL").target);
    loadkit::scenario s;
    s.name = "http_load";
    s.operations.push_back(http_operation(name, client));
    if (c.rate) {
        const std::uint64_t ten_seconds = static_cast<std::uint64_t>(std::min(*c.rate * 10.0, 1e7));
        s.profile = loadkit::constant_rate{
            .rate = *c.rate,
            .duration = c.duration,
            .max_in_flight = c.connections,
            .max_queued = c.max_queued.value_or(std::max<std::uint64_t>(ten_seconds, 1000))};
    } else {
        s.profile = loadkit::constant_vus{.vus = c.connections, .duration = c.duration};
    }
    const double cpu_before = cpu_seconds();
    loadkit::run_report report = loadkit::run(options, s);
    const double cpu = cpu_seconds() - cpu_before;
    progress.finish();
    io.stop();
    mark_unreachable(report, client, c.url);
    loadkit::print_summary(stdout, report);
    print_tail(report, {&client}, cpu);
    if (!write_reports(c, report)) {
        return 74; // sysexits.h EX_IOERR: whatever the verdict, a requested report is missing
    }
    return report.exit_code();
}

// The README's demo: an embedded server with a known shape, hit at a constant rate and by a closed
// loop side by side, over 8 connections each.
int run_demo() {
    std::printf(
        "http_load demo: an HTTP server embedded in this program (~1 ms service time, 0.5%% errors,\n"
        "a 100 ms stall every second), hit for 2 s at a constant 2,000 requests/s over 8 connections\n"
        "(a request waits for a free one, as in wrk2) and by 8 closed-loop users. The stall shows in\n"
        "the constant-rate response time; its service time and the closed loop hide it.\n\n");
    std::fflush(stdout);
    const double cpu_before = cpu_seconds();
    // snippet-begin: http_demo
    // A server with a known shape on 127.0.0.1: ~1 ms service time, 0.5 % errors, a 100 ms stall
    // every second. Point the clients at your own service instead.
    loadkit::http_target target{{.latency = 500us,
                                 .latency_jitter = 1ms,
                                 .statuses = {{503, 0.003}, {404, 0.002}},
                                 .stall = 100ms,
                                 .stall_every = 1s}};
    loadkit::asio_runner io{{.threads = 1}}; // the engine's event loops are Asio io_contexts
    loadkit::http_client open_client{{.url = target.url("/"), .connections = 8, .timeout = 1s}};
    loadkit::http_client closed_client{{.url = target.url("/"), .connections = 8, .timeout = 1s}};

    loadkit::run_options options;
    options.title = "http_load demo: " + target.url("/");
    options.executors = io.executors();
    options.graceful_stop = 1s;
    options.handle_signals = true; // Ctrl-C stops the run and still prints the partial report
    options.slo = loadkit::slo_policy{"GET / at 2000/s: p99 < 250ms", "error_rate < 1%"};
    const std::vector<loadkit::scenario> scenarios = {
        {.name = "constant rate", // wrk2: a request that finds the 8 connections busy waits for one
         .profile =
             loadkit::constant_rate{.rate = 2000, .duration = 2s, .max_in_flight = 8, .max_queued = 10'000},
         .operations = {{"GET / at 2000/s", [&](loadkit::op_context& ctx) { return open_client(ctx); }}}},
        {.name = "closed loop", // wrk: each user sends its next request when the last one is answered
         .profile = loadkit::constant_vus{.vus = 8, .duration = 2s},
         .operations = {{"GET / by 8 users", [&](loadkit::op_context& ctx) { return closed_client(ctx); }}}},
    };
    const loadkit::run_report report = loadkit::run(options, scenarios);
    loadkit::print_summary(stdout, report);
    // snippet-end
    io.stop();
    print_tail(report, {&open_client, &closed_client}, cpu_seconds() - cpu_before);
    return report.exit_code();
}

} // namespace

int main(int argc, char** argv) {
    try {
        if (argc == 1) {
            return run_demo();
        }
        return run_cli(parse(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_load: %s\n", e.what());
        return 2;
    }
}
