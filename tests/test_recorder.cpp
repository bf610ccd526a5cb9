#include "catch.hpp"

#include <loadkit/recorder.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// Counting global allocator for the whole test binary: counts on the allocating thread, so the
// allocation test below sees only its own thread's allocations. Every replaceable form is replaced
// (plain, array, aligned, nothrow), so all pair malloc with free, also under GCC's ASan. Not under
// clang's sanitizers: their static runtimes define every form themselves (the link would fail).
// malloc and free sit behind opaque calls so GCC's -Wmismatched-new-delete does not mistake the
// replacement for a mismatch.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define LOADKIT_TEST_NO_COUNTING_ALLOCATOR 1
#endif
#endif
namespace {
thread_local std::uint64_t thread_allocations = 0;
#ifndef LOADKIT_TEST_NO_COUNTING_ALLOCATOR
[[gnu::noinline]] void* raw_allocate(std::size_t size, std::size_t align) noexcept {
    ++thread_allocations;
    if (align <= alignof(std::max_align_t)) {
        return std::malloc(size == 0 ? 1 : size);
    }
    const std::size_t rounded = (size + align - 1) / align * align;
    return std::aligned_alloc(align, rounded == 0 ? align : rounded);
}
[[gnu::noinline]] void raw_free(void* p) noexcept { std::free(p); }
void* allocate_or_throw(std::size_t size, std::size_t align) {
    if (void* p = raw_allocate(size, align)) {
        return p;
    }
    throw std::bad_alloc();
}
#endif
} // namespace
#ifndef LOADKIT_TEST_NO_COUNTING_ALLOCATOR
void* operator new(std::size_t n) { return allocate_or_throw(n, 1); }
void* operator new[](std::size_t n) { return allocate_or_throw(n, 1); }
void* operator new(std::size_t n, std::align_val_t a) {
    return allocate_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return allocate_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return raw_allocate(n, 1); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return raw_allocate(n, 1); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return raw_allocate(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return raw_allocate(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { raw_free(p); }
void operator delete[](void* p) noexcept { raw_free(p); }
void operator delete(void* p, std::size_t) noexcept { raw_free(p); }
void operator delete[](void* p, std::size_t) noexcept { raw_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { raw_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { raw_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { raw_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { raw_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { raw_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { raw_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { raw_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { raw_free(p); }
#endif

namespace {

using time_point = loadkit::recorder::time_point;
const time_point t0{};

time_point at(std::chrono::nanoseconds offset) { return t0 + offset; }

// One operation of a synthetic workload (fixed seed), filed by `runner` at time `when`.
struct synthetic_op {
    std::size_t runner;
    std::chrono::nanoseconds when;
    std::size_t tag;
    loadkit::outcome_kind kind;
    std::chrono::nanoseconds response;
    std::chrono::nanoseconds service;
    int category;
    int message;
};

std::vector<synthetic_op> workload(std::size_t runners, int seconds, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> latency(std::log(2e6), 0.7); // median 2 ms
    std::uniform_int_distribution<int> pick(0, 99);
    std::vector<synthetic_op> ops;
    for (int s = 0; s < seconds; ++s) {
        for (int i = 0; i < 400; ++i) {
            synthetic_op op{};
            op.runner = rng() % runners;
            op.when = std::chrono::seconds{s} + std::chrono::microseconds{i * 2000};
            op.tag = rng() % 3;
            const int roll = pick(rng);
            op.kind = roll < 90 ? loadkit::outcome_kind::ok
                                : (roll < 96 ? loadkit::outcome_kind::error
                                             : (roll < 98 ? loadkit::outcome_kind::timeout
                                                          : loadkit::outcome_kind::dropped));
            op.service = std::chrono::nanoseconds{static_cast<std::int64_t>(latency(rng))};
            op.response = op.service + std::chrono::nanoseconds{static_cast<std::int64_t>(rng() % 3'000'000)};
            op.category = pick(rng) % 3;
            op.message = pick(rng) % 4;
            ops.push_back(op);
        }
    }
    return ops;
}

constexpr std::string_view tag_names[] = {"login", "search", "checkout"};
constexpr std::string_view categories[] = {"http", "db", "timeout_budget"};
constexpr std::string_view messages[] = {"503 service unavailable", "connection reset", "",
                                         "deadlock detected"};

void file(loadkit::recorder& rec, const std::vector<loadkit::tag_id>& tags, const synthetic_op& op) {
    loadkit::outcome what;
    what.kind = op.kind;
    if (op.kind == loadkit::outcome_kind::error) {
        what = loadkit::outcome::error(categories[op.category], messages[op.message]);
    }
    if (rec.config().model == loadkit::latency_model::open) {
        rec.local().record(tags[op.tag], what, op.response, op.service);
    } else {
        rec.local().record(tags[op.tag], what, op.service);
    }
}

// Feeds ops second by second, ticking every recorder at each second's end; finishes half a second
// after the last tick, so the series ends with a partial interval.
std::vector<loadkit::run_result> run_workload(std::vector<loadkit::recorder*> recorders,
                                              const std::vector<synthetic_op>& ops, bool single) {
    std::vector<std::vector<loadkit::tag_id>> tags;
    for (auto* rec : recorders) {
        tags.emplace_back();
        for (auto name : tag_names) {
            tags.back().push_back(rec->tag(name));
        }
    }
    std::chrono::nanoseconds next_tick = 1s;
    for (const auto& op : ops) {
        while (op.when >= next_tick) {
            for (auto* rec : recorders) {
                rec->tick(at(next_tick));
            }
            next_tick += 1s;
        }
        const std::size_t r = single ? 0 : op.runner;
        file(*recorders[r], tags[r], op);
    }
    std::vector<loadkit::run_result> results;
    for (auto* rec : recorders) {
        results.push_back(rec->finish(at(next_tick + 500ms), loadkit::stop_reason::deadline, "deadline"));
    }
    return results;
}

} // namespace

TEST_CASE(
    "recorder files outcomes per tag: counts, errors by category with messages, one latency when closed",
    "[recorder]") {
    loadkit::recorder rec{t0};
    const auto login = rec.tag("login");
    const auto search = rec.tag("search");
    CHECK(rec.tag("login") == login); // interned once
    CHECK(rec.tag_name(search) == "search");
    auto& w = rec.local();
    CHECK(&rec.local() == &w);
    w.record(login, loadkit::outcome::ok(), at(0ms), at(5ms));
    w.record(login, loadkit::outcome::ok(), 7ms);
    w.record(login, loadkit::outcome::error("http", "503 service unavailable"), 2ms);
    w.record(login, loadkit::outcome::error("http", "503 service unavailable"), 3ms);
    w.record(login, loadkit::outcome::error("", "no category"), 1ms);
    w.record(search, loadkit::outcome::timeout(), 500ms);
    w.record(search, loadkit::outcome::dropped(), 0ms);
    w.record_dropped(search, 2);

    const loadkit::run_result r = rec.finish(at(2s));
    CHECK(r.model == loadkit::latency_model::closed);
    CHECK(r.reason == loadkit::stop_reason::completed);
    CHECK(r.duration == 2s);
    REQUIRE(r.tags.size() == 2);
    const auto* l = r.find("login");
    REQUIRE(l != nullptr);
    CHECK(l->ok == 2);
    CHECK(l->errors == 3);
    CHECK(l->count() == 5);
    CHECK(l->latency.count() == 5);
    CHECK(l->latency.min() == 1ms);
    CHECK(l->latency.max() == 7ms);
    CHECK(!l->service_time);
    REQUIRE(l->find_error("http") != nullptr);
    CHECK(l->find_error("http")->count == 2);
    REQUIRE(l->find_error("http")->messages.size() == 1);
    CHECK(l->find_error("http")->messages[0].text == "503 service unavailable");
    CHECK(l->find_error("http")->messages[0].count == 2);
    CHECK(l->find_error("error") != nullptr); // an empty category files as "error"
    const auto* s = r.find("search");
    CHECK(s->timeouts == 1);
    CHECK(s->dropped == 3);
    CHECK(s->count() == 1);
    CHECK(s->latency.count() == 1); // dropped operations have no latency
    CHECK(r.overall.count() == 6);
    CHECK(r.overall.dropped == 3);
    CHECK(r.overall.error_rate() == Approx(4.0 / 6.0));
    CHECK(r.overall.throughput() == Approx(3.0));
    CHECK(r.overall.intervals.total().count() == 6);
    CHECK_THROWS_AS(w.record(loadkit::tag_id{7}, loadkit::outcome::ok(), 1ms), std::invalid_argument);
}

TEST_CASE("an open-model recorder keeps response time (intended start) and service time (actual start) apart",
          "[recorder]") {
    loadkit::recorder rec{t0, {.model = loadkit::latency_model::open}};
    const auto op = rec.tag("op");
    // Scheduled at 0, started 40 ms late (the previous operation stalled), took 10 ms.
    rec.local().record(op, loadkit::outcome::ok(), at(0ms), at(40ms), at(50ms));
    rec.local().record(op, loadkit::outcome::ok(), 3ms); // one duration: response == service
    const auto r = rec.finish(at(1s));
    CHECK(r.model == loadkit::latency_model::open);
    const auto* t = r.find("op");
    REQUIRE(t->service_time);
    CHECK(t->latency.max() == 50ms);
    CHECK(t->service_time->max() == 10ms);
    CHECK(t->latency.min() == 3ms);
    CHECK(t->service_time->min() == 3ms);
}

TEST_CASE(
    "error samples are bounded: 64 categories plus other, 8 messages per category, messages cut at 200 bytes",
    "[recorder]") {
    loadkit::recorder rec{t0};
    const auto op = rec.tag("op");
    for (int i = 0; i < 20; ++i) {
        const std::string message = "request " + std::to_string(i) + " failed";
        rec.local().record(op, loadkit::outcome::error("http", message), 1ms);
        rec.local().record(op, loadkit::outcome::error("http", message), 1ms);
    }
    const std::string long_message =
        std::string(199, 'a') + "\xC3\xA9" + std::string(100, 'b'); // é at 199..200
    rec.local().record(op, loadkit::outcome::error("long", long_message), 1ms);
    for (int i = 0; i < 100; ++i) { // the first 62 get their own category, the rest share "other"
        const std::string category = "category " + std::to_string(i);
        rec.local().record(op, loadkit::outcome::error(category, "m"), 1ms);
    }

    const auto r = rec.finish(at(1s));
    const auto* t = r.find("op");
    CHECK(t->errors == 141);
    CHECK(t->error_categories.size() == loadkit::max_error_categories + 1);
    std::uint64_t total = 0;
    for (const auto& c : t->error_categories) {
        total += c.count;
        CHECK(c.messages.size() <= loadkit::max_error_messages);
    }
    CHECK(total == 141);
    const auto* http = t->find_error("http");
    REQUIRE(http != nullptr);
    CHECK(http->count == 40);
    CHECK(http->messages.size() == 8);
    CHECK(http->other_messages == 24);
    const auto* cut = t->find_error("long");
    REQUIRE(cut != nullptr);
    CHECK(cut->messages[0].text == std::string(199, 'a')); // not splitting the two bytes of é
    REQUIRE(t->find_error(loadkit::other_error_category) != nullptr);
    CHECK(t->find_error(loadkit::other_error_category)->count == 38);
    CHECK(t->find_error("category 61") != nullptr);
    CHECK(t->find_error("category 62") == nullptr);
}

TEST_CASE("tick() closes grid intervals; the series sums to the totals and ends with the partial interval",
          "[recorder][intervals]") {
    loadkit::recorder rec{t0, {.interval = 1s}};
    const auto op = rec.tag("op");
    auto record = [&](int n, std::chrono::nanoseconds latency) {
        for (int i = 0; i < n; ++i) {
            rec.local().record(op, loadkit::outcome::ok(), latency);
        }
    };
    record(3, 10ms);
    rec.tick(at(1s)); // interval 0: 3
    record(2, 20ms);
    rec.tick(at(1500ms)); // closes nothing
    record(1, 20ms);
    rec.tick(at(2s)); // interval 1: 3
    rec.tick(at(5s)); // intervals 2..4: empty
    record(4, 30ms);
    const auto live = rec.snapshot(at(5500ms));
    CHECK(live.reason == loadkit::stop_reason::running);
    const auto r = rec.finish(at(5500ms));
    CHECK(r == [&] {
        auto copy = live;
        copy.reason = loadkit::stop_reason::completed;
        return copy;
    }());
    const auto& series = r.find("op")->intervals;
    REQUIRE(series.intervals.size() == 6);
    CHECK(series.width == 1s);
    CHECK(series.intervals[0].ok == 3);
    CHECK(series.intervals[1].ok == 3);
    CHECK(series.intervals[2].empty());
    CHECK(series.intervals[4].empty());
    CHECK(series.intervals[5].ok == 4); // the partial interval [5 s, 5.5 s)
    CHECK(series.intervals[0].latency.value_at_percentile(50).count() == Approx(10e6).epsilon(1.0 / 256));
    CHECK(series.intervals[5].latency.value_at_percentile(50).count() == Approx(30e6).epsilon(1.0 / 256));
    CHECK(series.total().count() == r.find("op")->count());
    CHECK(r.overall.intervals == series);
}

TEST_CASE("a long soak keeps the series and the recorder's memory bounded (fixed interval cap)",
          "[recorder][intervals]") {
    loadkit::recorder rec{t0, {.interval = 1s, .max_intervals = 64, .histograms = {.significant_digits = 2}}};
    const auto op = rec.tag("op");
    std::size_t memory_midway = 0;
    for (int s = 1; s <= 4000; ++s) {
        rec.local().record(op, loadkit::outcome::ok(), std::chrono::microseconds{100 + s % 500});
        rec.tick(at(std::chrono::seconds{s}));
        if (s == 2000) {
            memory_midway = rec.memory_bytes();
        }
    }
    const auto r = rec.finish(at(4000s));
    const auto& series = r.find("op")->intervals;
    CHECK(series.intervals.size() <= 64);
    CHECK(series.width == 64s); // 4,000 s in at most 64 intervals
    CHECK(series.total().ok == 4000);
    CHECK(rec.memory_bytes() <= memory_midway + memory_midway / 4);
}

TEST_CASE("a finished run's series has no empty partial interval after its last grid point; a live "
          "snapshot keeps the interval in progress",
          "[recorder]") {
    loadkit::recorder rec{t0, {.interval = 1s}};
    const auto op = rec.tag("op");
    for (int s = 0; s < 3; ++s) {
        for (int i = 0; i < 10; ++i) {
            rec.local().record(op, loadkit::outcome::ok(), 1ms);
        }
        rec.tick(at(std::chrono::seconds{s + 1}));
    }
    const auto live = rec.snapshot(at(3s + 7ms)); // a progress view 7 ms into an empty interval
    CHECK(live.find("op")->intervals.intervals.size() == 4);
    const auto r = rec.finish(at(3s + 7ms)); // the run's end, 7 ms after the last grid point
    for (const loadkit::interval_series* series : {&r.find("op")->intervals, &r.overall.intervals}) {
        REQUIRE(series->intervals.size() == 3);
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(series->rate_of(i, r.duration) == Approx(10.0));
        }
    }

    loadkit::recorder busy{t0, {.interval = 1s}}; // a partial interval with operations stays
    const auto b = busy.tag("b");
    busy.local().record(b, loadkit::outcome::ok(), 1ms);
    busy.tick(at(1s));
    busy.local().record(b, loadkit::outcome::ok(), 1ms);
    const auto br = busy.finish(at(1s + 500ms));
    REQUIRE(br.overall.intervals.intervals.size() == 2);
    CHECK(br.overall.intervals.rate_of(1, br.duration) == Approx(2.0));
}

TEST_CASE("steady-state min and max after a warm-up stay within max_relative_error of the exact ones",
          "[recorder][warmup]") {
    loadkit::recorder rec{t0, {.interval = 1s, .warmup = 1s}};
    const auto op = rec.tag("op");
    rec.local().record(op, loadkit::outcome::ok(), 3'000'000ns); // cold: the run's max
    rec.tick(at(1s));                                            // the warm-up ends here
    // Each at the far end of its counter from the edge an edge-based extreme would report.
    rec.local().record(op, loadkit::outcome::ok(), 1'049'599ns); // counter [1,048,576, 1,049,599]
    rec.local().record(op, loadkit::outcome::ok(), 1'050'625ns); // counter [1,050,624, 1,051,647]
    const auto r = rec.finish(at(2s));
    const auto* t = r.find("op");
    REQUIRE(t != nullptr);
    REQUIRE(t->latency.count() == 2);
    const double bound = t->latency.max_relative_error();
    CHECK(std::abs(static_cast<double>(t->latency.min().count()) - 1'049'599.0) <= 1'049'599.0 * bound);
    CHECK(std::abs(static_cast<double>(t->latency.max().count()) - 1'050'625.0) <= 1'050'625.0 * bound);
}

TEST_CASE("operations before the warm-up ends are reported apart from the steady state",
          "[recorder][warmup]") {
    loadkit::recorder rec{t0, {.interval = 1s, .warmup = 2s}};
    const auto op = rec.tag("op");
    for (int i = 0; i < 10; ++i) {
        rec.local().record(op, loadkit::outcome::ok(), 100ms); // cold
    }
    rec.tick(at(1s));
    const auto warming = rec.snapshot(at(1s));
    CHECK(warming.overall.count() == 0);
    REQUIRE(warming.overall.warmup);
    CHECK(warming.overall.warmup->count() == 10);
    CHECK(warming.warmup == 1s);
    rec.tick(at(2s)); // the warm-up ends here
    for (int i = 0; i < 20; ++i) {
        rec.local().record(op, loadkit::outcome::error("http", "503"), 1ms); // warm
    }
    rec.tick(at(3s));
    const auto r = rec.finish(at(4s));
    CHECK(r.warmup == 2s);
    const auto* t = r.find("op");
    REQUIRE(t->warmup);
    CHECK(t->warmup->ok == 10);
    CHECK(t->warmup->duration == 2s);
    CHECK(t->warmup->latency.min() == 100ms);
    CHECK(t->errors == 20);
    CHECK(t->ok == 0);
    CHECK(t->find_error("http")->count == 20);
    CHECK(t->warmup->error_categories.empty());
    CHECK(t->duration == 2s);
    CHECK(t->throughput() == Approx(10.0));
    CHECK(t->latency.count() == 20);
    CHECK(t->latency.value_at_percentile(99).count() == Approx(1e6).epsilon(1.0 / 2048));
    CHECK(t->intervals.total().count() == 30); // the series holds warm-up and steady state
    CHECK(r.overall.warmup->count() == 10);

    loadkit::recorder manual{t0};
    const auto m = manual.tag("m");
    manual.local().record(m, loadkit::outcome::ok(), 5ms);
    manual.end_warmup(at(500ms));
    manual.local().record(m, loadkit::outcome::ok(), 1ms);
    manual.local().record(m, loadkit::outcome::ok(), 1ms);
    manual.end_warmup(at(700ms)); // already ended: no effect
    const auto mr = manual.finish(at(1s));
    CHECK(mr.warmup == 500ms);
    CHECK(mr.overall.warmup->count() == 1);
    CHECK(mr.overall.count() == 2);
}

TEST_CASE("results of N runners merged with += equal one recorder fed the same data", "[recorder][merge]") {
    const auto ops = workload(4, 6, 7); // fixed seed 7
    for (const auto model : {loadkit::latency_model::closed, loadkit::latency_model::open}) {
        for (const auto warmup : {0ns, std::chrono::nanoseconds{2s}}) {
            CAPTURE(loadkit::to_string(model), warmup.count());
            const loadkit::recorder_options opts{.model = model, .interval = 1s, .warmup = warmup};
            loadkit::recorder single{t0, opts};
            std::vector<std::unique_ptr<loadkit::recorder>> shards;
            std::vector<loadkit::recorder*> shard_ptrs;
            for (int i = 0; i < 4; ++i) {
                shards.push_back(std::make_unique<loadkit::recorder>(t0, opts));
                shard_ptrs.push_back(shards.back().get());
            }
            const auto one = run_workload({&single}, ops, true).front();
            loadkit::run_result merged;
            for (const auto& part : run_workload(shard_ptrs, ops, false)) {
                merged += part;
            }
            CHECK(merged.overall.count() == one.overall.count());
            CHECK(merged.overall.latency == one.overall.latency);
            CHECK(merged.overall.intervals == one.overall.intervals);
            CHECK(merged.overall.error_categories == one.overall.error_categories);
            CHECK(merged == one);
            CHECK(one.overall.count() + one.overall.dropped +
                      (one.overall.warmup ? one.overall.warmup->count() + one.overall.warmup->dropped : 0) ==
                  ops.size());
            CHECK(one.overall.intervals.total().count() + one.overall.intervals.total().dropped ==
                  ops.size());
        }
    }
}

TEST_CASE("threads record without locks while another thread takes snapshots (TSan)", "[recorder][threads]") {
    loadkit::recorder rec{t0, {.interval = 1ms, .histograms = {.significant_digits = 2}}};
    const auto a = rec.tag("a");
    const auto b = rec.tag("b");
    constexpr int threads = 3;
    constexpr int snapshots = 30;
    std::atomic<bool> stop{false};
    std::atomic<int> started{0};
    std::vector<std::uint64_t> recorded(threads, 0);
    std::vector<std::uint64_t> failed(threads, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            started.fetch_add(1);
            std::uint64_t i = 0;
            // Record until the snapshots are done, and at least 5,000 operations.
            for (; i < 5'000 || !stop.load(std::memory_order_relaxed); ++i) {
                auto& w = rec.local();
                const auto latency =
                    std::chrono::microseconds{50 + (i * 7 + static_cast<std::uint64_t>(t)) % 900};
                if (i % 50 == 0) {
                    w.record(b, loadkit::outcome::error("http", i % 100 == 0 ? "503" : "reset"), latency);
                    ++failed[static_cast<std::size_t>(t)];
                } else {
                    w.record(i % 2 == 0 ? a : b, loadkit::outcome::ok(), latency);
                }
            }
            recorded[static_cast<std::size_t>(t)] = i;
        });
    }
    while (started.load() < threads) {
        std::this_thread::yield();
    }
    std::uint64_t last = 0;
    std::chrono::milliseconds now{0};
    for (int s = 0; s < snapshots; ++s) { // while every worker records
        now += 1ms;
        rec.tick(at(now));
        const auto live = rec.snapshot(at(now));
        CHECK(live.overall.count() >= last); // counts never go backwards
        CHECK(live.overall.intervals.total().count() == live.overall.count());
        last = live.overall.count();
    }
    stop.store(true);
    for (auto& w : workers) {
        w.join();
    }
    std::uint64_t total = 0;
    std::uint64_t errors = 0;
    for (int t = 0; t < threads; ++t) {
        total += recorded[static_cast<std::size_t>(t)];
        errors += failed[static_cast<std::size_t>(t)];
    }
    const auto r = rec.finish(at(now + 1ms));
    CHECK(r.overall.count() == total);
    CHECK(r.overall.latency.count() == total);
    CHECK(r.overall.errors == errors);
    CHECK(r.find("b")->find_error("http")->messages.size() == 2);
    CHECK(r.overall.intervals.total().count() == total);
    CHECK(rec.writer_count() <= threads + 1);
}

TEST_CASE("a thread's writer passes to the next thread when it exits: recorded values stay",
          "[recorder][threads]") {
    loadkit::recorder rec{t0};
    const auto op = rec.tag("op");
    for (int i = 0; i < 5; ++i) {
        std::thread([&] { rec.local().record(op, loadkit::outcome::ok(), 1ms); }).join();
    }
    CHECK(rec.writer_count() == 1);
    CHECK(rec.finish(at(1s)).overall.ok == 5);
}

TEST_CASE("recording allocates nothing once each tag, category and message has been seen",
          "[recorder][alloc]") {
#ifdef LOADKIT_TEST_NO_COUNTING_ALLOCATOR
    WARN("not counted here: clang's sanitizer runtimes do not let a program replace operator new");
#endif
    loadkit::recorder rec{t0, {.model = loadkit::latency_model::open}};
    const loadkit::tag_id tags[] = {rec.tag("a"), rec.tag("b")};
    char numbered[16][32];
    for (int i = 0; i < 16; ++i) {
        std::snprintf(numbered[i], sizeof numbered[i], "request %d failed", i);
    }
    const std::string long_message(500, 'x');
    auto run = [&](int n) {
        for (int i = 0; i < n; ++i) {
            auto& w = rec.local();
            const loadkit::tag_id tag = tags[i % 2];
            const auto start = at(std::chrono::microseconds{i});
            switch (i % 8) {
            case 0:
                w.record(tag, loadkit::outcome::error("http", numbered[(i / 8) % 16]), start, start + 2ms,
                         start + 3ms);
                break;
            case 1:
                w.record(tag, loadkit::outcome::timeout(), start, start + 1s);
                break;
            case 2:
                w.record(tag, loadkit::outcome::dropped(), 0ns);
                break;
            case 3:
                w.record(tag, loadkit::outcome::error("db", long_message), 4ms);
                break;
            case 4:
                w.record(tag, loadkit::outcome::error("db"), 4ms, 3ms);
                break;
            default:
                w.record(tag, loadkit::outcome::ok(), start, start + 1ms, start + 2ms);
                break;
            }
        }
    };
    run(64); // warm-up: every tag, category and the first 8 messages of "http" (the other 8 are counted only)
    const std::uint64_t before = thread_allocations;
    run(100'000);
    const std::uint64_t during = thread_allocations - before;
    CHECK(during == 0);
    const auto r = rec.finish(at(1s));
    CHECK(r.overall.count() + r.overall.dropped == 100'064);
    CHECK(r.find("a")->find_error("http")->other_messages > 0);
}

TEST_CASE("recorder options are validated, naming the field", "[recorder]") {
    auto message = [](const loadkit::recorder_options& o) {
        try {
            loadkit::recorder rec{t0, o};
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message({.interval = 0ns}).find("interval = 0ns") != std::string::npos);
    CHECK(message({.max_intervals = 1}).find("max_intervals = 1") != std::string::npos);
    CHECK(message({.warmup = -1s}).find("warmup") != std::string::npos);
    CHECK(message({.histograms = {.significant_digits = 9}}).find("significant_digits") != std::string::npos);
    CHECK(message({}).empty());
}

TEST_CASE("recorder: step tags are reported on their own and left out of overall", "[recorder]") {
    const loadkit::recorder::time_point start{};
    loadkit::recorder rec{start};
    const auto checkout = rec.tag("checkout");
    const auto login = rec.tag("login", loadkit::tag_kind::step);
    CHECK(rec.tag("login") == login); // the first call fixed its kind
    auto& w = rec.local();
    for (int i = 0; i < 10; ++i) {
        w.record(login, loadkit::outcome::ok(), std::chrono::milliseconds{1});
        w.record(checkout, loadkit::outcome::ok(), std::chrono::milliseconds{3});
    }
    const auto r = rec.finish(start + std::chrono::seconds{1});
    REQUIRE(r.find("login") != nullptr);
    CHECK(r.find("login")->count() == 10);
    CHECK(r.overall.count() == 10);
    CHECK(r.overall.latency.min() >= std::chrono::milliseconds{2});
}
