// Concurrency correctness, as the seeds test it: 100 concurrent increments must give exactly 100,
// and two concurrent spends of 60 from a balance of 100 must let exactly one through. The work runs
// on a 2-thread runner, so the operations really race; the mutex-protected versions must hold.
#include <loadkit/loadkit.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace {
struct account {
    std::mutex mutex;
    int balance = 100;
    int counter = 0;

    bool spend(int amount) {
        std::lock_guard lock(mutex);
        if (balance < amount) {
            return false;
        }
        balance -= amount;
        return true;
    }
    void increment() {
        std::lock_guard lock(mutex);
        ++counter;
    }
};
} // namespace

int main() {
    account acct;
    std::atomic<int> spends_ok{0};
    {
        loadkit::runner runner{{.threads = 2}};
        for (int i = 0; i < 100; ++i) {
            runner.spawn([](account& a) -> loadkit::task<void> {
                co_await loadkit::schedule();
                a.increment();
            }(acct));
        }
        for (int i = 0; i < 2; ++i) {
            runner.spawn([](account& a, std::atomic<int>& ok) -> loadkit::task<void> {
                if (a.spend(60)) {
                    ok.fetch_add(1);
                }
                co_return;
            }(acct, spends_ok));
        }
        const loadkit::spawn_report report = runner.join();
        std::printf("tasks: %zu spawned, %zu succeeded, %zu failed\n", report.spawned, report.succeeded,
                    report.failed);
    }
    std::printf("counter: %d (expected 100)\n", acct.counter);
    std::printf("spends that went through: %d (expected 1), balance %d (expected 40)\n", spends_ok.load(),
                acct.balance);
    const bool ok = acct.counter == 100 && spends_ok.load() == 1 && acct.balance == 40;
    std::printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
