// Deadlocks as test failures with names, not as a CI job that hangs until it is killed.
//  1. Two transfers take the same two account locks in opposite order. Through std::scoped_lock
//     (deadlock-free acquisition of several locks) both finish well within the 1 s limit.
//  2. A lock wait with a 0.05 s limit against a holder that keeps the lock 0.3 s times out, and the
//     probe counts the timeout (the seeds' 0.5 s against 2 s, scaled down).
//  3. A worker that never returns is reported by name after 0.1 s, and the program still exits:
//     the stuck thread is left behind (detached, its state kept alive) instead of hanging main().
// Exits 0 when all three reports are the expected ones.
#include <loadkit/deadline.hpp>
#include <loadkit/lock_probe.hpp>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;

namespace {
struct account {
    loadkit::probed_mutex<> lock;
    int balance = 1'000;
};
void transfer(account& from, account& to, int amount) {
    for (int i = 0; i < 1'000; ++i) {
        std::scoped_lock both(from.lock, to.lock); // never deadlocks, whatever the order
        from.balance -= amount;
        to.balance += amount;
    }
}
} // namespace

int main() {
    // snippet-begin: deadlock_guard
    // 1. Opposite lock orders, released together, 1 s limit.
    account a, b;
    auto transfers = loadkit::run_with_deadline(
        1s, {{"transfer A->B", [&] { transfer(a, b, 1); }}, {"transfer B->A", [&] { transfer(b, a, 1); }}});
    std::printf("transfers: %s\n", transfers.describe().c_str());

    // 2. A timed wait against a long holder.
    loadkit::probed_mutex<std::timed_mutex> row{{.name = "row 42"}};
    std::promise<void> held;
    std::thread holder([&] {
        std::lock_guard lock(row);
        held.set_value();
        std::this_thread::sleep_for(300ms);
    });
    held.get_future().wait();
    const bool got = row.try_lock_for(50ms);
    holder.join();
    std::printf("timed wait: %s; %s\n", got ? "acquired" : "timed out", row.stats().describe().c_str());

    // 3. A worker that never returns, named in the report.
    loadkit::task_tracker tracker;
    auto never = std::make_shared<std::promise<void>>(); // never fulfilled
    std::thread([guard = tracker.enter("nightly-report worker"), never]() mutable {
        never->get_future().wait(); // hangs forever
    }).detach();
    auto idle = tracker.wait_idle(100ms);
    std::printf("tracker: %s\n", idle.describe().c_str());
    // snippet-end

    const bool ok = transfers.completed && a.balance == 1'000 && b.balance == 1'000 && !got &&
                    row.stats().timeouts == 1 && !idle.completed && idle.still_running.size() == 1 &&
                    idle.still_running[0].name == "nightly-report worker";
    std::printf("%s\n", ok ? "PASS (the hung worker is left behind; main exits anyway)" : "FAIL");
    return ok ? 0 : 1;
}
