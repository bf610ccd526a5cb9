// A synchronous client (a database driver, an SDK) under load: each call blocks a thread, so the
// calls run on a blocking_pool while coroutines keep the load shape and the bookkeeping. A per-call
// timeout releases the caller at once; a call that overruns is counted as a timeout, not lost.
#include <loadkit/loadkit.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;

namespace {
// Stand-in for a blocking client: every 50th query is slow, every 97th fails.
int blocking_query(int id) {
    std::this_thread::sleep_for(id % 50 == 0 ? 300ms : 2ms);
    if (id % 97 == 0) {
        throw std::runtime_error("connection reset");
    }
    return id * 2;
}

struct tally {
    int ok = 0;
    int failed = 0;
    int timed_out = 0;
};

loadkit::task<void> one_query(loadkit::blocking_pool& db, int id, tally& t) {
    try {
        auto result = co_await loadkit::with_timeout(
            [](loadkit::blocking_pool& pool, int query) -> loadkit::task<int> {
                co_return co_await pool.run(blocking_query, query);
            }(db, id),
            100ms);
        result.timed_out() ? ++t.timed_out : ++t.ok;
    } catch (const std::exception&) {
        ++t.failed;
    }
}
} // namespace

int main() {
    loadkit::blocking_pool db{{.threads = 16}}; // 16 connections' worth of threads
    tally t;
    const auto start = loadkit::clock::now();
    loadkit::sync_wait([](loadkit::blocking_pool& pool, tally& out) -> loadkit::task<void> {
        loadkit::task_pool load{{.max_in_flight = 16}};
        for (int id = 1; id <= 500; ++id) {
            co_await load.spawn(one_query(pool, id, out));
        }
        co_await load.join();
    }(db, t));
    const double seconds = std::chrono::duration<double>(loadkit::clock::now() - start).count();
    std::printf("500 queries in %.2f s: %d ok, %d failed, %d timed out (limit 100 ms)\n", seconds, t.ok,
                t.failed, t.timed_out);
    return t.ok + t.failed + t.timed_out == 500 ? 0 : 1;
}
