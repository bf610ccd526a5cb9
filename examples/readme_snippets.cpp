// The code fragments shown in README.md, compiled and run here so the README cannot drift from real
// code: tools/check_snippets.py checks that every README block marked `<!-- snippet: FILE#NAME -->`
// equals the region between `// snippet-begin: NAME` and `// snippet-end` below (dedented).
#include <loadkit/loadkit.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/report/csv.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/hlog.hpp>
#include <loadkit/report/html.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/report/junit.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {
loadkit::task<void> call_api(int id) { co_await loadkit::sleep_for(std::chrono::microseconds(100 + id % 7)); }

struct fake_client {
    loadkit::task<std::string> get(std::string path) {
        co_await loadkit::sleep_for(1ms);
        co_return "200 " + path;
    }
};

int query_orders(int customer_id) { return customer_id % 10; }

// snippet-begin: sweep_level
loadkit::task<loadkit::spawn_report> sweep_level(std::size_t concurrency) {
    loadkit::task_pool pool{{.max_in_flight = concurrency}};
    for (int i = 0; i < 1000; ++i) {
        co_await pool.spawn(call_api(i));
    }
    co_return co_await pool.join(); // spawned, succeeded, failed, cancelled, peak_in_flight, errors
}
// snippet-end

loadkit::task<int> timeout_fragment(fake_client& client) {
    int timeouts = 0;
    std::size_t used = 0;
    auto use = [&used](const std::string& body) { used += body.size(); };
    // snippet-begin: with_timeout
    auto reply = co_await loadkit::with_timeout(client.get("/orders"), 500ms);
    if (reply.timed_out()) {
        ++timeouts;
    } else {
        use(*reply);
    }
    // snippet-end
    co_return timeouts + static_cast<int>(used > 0 ? 0 : 1);
}

loadkit::task<int> blocking_fragment(int customer_id) {
    // snippet-begin: blocking
    loadkit::blocking_pool db{{.threads = 16}};
    int rows = co_await db.run(query_orders, customer_id); // runs on a worker, resumes on your loop
    // snippet-end
    co_return rows;
}

loadkit::task<void> semaphore_fragment() {
    // snippet-begin: semaphore
    loadkit::async_semaphore connections{20};
    co_await connections.acquire(); // suspends, never blocks the thread
    /* ... use a connection ... */
    connections.release();
    // snippet-end
}

std::size_t runner_fragment() {
    // snippet-begin: runner
    loadkit::runner runner{{.threads = 2}}; // one event loop per thread
    for (int i = 0; i < 10'000; ++i)
        runner.spawn(call_api(i));                // least-loaded loop
    loadkit::spawn_report report = runner.join(); // blocks until all have ended
    // snippet-end
    return report.succeeded;
}
struct fake_shop {
    loadkit::task<void> login(std::uint64_t) { co_await loadkit::sleep_for(1ms); }
    loadkit::task<int> buy(std::uint64_t item) {
        co_await loadkit::sleep_for(2ms);
        co_return item % 50 == 0 ? 409 : 200;
    }
};
struct fake_db {
    void query(const char*) { std::this_thread::sleep_for(1ms); }
};

loadkit::run_report operation_fragment() {
    fake_shop shop;
    fake_db db;
    // snippet-begin: operation
    loadkit::operation checkout{"checkout", [&](loadkit::op_context& ctx) -> loadkit::task<void> {
                                    co_await ctx.step("login",
                                                      shop.login(ctx.vu())); // timed as its own tag, "login"
                                    const auto item = ctx.random().below(1000); // per-user seeded generator
                                    const int status = co_await shop.buy(item);
                                    if (status == 409)
                                        ctx.fail("http", "409 conflict"); // failed, no exception needed
                                }};
    loadkit::operation report_query{"report", [&] { db.query("SELECT ..."); }}; // blocking: worker threads
    // snippet-end
    const loadkit::scenario s{.name = "ops",
                              .profile = loadkit::per_vu_iterations{.vus = 4, .iterations = 5},
                              .operations = {checkout, report_query}};
    return loadkit::run({.sample_resources = false}, s);
}

loadkit::run_report scenario_fragment() {
    const auto browse = [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(1ms); };
    const auto search = browse;
    const auto buy = browse;
    const auto get_order = browse;
    // snippet-begin: scenarios
    loadkit::scenario shop{
        .name = "shop",
        .profile = loadkit::constant_vus{.vus = 20, .duration = 1s},
        .operations = {{"browse", 10, browse}, {"search", 5, search}, {"buy", 2, buy}}, // Locust's @task(10)
        .think = loadkit::between(10ms, 30ms),
        .timeout = 2s,
    };
    loadkit::scenario api{
        .name = "api",
        .profile = loadkit::constant_rate{.rate = 200, .duration = 1s, .max_in_flight = 100},
        .operations = {{"get_order", get_order}},
        .start_offset = 200ms,
    };
    loadkit::run_report report = loadkit::run({.threads = 2}, std::vector{shop, api});
    // snippet-end
    return report;
}

bool virtual_time_fragment() {
    // snippet-begin: virtual_time
    loadkit::manual_clock_executor clock; // virtual time: moves only from timer to timer
    const auto report = loadkit::run(
        loadkit::constant_rate{.rate = 2000, .duration = 30s},
        {"call", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(10ms); }},
        {.manual_clock = &clock, .sample_resources = false}); // returns at once, on any machine
    const auto& all = report.result.overall;                  // exactly 60,000 ok, none dropped,
    bool exact = all.ok == 60'000 && all.dropped == 0 && all.latency.max() == 10ms; // each 10 ms
    // snippet-end
    return exact;
}

loadkit::task<int> token_bucket_fragment() {
    int calls = 0;
    // snippet-begin: token_bucket
    loadkit::token_bucket limit{{.rate = 100, .burst = 10}}; // 100 calls/s, bursts of up to 10
    co_await limit.acquire();                                // in a coroutine: waits its turn
    limit.acquire_blocking();                                // in a plain thread
    if (limit.try_acquire())                                 // or skip when over the rate
        ++calls;
    // snippet-end
    co_return calls + 2;
}
bool reports_fragment(const loadkit::run_report& report) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "loadkit-readme";
    std::filesystem::create_directories(dir);
    // snippet-begin: reports
    loadkit::print_summary(stdout, report);                              // report/console.hpp
    loadkit::write_file(dir / "report.json", loadkit::to_json(report));  // report/json.hpp: mergeable
    loadkit::write_file(dir / "report.html", loadkit::to_html(report));  // report/html.hpp: inline SVG
    loadkit::write_file(dir / "junit.xml", loadkit::to_junit(report));   // report/junit.hpp: for CI
    loadkit::write_file(dir / "intervals.csv", loadkit::to_csv(report)); // report/csv.hpp: per interval
    loadkit::write_file(dir / "run.hlog", loadkit::to_hlog(report));     // report/hlog.hpp: HdrHistogram
    // write_file (report/file.hpp) writes a temporary file and renames it; a missing folder, a full
    // disk or no permission throws std::system_error naming the path and the reason.
    // snippet-end
    return loadkit::from_json(loadkit::to_json(report)).result == report.result;
}
loadkit::run_report segment_fragment(std::int64_t start_unix_ms) {
    const auto checkout = [](loadkit::op_context&) -> loadkit::task<void> {
        co_await loadkit::sleep_for(1ms);
    };
    // snippet-begin: segments
    // Each process runs its share of the one test: LOADKIT_SEGMENT=1/4 (shard 1 of 4), or the rank
    // and size mpirun, srun or a Kubernetes Indexed Job gives it (JOB_COMPLETION_INDEX, with
    // LOADKIT_SEGMENT_COUNT = the Job's completions). Without any: the whole test.
    loadkit::run_options options{.segment_from_environment = true};
    // One instant for every process (e.g. `date +%s%3N` plus a few seconds, on every command line).
    options.start_at = std::chrono::system_clock::time_point{std::chrono::milliseconds{start_unix_ms}};
    const loadkit::run_report part =
        loadkit::run(loadkit::constant_rate{.rate = 2000, .duration = 1s, .max_in_flight = 200},
                     {"checkout", checkout}, options);
    if (part.segment) // "segment 1/4:2/4 (LOADKIT_SEGMENT), start skew +0.1 ms" in the summary
        std::printf("ran %s: %llu of the test's 2,000 arrivals\n", part.segment->describe().c_str(),
                    static_cast<unsigned long long>(part.result.overall.scheduled));
    // snippet-end
    return part;
}
} // namespace

int main() {
    fake_client client;
    const auto report = loadkit::sync_wait(sweep_level(50));
    const int timeouts = loadkit::sync_wait(timeout_fragment(client));
    const int rows = loadkit::sync_wait(blocking_fragment(42));
    loadkit::sync_wait(semaphore_fragment());
    const std::size_t ran = runner_fragment();
    const auto ops = operation_fragment();
    const auto mixed = scenario_fragment();
    const int limited = loadkit::sync_wait(token_bucket_fragment());
    const bool reports = reports_fragment(mixed);
    const bool exact = virtual_time_fragment();
    const auto soon = std::chrono::system_clock::now() + 50ms;
    const auto part = segment_fragment(
        std::chrono::duration_cast<std::chrono::milliseconds>(soon.time_since_epoch()).count());
    std::printf("sweep: %zu ok; timeouts: %d; rows: %d; runner: %zu ok; operations: %llu; scenarios: %llu; "
                "throttled: %d\n",
                report.succeeded, timeouts, rows, ran,
                static_cast<unsigned long long>(ops.result.overall.count()),
                static_cast<unsigned long long>(mixed.result.overall.count()), limited);
    return report.succeeded == 1000 && timeouts == 0 && rows == 2 && ran == 10'000 &&
                   ops.result.find("login") != nullptr && mixed.result.find("get_order") != nullptr &&
                   limited >= 2 && reports && exact && part.start_skew.has_value()
               ? 0
               : 1;
}
