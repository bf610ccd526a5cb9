// Every operation is accounted for: ok + errors + timeouts + dropped = scheduled, overall and per
// tag, also when operations hang, ignore cancellation or run past the hang limit, and when
// durations are at the edge of their range.
#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/engine.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

loadkit::run_options quiet() {
    loadkit::run_options o;
    o.sample_resources = false;
    o.report_stuck_to_stderr = false;
    return o;
}

loadkit::task<void> nap(std::chrono::milliseconds pause) { co_await loadkit::sleep_for(pause); }

// An awaitable that never resumes and ignores cancellation (it registers no stop callback): the
// worst an operation can do. Its frames stay reachable here, as the run leaves them suspended.
std::mutex never_mutex;
std::vector<std::coroutine_handle<>> never_resumed;
struct never_resumes {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const {
        const std::lock_guard<std::mutex> lock(never_mutex);
        never_resumed.push_back(h);
    }
    void await_resume() const noexcept {}
};

// A blocking call that returns only when the test lets it (after its assertions), so that no
// thread stays blocked past the test.
class gate {
public:
    void wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        open_cv_.wait(lock, [&] { return open_; });
    }
    void open() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            open_ = true;
        }
        open_cv_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable open_cv_;
    bool open_ = false;
};

} // namespace

TEST_CASE("accounting: operations that ignore cancellation are counted as timeouts and listed as abandoned",
          "[engine][accounting]") {
    loadkit::run_options o = quiet();
    o.hang_limit = 300ms;
    o.graceful_stop = 200ms;
    o.cancel_grace = 300ms;
    loadkit::scenario s{
        .name = "deaf",
        .profile = loadkit::constant_rate{.rate = 100, .duration = 100ms},
        .operations = {{"deaf",
                        [](loadkit::op_context&) -> loadkit::task<void> { co_await never_resumes{}; }}},
        .timeout = 50ms};
    const auto started = loadkit::clock::now();
    const auto r = loadkit::run(o, s);
    CHECK(loadkit::clock::now() - started < 20s); // it ends (about timeout + cancel_grace)
    const auto& all = r.result.overall;
    CHECK(accounted(all) == 10);
    CHECK(all.scheduled == 10);
    CHECK(all.timeouts == 10);
    CHECK(all.latency.count() == 10);
    CHECK(tags_add_up(r.result));
    REQUIRE(r.stuck.size() == 10);
    for (const auto& op : r.stuck) {
        CHECK(op.abandoned);
        CHECK_FALSE(op.finished);
    }
    CHECK_FALSE(r.passed());
    CHECK(r.exit_code() == 98);
}

TEST_CASE("accounting: a blocking call that never returns under a burst is given up on, and the run ends",
          "[engine][accounting]") {
    // Shared with the call: an abandoned call still waits in its thread after the test returns.
    const auto release = std::make_shared<gate>();
    loadkit::run_options o = quiet();
    o.hang_limit = 300ms;
    o.cancel_grace = 300ms;
    loadkit::scenario s{.name = "burst",
                        .profile = loadkit::burst{.n = 2},
                        .operations = {loadkit::operation("call",
                                                          [release](loadkit::op_context& ctx) {
                                                              if (ctx.vu() == 1) {
                                                                  release->wait();
                                                              }
                                                          })},
                        .timeout = 50ms};
    const auto r = loadkit::run(o, s);
    const auto& all = r.result.overall;
    CHECK(accounted(all) == 2);
    CHECK(all.scheduled == 2);
    CHECK(tags_add_up(r.result));
    CHECK(all.ok == 1);
    CHECK(all.timeouts == 1);
    REQUIRE(r.stuck.size() == 1);
    CHECK(r.stuck[0].abandoned);
    CHECK(r.stuck[0].virtual_user == 1);
    CHECK(r.result.duration < 20s);
    release->open();
}

TEST_CASE("accounting: waves whose operation never returns end too, the later waves not run",
          "[engine][accounting]") {
    // Shared with the call: an abandoned call still waits in its thread after the test returns.
    const auto release = std::make_shared<gate>();
    loadkit::run_options o = quiet();
    o.hang_limit = 200ms;
    o.cancel_grace = 200ms;
    loadkit::scenario s{.name = "waves",
                        .profile = loadkit::waves{.count = 3, .size = 2},
                        .operations = {loadkit::operation("call", [release](loadkit::op_context& ctx) {
                            if (ctx.vu() == 0) {
                                release->wait();
                            }
                        })}};
    const auto r = loadkit::run(o, s);
    const auto& all = r.result.overall;
    CHECK(accounted(all) == 2); // the first wave; the others never started
    CHECK(all.scheduled == 2);
    CHECK(tags_add_up(r.result));
    CHECK(all.ok == 1);
    CHECK(all.timeouts == 1);
    REQUIRE(r.stuck.size() == 1);
    CHECK(r.stuck[0].abandoned);
    release->open();
}

TEST_CASE(
    "accounting: slow operations past the hang limit that finish are not hangs, and their list is bounded",
    "[engine][accounting]") {
    loadkit::run_options o = quiet();
    o.hang_limit = 50ms;
    o.threads = 2;
    const auto r = loadkit::run(
        loadkit::burst{.n = 80},
        {"slow", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(300ms); }}, o);
    CHECK(r.result.overall.ok == 80);
    CHECK(r.result.overall.scheduled == 80);
    CHECK(tags_add_up(r.result));
    CHECK(r.passed());
    CHECK(r.exit_code() == 0);
    CHECK(r.past_hang_limit > 0);
    CHECK(r.past_hang_limit <= 80);
    CHECK(r.stuck.size() <= 64);
    CHECK(r.stuck.size() == std::min<std::uint64_t>(r.past_hang_limit, 64));
    for (const auto& op : r.stuck) {
        CHECK(op.finished);
        CHECK_FALSE(op.abandoned);
        CHECK(op.elapsed >= 300ms);
    }
}

TEST_CASE("accounting: an abandoned operation is told apart from an earlier slow iteration of the same user",
          "[engine][accounting]") {
    // Shared with the call: an abandoned call still waits in its thread after the test returns.
    const auto release = std::make_shared<gate>();
    loadkit::run_options o = quiet();
    o.hang_limit = 100ms;
    o.cancel_grace = 100ms;
    loadkit::scenario s{.name = "one",
                        .profile = loadkit::per_vu_iterations{.vus = 1, .iterations = 2},
                        .operations = {loadkit::operation("call", [release](loadkit::op_context& ctx) {
                            if (ctx.iteration() == 0) {
                                std::this_thread::sleep_for(150ms); // slow (past 100 ms), finishes
                            } else {
                                release->wait(); // hangs
                            }
                        })}};
    const auto r = loadkit::run(o, s);
    REQUIRE(r.stuck.size() == 2);
    CHECK(r.stuck[0].iteration == 0);
    CHECK(r.stuck[0].finished);
    CHECK_FALSE(r.stuck[0].abandoned);
    CHECK(r.stuck[1].iteration == 1);
    CHECK(r.stuck[1].abandoned);
    CHECK_FALSE(r.stuck[1].finished);
    CHECK(accounted(r.result.overall) == 2);
    CHECK(tags_add_up(r.result));
    CHECK(r.result.overall.ok == 1);
    CHECK(r.result.overall.timeouts == 1);
    release->open();
}

TEST_CASE("accounting: scheduled, counted as the engine issues operations, equals the outcomes in each tag "
          "(open and closed model, queued and dropped arrivals, warm-up, steps)",
          "[engine][accounting]") {
    const auto body = [](loadkit::op_context& ctx) -> loadkit::task<void> {
        co_await ctx.step("inner", nap(2ms));
        if (ctx.iteration() % 7 == 0) {
            throw std::runtime_error("every seventh fails");
        }
    };
    const std::vector<loadkit::operation> mix{{"a", 2.0, body}, {"b", 1.0, body}};
    loadkit::run_options o = quiet();
    o.warmup = 100ms;
    o.threads = 2;
    SECTION("open model: 2,000/s with 4 in flight and 8 queued, most arrivals dropped") {
        loadkit::scenario s{
            .name = "open",
            .profile =
                loadkit::constant_rate{.rate = 2000, .duration = 300ms, .max_in_flight = 4, .max_queued = 8},
            .operations = mix};
        const auto r = loadkit::run(o, s);
        const auto& all = r.result.overall;
        CHECK(scheduled_in_run(all) == 600);
        CHECK(all.dropped > 0);
        CHECK(all.errors > 0);
        CHECK(issued_all_ended(r.result));
        REQUIRE(r.result.find("a") != nullptr);
        REQUIRE(r.result.find("b") != nullptr);
        CHECK(scheduled_in_run(*r.result.find("a")) + scheduled_in_run(*r.result.find("b")) == 600);
        REQUIRE(r.result.find("inner") != nullptr); // a step: its own tag, not in overall
        CHECK(scheduled_in_run(*r.result.find("inner")) > 0);
    }
    SECTION("closed model: 4 users for 300 ms") {
        loadkit::scenario s{.name = "closed",
                            .profile = loadkit::constant_vus{.vus = 4, .duration = 300ms},
                            .operations = mix};
        const auto r = loadkit::run(o, s);
        CHECK(scheduled_in_run(r.result.overall) > 0);
        CHECK(issued_all_ended(r.result));
    }
}

TEST_CASE("accounting: durations at nanoseconds::max() mean never, not an overflow into the past",
          "[engine][accounting]") {
    constexpr auto never = std::chrono::nanoseconds::max();
    const loadkit::operation quick{
        "quick", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(20ms); }};

    SECTION("a scenario timeout of max() does not time out at once") {
        loadkit::scenario s{
            .name = "s", .profile = loadkit::burst{.n = 3}, .operations = {quick}, .timeout = never};
        const auto r = loadkit::run(quiet(), s);
        CHECK(r.result.overall.ok == 3);
        CHECK(r.result.overall.timeouts == 0);
    }
    SECTION("graceful_stop and cancel_grace of max() let operations in flight finish") {
        loadkit::run_options o = quiet();
        o.graceful_stop = never;
        o.cancel_grace = never;
        const auto r = loadkit::run(loadkit::constant_vus{.vus = 2, .duration = 50ms}, quick, o);
        CHECK(r.result.overall.timeouts == 0);
        CHECK(r.result.overall.ok >= 2);
    }
    SECTION("a start_offset of max() never starts; max_duration ends the run") {
        loadkit::run_options o = quiet();
        o.max_duration = 200ms;
        loadkit::scenario s{
            .name = "later", .profile = loadkit::burst{.n = 3}, .operations = {quick}, .start_offset = never};
        const auto r = loadkit::run(o, s);
        CHECK(r.result.overall.count() == 0);
        CHECK(r.result.reason == loadkit::stop_reason::deadline);
    }
    SECTION("max_duration, slo_check_interval and progress_interval of max() never fire") {
        loadkit::run_options o = quiet();
        o.max_duration = never;
        o.slo_check_interval = never;
        o.progress_interval = never;
        int progress_calls = 0;
        o.on_progress = [&](const loadkit::run_progress&) { ++progress_calls; };
        const auto r = loadkit::run(loadkit::burst{.n = 3}, quick, o);
        CHECK(r.result.overall.ok == 3);
        CHECK(r.result.reason == loadkit::stop_reason::completed);
        CHECK(progress_calls <= 1);
    }
    SECTION("a pause of max() between waves is cut by the deadline's graceful stop") {
        loadkit::run_options o = quiet();
        o.max_duration = 200ms;
        o.graceful_stop = 100ms;
        const auto r = loadkit::run(loadkit::waves{.count = 2, .size = 2, .pause = never}, quick, o);
        CHECK(r.result.overall.ok == 2);
        CHECK(r.result.reason == loadkit::stop_reason::deadline);
    }
    SECTION("a think time of max() ends the user after one iteration") {
        loadkit::scenario s{.name = "s",
                            .profile = loadkit::per_vu_iterations{.vus = 1, .iterations = 3},
                            .operations = {quick},
                            .think = loadkit::constant_wait(never)};
        loadkit::run_options o = quiet();
        o.max_duration = 300ms;
        o.graceful_stop = 100ms;
        const auto r = loadkit::run(o, s);
        CHECK(r.result.overall.ok == 1);
    }
}

TEST_CASE("figures: throughput is over the schedule, not up to the last completion", "[engine][figures]") {
    const auto r = loadkit::run(
        loadkit::constant_rate{.rate = 20, .duration = 1s},
        {"tick", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(1ms); }},
        quiet());
    CHECK(r.result.overall.count() == 20);
    CHECK(r.result.overall.duration == 1s);
    CHECK(r.result.overall.throughput() == Approx(20.0).epsilon(1e-12));
    REQUIRE(r.result.tags.size() == 1);
    CHECK(r.result.tags[0].throughput() == Approx(20.0).epsilon(1e-12));
}

TEST_CASE("figures: a run shorter than the sampling interval still has a first and a last sample",
          "[engine][figures]") {
    static std::vector<char> kept;
    loadkit::run_options o = quiet();
    o.sample_resources = true;
    o.resource_interval = 10s;
    o.slo = loadkit::slo_policy{"memory_growth < 32MiB"};
    const auto r = loadkit::run(loadkit::burst{.n = 1},
                                {"keep",
                                 [](loadkit::op_context&) {
                                     kept.assign(std::size_t{64} << 20U, 'x'); // kept after the run
                                 }},
                                o);
    REQUIRE(r.resources.size() >= 2);
    REQUIRE(r.slo.has_value());
    CHECK_FALSE(r.slo->passed()); // the 64 MiB it kept show
    CHECK(r.exit_code() == 99);
    kept = {};
    kept.shrink_to_fit();
}

TEST_CASE("figures: memory_growth without two samples is no data, never a PASS", "[engine][figures]") {
    const loadkit::slo_policy policy{"memory_growth < 1GB"};
    const loadkit::slo_report verdict = policy.evaluate(loadkit::run_result{}, loadkit::slo_context{});
    CHECK_FALSE(verdict.passed());
    REQUIRE(verdict.verdicts.size() == 1);
    CHECK(verdict.verdicts[0].statistical == loadkit::verdict::inconclusive);
}

TEST_CASE("exit codes: a run stopped from outside exits 105 (k6's external abort), not 0",
          "[engine][figures]") {
    std::stop_source source;
    loadkit::run_options o = quiet();
    o.stop = source.get_token();
    source.request_stop();
    const auto r = loadkit::run(
        loadkit::constant_vus{.vus = 1, .duration = 10s},
        {"tick", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(1ms); }}, o);
    CHECK(r.result.reason == loadkit::stop_reason::interrupted);
    CHECK_FALSE(r.passed());
    CHECK(r.exit_code() == 105);
}

TEST_CASE("exit codes: a leak check that cannot decide exits 97; one without samples is refused",
          "[engine][figures]") {
    loadkit::run_options o = quiet();
    o.sample_resources = true;
    o.leak_check = loadkit::leak_options{};
    const auto r = loadkit::run(loadkit::burst{.n = 1}, {"one", [](loadkit::op_context&) {}}, o);
    REQUIRE(r.leak.has_value());
    CHECK(r.leak->verdict == loadkit::leak_verdict::inconclusive);
    CHECK_FALSE(r.passed());
    CHECK(r.exit_code() == 97);

    o.sample_resources = false;
    try {
        (void)loadkit::run(loadkit::burst{.n = 1}, {"one", [](loadkit::op_context&) {}}, o);
        FAIL("no exception");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("leak_check") != std::string::npos);
        CHECK(std::string(e.what()).find("sample_resources") != std::string::npos);
    }
}

TEST_CASE("figures: a leak check over a short planned run samples often enough to decide",
          "[engine][figures]") {
    loadkit::run_options o = quiet();
    o.sample_resources = true;
    o.leak_check = loadkit::leak_options{};
    const auto r = loadkit::run(
        loadkit::constant_vus{.vus = 1, .duration = 2s},
        {"tick", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(1ms); }}, o);
    CHECK(r.resources.size() >= 64); // about 256 planned over 2 s; a busy machine skips some
}

// The recorder's series grow through every run (20 tags x 5 ms intervals: ~8 MB in 2 s here).
// Without subtracting what loadkit holds, this clean run read as "leak: +403 KiB/s".
TEST_CASE("figures: loadkit's own series are not the user's leak; a real leak beside them still is",
          "[engine][figures][leak]") {
    static std::vector<std::unique_ptr<char[]>> kept; // reachable: a leak the test can free
    const auto run_with = [](bool leak) {
        loadkit::run_options o = quiet();
        o.interval = 5ms;
        o.sample_resources = true;
        o.leak_check = loadkit::leak_options{};
        std::vector<loadkit::operation> ops;
        for (int i = 0; i < 20; ++i) {
            // A coroutine: it runs on the run's one event loop, so `kept` needs no lock.
            ops.emplace_back("op" + std::to_string(i), [leak](loadkit::op_context&) -> loadkit::task<void> {
                if (leak) {
                    kept.push_back(std::make_unique<char[]>(1024));
                    kept.back()[0] = 1; // touched: resident, not only reserved
                }
                co_return;
            });
        }
        loadkit::scenario s{.name = leak ? "leaky" : "clean",
                            .profile = loadkit::constant_rate{.rate = 4000, .duration = 2s},
                            .operations = std::move(ops)};
        return loadkit::run(o, s);
    };
    const auto clean = run_with(false);
    REQUIRE(clean.leak.has_value());
    INFO(clean.leak->describe());
    CHECK(clean.leak->verdict == loadkit::leak_verdict::no_leak);
    REQUIRE_FALSE(clean.resources.empty());
    REQUIRE(clean.resources.back().loadkit_bytes.has_value());
    CHECK(*clean.resources.back().loadkit_bytes > *clean.resources.front().loadkit_bytes);
    // The last sample is taken before the result copies the series (a 30-minute soak's last sample
    // read 78 MB above the others when it came after).
    const auto users = [](const loadkit::process_sample& s) {
        return static_cast<double>(s.heap_in_use_bytes.value_or(0)) - static_cast<double>(*s.loadkit_bytes);
    };
    CHECK(users(clean.resources.back()) - users(clean.resources.front()) < 2.0 * 1024 * 1024);

    const auto leaky = run_with(true); // 8,000 x 1 KiB = 8 MiB kept
    kept.clear();
    kept.shrink_to_fit();
    REQUIRE(leaky.leak.has_value());
    INFO(leaky.leak->describe());
    CHECK(leaky.leak->verdict == loadkit::leak_verdict::leak);
    CHECK(leaky.exit_code() == 98);
}

TEST_CASE("threads: a blocking scenario starts the threads its calls need, not one per max_in_flight slot",
          "[engine][figures]") {
    loadkit::run_options o = quiet();
    o.sample_resources = true;
    o.resource_interval = 20ms;
    const auto r = loadkit::run(loadkit::constant_rate{.rate = 50, .duration = 1s, .max_in_flight = 1000},
                                {"call", [](loadkit::op_context&) { std::this_thread::sleep_for(2ms); }}, o);
    CHECK(r.result.overall.ok == 50);
    std::uint32_t most = 0;
    for (const auto& s : r.resources) {
        most = std::max(most, s.threads.value_or(0));
    }
    CHECK(most < 20); // the test runner, a loop, the sampler and a few workers (was over 1,000)
}
