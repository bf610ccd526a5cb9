#include <cstdio>
#include <loadkit/loadkit.hpp>
using namespace std::chrono_literals;

loadkit::task<void> call_api(loadkit::histogram& latency) {
    const auto start = loadkit::clock::now();
    co_await loadkit::sleep_for(2ms); // stand-in for your client call
    latency.record(loadkit::clock::now() - start);
}

int main() {
    loadkit::histogram latency;
    loadkit::sync_wait([&]() -> loadkit::task<void> {
        loadkit::task_pool pool{{.max_in_flight = 50}}; // 50 concurrent operations
        for (int i = 0; i < 1000; ++i)
            co_await pool.spawn(call_api(latency));
        co_await pool.join();
    }());
    using ms = std::chrono::duration<double, std::milli>;
    std::printf("%llu calls, p50 %.2f ms, p99 %.2f ms\n", static_cast<unsigned long long>(latency.count()),
                ms(latency.value_at_percentile(50)).count(), ms(latency.value_at_percentile(99)).count());
}
