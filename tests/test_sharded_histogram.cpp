#include "catch.hpp"

#include <loadkit/sharded_histogram.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Deterministic per-thread values (seed 1000 + thread), a few of them out of range on purpose.
std::vector<std::int64_t> thread_values(std::size_t thread, std::size_t n) {
    std::mt19937_64 rng(1000 + thread);
    std::lognormal_distribution<double> latency(13.8, 1.0); // median ~1 ms
    std::vector<std::int64_t> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<std::int64_t>(latency(rng));
    }
    out[n / 3] = -42;                   // clamped low
    out[n / 2] = 2 * 3'600'000'000'000; // clamped high (2 h)
    return out;
}

} // namespace

TEST_CASE("sharded_histogram local() gives each thread one shard, stable across calls and histograms",
          "[sharded_histogram]") {
    loadkit::sharded_histogram a;
    CHECK(a.shard_count() == 0);
    auto& mine = a.local();
    CHECK(&a.local() == &mine);
    CHECK(a.shard_count() == 1);

    // More histograms than the 4-entry thread_local cache, used alternately from one thread.
    std::vector<std::unique_ptr<loadkit::sharded_histogram>> many;
    std::vector<loadkit::sharded_histogram::shard*> shards;
    for (int i = 0; i < 6; ++i) {
        many.push_back(std::make_unique<loadkit::sharded_histogram>());
        shards.push_back(&many.back()->local());
    }
    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < many.size(); ++i) {
            CHECK(&many[i]->local() == shards[i]);
            many[i]->local().record(static_cast<std::int64_t>(i + 1));
        }
    }
    for (std::size_t i = 0; i < many.size(); ++i) {
        CHECK(many[i]->shard_count() == 1);
        CHECK(many[i]->snapshot().count() == 3);
        CHECK(many[i]->snapshot().max() == std::chrono::nanoseconds{static_cast<std::int64_t>(i + 1)});
    }
    CHECK(&a.local() == &mine);

    // A new histogram (possibly at a dead one's address) never inherits a cached shard.
    for (int i = 0; i < 4; ++i) {
        loadkit::sharded_histogram fresh;
        fresh.local().record(5);
        CHECK(fresh.snapshot().count() == 1);
    }

    loadkit::sharded_histogram::shard* theirs = nullptr;
    std::thread other([&] { theirs = &a.local(); }); // assert after join: Catch2 v2 is not thread-safe
    other.join();
    CHECK(theirs != &mine);
    CHECK(a.shard_count() == 2);
    CHECK(a.memory_bytes() > 2 * a.bucket_count() * sizeof(std::uint64_t));
}

TEST_CASE("sharded_histogram hands an exited thread's shard, counts kept, to the next new thread",
          "[sharded_histogram]") {
    loadkit::sharded_histogram sharded;
    for (int i = 0; i < 10; ++i) { // a pool replacing its threads one by one
        std::thread([&] { sharded.local().record(std::chrono::microseconds{i + 1}); }).join();
    }
    CHECK(sharded.shard_count() == 1);
    const auto snap = sharded.snapshot();
    CHECK(snap.count() == 10);
    CHECK(snap.min() == 1us);
    CHECK(snap.max() == 10us);

    // A thread that exits after its histogram was destroyed: its exit hook finds nothing to release.
    auto short_lived = std::make_unique<loadkit::sharded_histogram>();
    std::latch recorded(1);
    std::latch destroyed(1);
    std::thread late([&] {
        short_lived->local().record(1);
        recorded.count_down();
        destroyed.wait();
    });
    recorded.wait();
    CHECK(short_lived->snapshot().count() == 1);
    short_lived.reset();
    destroyed.count_down();
    late.join();
}

TEST_CASE("sharded_histogram 8 threads' shards merge into exactly the single histogram of all values",
          "[sharded_histogram]") {
    constexpr std::size_t threads = 8;
    constexpr std::size_t per_thread = 20'000;
    loadkit::sharded_histogram sharded{{.significant_digits = 3}};
    loadkit::histogram expected{{.significant_digits = 3}};
    std::vector<std::vector<std::int64_t>> inputs;
    for (std::size_t t = 0; t < threads; ++t) {
        inputs.push_back(thread_values(t, per_thread));
        for (const auto v : inputs.back()) {
            expected.record(v);
        }
    }
    std::latch all_registered(threads); // all alive at once: 8 shards, none handed down
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto& shard = sharded.local();
            all_registered.arrive_and_wait();
            for (const auto v : inputs[t]) {
                shard.record(v);
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    const loadkit::histogram merged = sharded.snapshot();
    CHECK(sharded.shard_count() == threads);
    CHECK(merged == expected);
    CHECK(merged.clamped_low_count() == threads);
    CHECK(merged.clamped_high_count() == threads);
}

TEST_CASE("sharded_histogram snapshots taken while 3 threads record are consistent and monotonic; the last "
          "is exact",
          "[sharded_histogram]") {
    constexpr std::size_t threads = 3;
    constexpr std::size_t per_thread = 100'000;
    loadkit::sharded_histogram sharded;
    loadkit::histogram expected;
    std::vector<std::vector<std::int64_t>> inputs;
    for (std::size_t t = 0; t < threads; ++t) {
        inputs.push_back(thread_values(t, per_thread));
        for (const auto v : inputs.back()) {
            expected.record(v);
        }
    }
    std::atomic<std::size_t> running{threads};
    std::atomic<std::size_t> snapshots{0};
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto& shard = sharded.local();
            for (std::size_t i = 0; i < inputs[t].size(); ++i) {
                if (i == inputs[t].size() / 2) { // make sure snapshots interleave with recording
                    while (snapshots.load(std::memory_order_relaxed) < 3) {
                        std::this_thread::yield();
                    }
                }
                if (i % 2 == 0) {
                    shard.record(inputs[t][i]);
                } else {
                    shard.record(std::chrono::nanoseconds{inputs[t][i]});
                }
            }
            running.fetch_sub(1, std::memory_order_release);
        });
    }
    // Snapshot continuously (the reporter thread) and check every one; assert once at the end
    // because Catch2 assertions are not meant for hot loops.
    loadkit::histogram snap;
    loadkit::histogram previous;
    bool monotonic = true; // every counter of a snapshot >= the previous snapshot's: intervals work
    bool consistent = true;
    while (running.load(std::memory_order_acquire) != 0) {
        sharded.snapshot_into(snap);
        snapshots.fetch_add(1, std::memory_order_relaxed);
        try {
            const loadkit::histogram interval = snap - previous;
            monotonic = monotonic && interval.count() == snap.count() - previous.count();
        } catch (const std::invalid_argument&) {
            monotonic = false;
        }
        previous = snap;
        std::uint64_t in_buckets = 0;
        snap.for_each_bucket([&](const loadkit::histogram_bucket& b) { in_buckets += b.count; });
        consistent = consistent && in_buckets == snap.count() && snap.clamped_count() <= snap.count();
        if (!snap.empty()) {
            const auto p50 = snap.value_at_percentile(50);
            consistent = consistent && snap.min() <= p50 && p50 <= snap.max() && snap.max() <= snap.highest();
        }
    }
    for (auto& w : workers) {
        w.join();
    }
    INFO(snapshots.load() << " snapshots during recording");
    CHECK(snapshots.load() >= 3);
    CHECK(monotonic);
    CHECK(consistent);
    sharded.snapshot_into(snap);
    CHECK(snap == expected);
    CHECK(snap.count() == threads * per_thread);
}

TEST_CASE("sharded_histogram shard record_corrected and clamping match histogram's", "[sharded_histogram]") {
    loadkit::sharded_histogram sharded{{.significant_digits = 2, .highest = 10s}};
    loadkit::histogram expected{{.significant_digits = 2, .highest = 10s}};
    auto& shard = sharded.local();
    shard.record_corrected(25s, 3s); // 25 s .. 13 s clamped to 10 s, then 10 s .. 3 s
    expected.record_corrected(25s, 3s);
    shard.record_corrected(1'000'000, 1'000);
    expected.record_corrected(1'000'000, 1'000);
    shard.record(-1, 4);
    expected.record(-1, 4);
    shard.record(7ms, 0);
    const auto snap = sharded.snapshot();
    CHECK(snap == expected);
    CHECK(snap.clamped_high_count() == 5);
    CHECK(snap.clamped_low_count() == 4);
}

TEST_CASE("sharded_histogram snapshot_into adopts the configuration; reset empties every shard",
          "[sharded_histogram]") {
    loadkit::sharded_histogram sharded{{.max_relative_error = 0.01}};
    sharded.local().record(3ms);
    loadkit::histogram out{{.significant_digits = 5, .highest = 1ms}}; // other layout: replaced
    sharded.snapshot_into(out);
    CHECK(out.max_relative_error() == 1.0 / 128);
    CHECK(out.count() == 1);
    CHECK(out.max() == 3ms);
    sharded.reset();
    sharded.snapshot_into(out);
    CHECK(out.empty());
    CHECK(sharded.config().max_relative_error == 0.01);
    CHECK(sharded.shard_count() == 1);
}

TEST_CASE("sharded_histogram invalid options throw std::invalid_argument naming the field",
          "[sharded_histogram]") {
    std::string message;
    try {
        loadkit::sharded_histogram bad{{.significant_digits = 9}};
    } catch (const std::invalid_argument& e) {
        message = e.what();
    }
    CHECK(message.find("significant_digits = 9") != std::string::npos);
}
