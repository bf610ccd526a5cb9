// Concurrency correctness, as the seeds test it, with loadkit::contend: every thread is created and
// parked first, then all are released at once, so the calls really overlap. 100 concurrent
// increments must give exactly 100; two concurrent spends of 60 from a balance of 100 must let
// exactly one through (checked over 200 releases); 60 reservations against a limit of 50 must give
// 50 successes and 10 quota errors. Exits 0 when every invariant holds.
#include <loadkit/contend.hpp>

#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace {
struct account {
    std::mutex mutex;
    int balance = 100;
    bool spend(int amount) {
        std::lock_guard lock(mutex);
        if (balance < amount)
            return false;
        balance -= amount;
        return true;
    }
};
struct inventory {
    std::mutex mutex;
    int reserved = 0;
    void reserve() {
        std::lock_guard lock(mutex);
        if (reserved == 50)
            throw std::runtime_error("quota exceeded");
        ++reserved;
    }
};
} // namespace

int main() {
    // snippet-begin: race_counter
    std::mutex mutex;
    int counter = 0;
    auto increments = loadkit::contend(100, [&] {
        std::lock_guard lock(mutex);
        ++counter;
    });

    account acct;
    auto spends =
        loadkit::contend({.threads = 2, .rounds = 200, .before_round = [&](auto) { acct.balance = 100; }},
                         [&] { return acct.spend(60); });

    inventory stock;
    auto orders = loadkit::contend(60, [&] { stock.reserve(); });
    // snippet-end

    std::printf("increments:   %s; counter %d (expected 100)\n", increments.describe().c_str(), counter);
    std::printf("double spend: %s; %zu spends went through (expected 1 per round), balance %d\n",
                spends.describe().c_str(), spends.count(true), acct.balance);
    std::printf("inventory:    %s\n", orders.describe().c_str());
    const bool ok = counter == 100 && spends.count(true) == 200 && acct.balance == 40 &&
                    orders.succeeded() == 50 && orders.failures_by_message()["quota exceeded"] == 10;
    std::printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
