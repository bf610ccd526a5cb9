// The code fragments shown in README.md, compiled and run here so the README cannot drift from real
// code: tools/check_snippets.py checks that every README block marked `<!-- snippet: FILE#NAME -->`
// equals the region between `// snippet-begin: NAME` and `// snippet-end` below (dedented).
#include <loadkit/loadkit.hpp>

#include <cstddef>
#include <cstdio>
#include <string>

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
} // namespace

int main() {
    fake_client client;
    const auto report = loadkit::sync_wait(sweep_level(50));
    const int timeouts = loadkit::sync_wait(timeout_fragment(client));
    const int rows = loadkit::sync_wait(blocking_fragment(42));
    loadkit::sync_wait(semaphore_fragment());
    const std::size_t ran = runner_fragment();
    std::printf("sweep: %zu ok; timeouts: %d; rows: %d; runner: %zu ok\n", report.succeeded, timeouts, rows,
                ran);
    return report.succeeded == 1000 && timeouts == 0 && rows == 2 && ran == 10'000 ? 0 : 1;
}
