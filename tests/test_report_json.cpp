#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/detail/report/json/writer.hpp>
#include <loadkit/leak.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/report/merge.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

namespace {

using time_point = loadkit::recorder::time_point;
const time_point t0{};

// One operation of a synthetic workload (fixed seed): filed by `shard` at `when` under tag `tag`.
struct synthetic_op {
    std::size_t shard;
    std::chrono::nanoseconds when;
    std::size_t tag;
    loadkit::outcome_kind kind;
    std::chrono::nanoseconds response;
    std::chrono::nanoseconds service;
    std::size_t category;
    std::size_t message;
};

const std::vector<std::string> plain_tags{"checkout", "login", "search"};
constexpr std::string_view categories[] = {"http", "db", "timeout_budget"};
constexpr std::string_view messages[] = {"503 service unavailable", "connection reset", "",
                                         "deadlock detected \"tx 42\""};

std::vector<synthetic_op> workload(std::size_t shards, std::size_t tags, int seconds, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> latency(std::log(2e6), 0.8); // median 2 ms
    std::uniform_int_distribution<int> pick(0, 99);
    std::vector<synthetic_op> ops;
    for (int s = 0; s < seconds; ++s) {
        for (int i = 0; i < 300; ++i) {
            synthetic_op op{};
            op.shard = rng() % shards;
            op.when = std::chrono::seconds{s} + std::chrono::microseconds{i * 3000};
            op.tag = rng() % tags;
            const int roll = pick(rng);
            op.kind = roll < 90 ? loadkit::outcome_kind::ok
                                : (roll < 96 ? loadkit::outcome_kind::error
                                             : (roll < 98 ? loadkit::outcome_kind::timeout
                                                          : loadkit::outcome_kind::dropped));
            op.service = std::chrono::nanoseconds{static_cast<std::int64_t>(latency(rng))};
            op.response = op.service + std::chrono::nanoseconds{static_cast<std::int64_t>(rng() % 3'000'000)};
            op.category = rng() % 3;
            op.message = rng() % 4;
            ops.push_back(op);
        }
    }
    return ops;
}

// Feeds the ops to the recorders (all to recorders[0] when single), ticking each second; finishes
// half a second after the last tick so the series ends with a partial interval.
std::vector<loadkit::run_result> run(const std::vector<loadkit::recorder*>& recorders,
                                     const std::vector<std::string>& tag_names,
                                     const std::vector<synthetic_op>& ops, bool single) {
    std::vector<std::vector<loadkit::tag_id>> ids(recorders.size());
    for (std::size_t r = 0; r < recorders.size(); ++r) {
        for (const auto& name : tag_names) {
            ids[r].push_back(recorders[r]->tag(name));
        }
    }
    std::chrono::nanoseconds next_tick = 1s;
    for (const auto& op : ops) {
        while (op.when >= next_tick) {
            for (auto* rec : recorders) {
                rec->tick(t0 + next_tick);
            }
            next_tick += 1s;
        }
        loadkit::recorder& rec = *recorders[single ? 0 : op.shard];
        loadkit::outcome what;
        what.kind = op.kind;
        if (op.kind == loadkit::outcome_kind::error) {
            what = loadkit::outcome::error(categories[op.category], messages[op.message]);
        }
        const auto id = ids[single ? 0 : op.shard][op.tag];
        if (rec.config().model == loadkit::latency_model::open) {
            rec.local().record(id, what, op.response, op.service);
        } else {
            rec.local().record(id, what, op.service);
        }
    }
    std::vector<loadkit::run_result> out;
    for (auto* rec : recorders) {
        out.push_back(rec->finish(t0 + next_tick + 500ms, loadkit::stop_reason::deadline, "deadline"));
    }
    return out;
}

loadkit::run_result one_run(const loadkit::recorder_options& options, const std::vector<std::string>& tags,
                            int seconds, std::uint64_t seed) {
    loadkit::recorder rec{t0, options};
    return run({&rec}, tags, workload(1, tags.size(), seconds, seed), true).front();
}

const loadkit::slo_policy policy{
    "p95 < 20ms",   "error_rate < 5%",      "login: p99 <= 50ms", loadkit::throughput() >= 10.0,
    "p(99.9) < 1s", "memory_growth < 10MB", loadkit::no_leak()};

loadkit::run_report report_of(loadkit::run_result result, const std::vector<std::string>& tags) {
    loadkit::run_report r;
    r.title = "checkout soak";
    r.started = std::chrono::system_clock::time_point{std::chrono::seconds{1'714'566'896}} + 123456789ns;
    r.scenarios.push_back(
        {"browse", "constant_rate 300/s for 10s, max_in_flight 64", result.model, 0ns, tags});
    r.result = std::move(result);
    r.slo = policy.evaluate(r.result, {.memory_growth_bytes = 2.5e6, .leak = loadkit::leak_verdict::no_leak});
    return r;
}

// Everything else a report can hold: resources, a leak verdict, stuck operations, a capacity curve.
void add_extras(loadkit::run_report& r) {
    std::vector<loadkit::leak_sample> rss;
    std::vector<loadkit::leak_sample> heap;
    std::mt19937_64 rng(11);
    std::normal_distribution<double> noise(0.0, 1e5);
    for (int i = 0; i < 400; ++i) {
        loadkit::process_sample s;
        s.at = time_point{std::chrono::seconds{1000 + i}};
        s.rss_bytes = static_cast<std::uint64_t>(200e6 + 5e3 * i + noise(rng));
        s.peak_rss_bytes = i % 2 == 0 ? std::optional<std::uint64_t>(250'000'000) : std::nullopt;
        s.heap_in_use_bytes = static_cast<std::uint64_t>(80e6 + 5e3 * i + noise(rng));
        s.cpu_user = std::chrono::microseconds{1000 * i};
        s.cpu_system = i == 0 ? std::nullopt : std::optional(std::chrono::microseconds{10 * i});
        s.threads = 12;
        s.open_fds = i % 3 == 0 ? std::nullopt : std::optional<std::uint32_t>(40);
        rss.push_back({i, static_cast<double>(*s.rss_bytes)});
        heap.push_back({i, static_cast<double>(*s.heap_in_use_bytes)});
        r.resources.push_back(s);
    }
    r.leak = loadkit::check_leak(rss, heap, {.horizon = 86400, .x_unit = "s"});
    r.stuck.push_back({"browse", "search", 7, 1234, 31s, false});
    r.stuck.push_back({"browse", "login", 2, 9, 95s, true});
    loadkit::capacity_curve c;
    c.objective = "p99 < 100ms";
    c.sustainable = 400.0;
    c.steps.push_back({100.0, 99.98, 2ms, 5ms, 9ms, 0.0, true, "PASS"});
    c.steps.push_back({200.0, 199.5, 2100us, 6ms, 12ms, 0.001, true, "PASS"});
    c.steps.push_back(
        {800.0, 640.25, 40ms, 180ms, 400ms, 1.0 / 3.0, false, "FAIL: p99 < 100ms (measured 400ms)"});
    r.capacity = c;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void check_same_objective(const loadkit::objective& a, const loadkit::objective& b) {
    CHECK(a.metric == b.metric);
    CHECK(same(a.parameter, b.parameter));
    CHECK(a.op == b.op);
    CHECK(same(a.limit, b.limit));
    CHECK(a.tag == b.tag);
    CHECK(a.confidence == b.confidence);
    CHECK(a.abort_on_fail == b.abort_on_fail);
    CHECK(a.abort_grace == b.abort_grace);
    CHECK(a.abort_when_confident == b.abort_when_confident);
    CHECK(a.source == b.source);
}

void check_same_trend(const std::optional<loadkit::leak_trend>& a,
                      const std::optional<loadkit::leak_trend>& b) {
    REQUIRE(a.has_value() == b.has_value());
    if (!a) {
        return;
    }
    CHECK(a->verdict == b->verdict);
    CHECK(a->samples == b->samples);
    CHECK(a->analysed_samples == b->analysed_samples);
    CHECK(a->samples_needed == b->samples_needed);
    CHECK(a->windows == b->windows);
    CHECK(a->warmup_windows == b->warmup_windows);
    for (auto m :
         {&loadkit::leak_trend::warmup_end_x, &loadkit::leak_trend::slope, &loadkit::leak_trend::ci_low,
          &loadkit::leak_trend::ci_high, &loadkit::leak_trend::lower_bound, &loadkit::leak_trend::level,
          &loadkit::leak_trend::run_span, &loadkit::leak_trend::growth, &loadkit::leak_trend::effect_floor,
          &loadkit::leak_trend::projected_growth, &loadkit::leak_trend::lag1_autocorrelation}) {
        CHECK(same((*a).*m, (*b).*m));
    }
    CHECK(a->warmup_unfinished == b->warmup_unfinished);
}

// Field by field: run_result has operator==, the other parts of a report do not.
void check_same_report(const loadkit::run_report& a, const loadkit::run_report& b) {
    CHECK(a.title == b.title);
    CHECK(a.started == b.started);
    REQUIRE(a.scenarios.size() == b.scenarios.size());
    for (std::size_t i = 0; i < a.scenarios.size(); ++i) {
        CHECK(a.scenarios[i].name == b.scenarios[i].name);
        CHECK(a.scenarios[i].profile == b.scenarios[i].profile);
        CHECK(a.scenarios[i].model == b.scenarios[i].model);
        CHECK(a.scenarios[i].start_offset == b.scenarios[i].start_offset);
        CHECK(a.scenarios[i].operations == b.scenarios[i].operations);
    }
    CHECK(a.result == b.result);
    REQUIRE(a.slo.has_value() == b.slo.has_value());
    if (a.slo) {
        REQUIRE(a.slo->verdicts.size() == b.slo->verdicts.size());
        for (std::size_t i = 0; i < a.slo->verdicts.size(); ++i) {
            const auto& x = a.slo->verdicts[i];
            const auto& y = b.slo->verdicts[i];
            check_same_objective(x.target, y.target);
            CHECK(x.line == y.line);
            CHECK(x.has_data == y.has_data);
            CHECK(same(x.measured, y.measured));
            CHECK(same(x.limit, y.limit));
            CHECK(x.passed == y.passed);
            CHECK(x.statistical == y.statistical);
            CHECK(x.binomial == y.binomial);
            CHECK(x.trials == y.trials);
            CHECK(x.bad == y.bad);
            CHECK(same(x.allowed_bad, y.allowed_bad));
            CHECK(same(x.bad_upper, y.bad_upper));
            CHECK(same(x.bad_lower, y.bad_lower));
        }
    }
    REQUIRE(a.resources.size() == b.resources.size());
    for (std::size_t i = 0; i < a.resources.size(); ++i) {
        const auto& x = a.resources[i];
        const auto& y = b.resources[i];
        CHECK(x.at == y.at);
        CHECK(x.rss_bytes == y.rss_bytes);
        CHECK(x.peak_rss_bytes == y.peak_rss_bytes);
        CHECK(x.heap_in_use_bytes == y.heap_in_use_bytes);
        CHECK(x.cpu_user == y.cpu_user);
        CHECK(x.cpu_system == y.cpu_system);
        CHECK(x.threads == y.threads);
        CHECK(x.open_fds == y.open_fds);
    }
    REQUIRE(a.leak.has_value() == b.leak.has_value());
    if (a.leak) {
        CHECK(a.leak->verdict == b.leak->verdict);
        CHECK(a.leak->cause == b.leak->cause);
        CHECK(a.leak->confidence == b.leak->confidence);
        CHECK(a.leak->min_relative_growth == b.leak->min_relative_growth);
        CHECK(a.leak->horizon == b.leak->horizon);
        CHECK(a.leak->x_unit == b.leak->x_unit);
        check_same_trend(a.leak->rss, b.leak->rss);
        check_same_trend(a.leak->heap, b.leak->heap);
        CHECK(a.leak->describe() == b.leak->describe());
    }
    REQUIRE(a.stuck.size() == b.stuck.size());
    for (std::size_t i = 0; i < a.stuck.size(); ++i) {
        CHECK(a.stuck[i].scenario == b.stuck[i].scenario);
        CHECK(a.stuck[i].tag == b.stuck[i].tag);
        CHECK(a.stuck[i].virtual_user == b.stuck[i].virtual_user);
        CHECK(a.stuck[i].iteration == b.stuck[i].iteration);
        CHECK(a.stuck[i].elapsed == b.stuck[i].elapsed);
        CHECK(a.stuck[i].abandoned == b.stuck[i].abandoned);
    }
    REQUIRE(a.capacity.has_value() == b.capacity.has_value());
    if (a.capacity) {
        CHECK(a.capacity->unit == b.capacity->unit);
        CHECK(a.capacity->objective == b.capacity->objective);
        CHECK(a.capacity->sustainable == b.capacity->sustainable);
        CHECK(a.capacity->knee == b.capacity->knee);
        REQUIRE(a.capacity->steps.size() == b.capacity->steps.size());
        for (std::size_t i = 0; i < a.capacity->steps.size(); ++i) {
            const auto& x = a.capacity->steps[i];
            const auto& y = b.capacity->steps[i];
            CHECK(x.offered_rate == y.offered_rate);
            CHECK(x.achieved_rate == y.achieved_rate);
            CHECK(x.p50 == y.p50);
            CHECK(x.p95 == y.p95);
            CHECK(x.p99 == y.p99);
            CHECK(x.error_rate == y.error_rate);
            CHECK(x.passed == y.passed);
            CHECK(x.verdict == y.verdict);
        }
    }
    CHECK(a.passed() == b.passed());
    CHECK(a.exit_code() == b.exit_code());
}

// The json_error that from_json throws for text (REQUIREs one).
loadkit::json_error parse_error(const std::string& text) {
    try {
        static_cast<void>(loadkit::from_json(text));
    } catch (const loadkit::json_error& e) {
        return e;
    }
    FAIL("from_json accepted: " << text.substr(0, 200));
    return loadkit::json_error(0, 0, "", "");
}

// A unique scratch directory, removed at the end of its scope.
struct temp_dir {
    std::filesystem::path path;
    explicit temp_dir(const std::string& name) {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(stamp));
        std::filesystem::create_directories(path);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

} // namespace

TEST_CASE("from_json(to_json(report)) equals the report: results, verdicts, resources, leak, capacity",
          "[report][json]") {
    for (const auto model : {loadkit::latency_model::closed, loadkit::latency_model::open}) {
        for (const auto warmup : {0ns, std::chrono::nanoseconds{2s}}) {
            CAPTURE(loadkit::to_string(model), warmup.count());
            loadkit::run_report report = report_of(
                one_run({.model = model, .interval = 1s, .warmup = warmup}, plain_tags, 6, 3), plain_tags);
            add_extras(report);
            REQUIRE(report.result.overall.count() > 1000);
            REQUIRE(report.result.overall.error_categories.size() == 3);
            REQUIRE(report.result.overall.service_time.has_value() ==
                    (model == loadkit::latency_model::open));
            REQUIRE(report.result.overall.warmup.has_value() == (warmup > 0ns));

            const std::string text = loadkit::to_json(report);
            const loadkit::run_report back = loadkit::from_json(text);
            check_same_report(report, back);
            CHECK(back.result == report.result);
            // Written again, byte for byte the same: nothing was lost or rounded.
            CHECK(loadkit::to_json(back) == text);
            CHECK(loadkit::to_json(back, {.indent = 0}) == loadkit::to_json(report, {.indent = 0}));
            // Without summaries or indentation: the same data.
            CHECK(loadkit::from_json(loadkit::to_json(report, {.indent = 0, .summaries = false})).result ==
                  report.result);
        }
    }
}

TEST_CASE("an empty report round-trips and states the schema and version first", "[report][json]") {
    const loadkit::run_report empty;
    const std::string text = loadkit::to_json(empty);
    CHECK(text.rfind("{\n  \"schema\": \"loadkit-report\",\n  \"version\": 4,\n", 0) == 0);
    const loadkit::run_report back = loadkit::from_json(text);
    check_same_report(empty, back);
    CHECK(back.result == loadkit::run_result{});
    CHECK(loadkit::to_json(back) == text);
}

TEST_CASE(
    "histograms are rebuilt exactly: recorded, merged, differences of snapshots, clamped, any precision",
    "[report][json][histogram]") {
    std::vector<loadkit::histogram> cases;
    loadkit::histogram recorded;
    std::mt19937_64 rng(5);
    std::lognormal_distribution<double> d(std::log(1e6), 1.5);
    for (int i = 0; i < 5000; ++i) {
        recorded.record(static_cast<std::int64_t>(d(rng)));
    }
    cases.push_back(recorded);
    // A difference of snapshots: min/max are counter midpoints, not recorded values.
    loadkit::histogram earlier = recorded;
    for (int i = 0; i < 3000; ++i) {
        recorded.record(static_cast<std::int64_t>(d(rng)));
    }
    cases.push_back(recorded - earlier);
    // One value left in a wide counter: min and max are its midpoint, kept within the old extremes.
    loadkit::histogram two{{.significant_digits = 1}};
    two.record(1'000'000);
    two.record(1'010'000);
    loadkit::histogram one{{.significant_digits = 1}};
    one.record(1'005'000);
    cases.push_back(two - one);
    REQUIRE(cases.back().count() == 1);
    REQUIRE(cases.back().min() == cases.back().max());
    // Clamped at both ends, tiny and huge ranges, extreme precisions.
    loadkit::histogram clamped{{.significant_digits = 2, .highest = 1s}};
    clamped.record(-5);
    clamped.record(-7, 3);
    clamped.record(500ms);
    clamped.record(2s, 4);
    cases.push_back(clamped);
    loadkit::histogram small{{.max_relative_error = 0.5, .highest = 2ns}};
    small.record(1);
    small.record(2, 7);
    cases.push_back(small);
    loadkit::histogram year{{.significant_digits = 4, .highest = std::chrono::hours{24 * 365}}};
    year.record(std::chrono::hours{24 * 300});
    year.record(0);
    cases.push_back(year);
    loadkit::histogram fine{{.significant_digits = 5, .highest = 1ms}};
    fine.record(999'999ns);
    fine.record(123'457ns);
    cases.push_back(fine);
    cases.push_back(loadkit::histogram{{.significant_digits = 4}}); // empty, non-default precision
    loadkit::histogram cleared = recorded;
    cleared -= recorded; // empty again
    cases.push_back(cleared);

    // The counters as HdrHistogram's counts array, run-length encoded: values 0..2047 have their own
    // counter at 3 digits; -k stands for k empty counters in a row.
    loadkit::run_report small_values;
    for (const std::int64_t v : {0, 1, 1, 5, 2047}) {
        small_values.result.overall.latency.record(v);
    }
    CHECK(contains(loadkit::to_json(small_values), "\"counts\": [1,2,-3,1,-2041,1]"));

    for (std::size_t i = 0; i < cases.size(); ++i) {
        CAPTURE(i);
        loadkit::run_report r;
        r.result.overall.latency = cases[i];
        r.result.overall.service_time = cases[i];
        r.result.duration = 1s;
        const loadkit::run_report back = loadkit::from_json(loadkit::to_json(r));
        CHECK(back.result.overall.latency == cases[i]);
        CHECK(back.result.overall.service_time == cases[i]);
        CHECK(back.result.overall.latency.clamped_low_count() == cases[i].clamped_low_count());
        CHECK(back.result.overall.latency.value_at_percentile(99.9) == cases[i].value_at_percentile(99.9));
    }
}

TEST_CASE(
    "the merged report of N shards, through JSON files, equals the report of one recorder fed all the data",
    "[report][json][merge]") {
    const temp_dir dir("loadkit_test_report_json");
    for (const auto model : {loadkit::latency_model::closed, loadkit::latency_model::open}) {
        for (const std::size_t n : {2U, 5U}) {
            CAPTURE(loadkit::to_string(model), n);
            const loadkit::recorder_options options{.model = model, .interval = 1s, .warmup = 1s};
            const auto ops = workload(n, plain_tags.size(), 8, 17); // fixed seed 17
            loadkit::recorder single{t0, options};
            const loadkit::run_report expected =
                report_of(run({&single}, plain_tags, ops, true).front(), plain_tags);

            std::vector<std::unique_ptr<loadkit::recorder>> recorders;
            std::vector<loadkit::recorder*> pointers;
            for (std::size_t i = 0; i < n; ++i) {
                recorders.push_back(std::make_unique<loadkit::recorder>(t0, options));
                pointers.push_back(recorders.back().get());
            }
            std::vector<std::filesystem::path> files;
            for (auto& part : run(pointers, plain_tags, ops, false)) {
                files.push_back(dir.path / ("shard" + std::to_string(files.size()) + ".json"));
                std::ofstream out(files.back(), std::ios::binary);
                loadkit::write_json(out, report_of(std::move(part), plain_tags));
            }
            std::vector<loadkit::run_report> shards;
            for (const auto& f : files) {
                std::ifstream in(f, std::ios::binary);
                shards.push_back(loadkit::read_json(in));
            }
            const loadkit::run_report merged = loadkit::merge_reports(shards);
            CHECK(merged.result.overall.latency == expected.result.overall.latency);
            CHECK(merged.result.overall.intervals == expected.result.overall.intervals);
            CHECK(merged.result == expected.result);
            check_same_report(merged, expected); // SLO verdicts re-evaluated on the merged result
            CHECK(loadkit::to_json(merged) == loadkit::to_json(expected));
            // A shard alone judges differently: the merge did not keep any shard's verdicts.
            CHECK(shards[0].slo->verdicts[0].trials != merged.slo->verdicts[0].trials);
        }
    }
}

TEST_CASE("merge_reports: per-process parts (leak, resources, capacity, memory objectives) are kept honestly",
          "[report][merge]") {
    loadkit::run_report a = report_of(one_run({.interval = 1s}, plain_tags, 2, 1), plain_tags);
    loadkit::run_report b =
        report_of(one_run({.interval = 1s}, {"login", "upload"}, 2, 2), {"login", "upload"});
    add_extras(a);
    b.title = "";
    b.scenarios.push_back({"batch", "constant_vus 4", loadkit::latency_model::closed, 5s, {"upload"}});
    b.stuck.push_back({"batch", "upload", 1, 3, 61s, true});
    b.slo = loadkit::slo_policy{"p95 < 20ms", "upload: p99 < 5ms", "memory_growth < 10MB"}.evaluate(
        b.result, {.memory_growth_bytes = 30e6});
    const std::vector<loadkit::run_report> shards{a, b};
    const loadkit::run_report m = loadkit::merge_reports(shards);

    CHECK(m.title == "checkout soak");
    REQUIRE(m.scenarios.size() == 2);
    CHECK(m.scenarios[0].operations == std::vector<std::string>{"checkout", "login", "search", "upload"});
    CHECK(m.result.tags.size() == 4);
    CHECK(m.result.overall.count() == a.result.overall.count() + b.result.overall.count());
    CHECK(m.stuck.size() == 3);
    // Only shard a sampled resources and searched capacity: kept. Its leak verdict is the only one.
    CHECK(m.resources.size() == a.resources.size());
    CHECK(m.capacity.has_value());
    CHECK(m.leak.has_value());
    // Objectives united by text: a's seven, then b's "upload: p99 < 5ms".
    REQUIRE(m.slo.has_value());
    REQUIRE(m.slo->verdicts.size() == 8);
    CHECK(m.slo->verdicts[7].target.text() == "upload: p99 < 5ms");
    CHECK(m.slo->verdicts[0].trials == m.result.overall.latency.count()); // re-evaluated
    // memory_growth judges one process: b's failing verdict wins over a's passing one.
    CHECK(m.slo->verdicts[5].target.text() == "memory_growth < 10MB");
    CHECK_FALSE(m.slo->verdicts[5].passed);
    CHECK(contains(m.slo->verdicts[5].line, "30MB"));
    CHECK(m.exit_code() == 99);

    // With two shards holding resources and capacity curves, neither is kept: they do not merge.
    add_extras(b);
    b.leak->verdict = loadkit::leak_verdict::leak;
    const std::vector<loadkit::run_report> both{a, b};
    const loadkit::run_report m2 = loadkit::merge_reports(both);
    CHECK(m2.resources.empty());
    CHECK_FALSE(m2.capacity.has_value());
    REQUIRE(m2.leak.has_value());
    CHECK(m2.leak->verdict == loadkit::leak_verdict::leak); // the most severe shard's
    CHECK(loadkit::merge_reports({}).result.empty());

    // Results that cannot merge: the error names the shard.
    loadkit::run_report open = report_of(
        one_run({.model = loadkit::latency_model::open, .interval = 1s}, plain_tags, 1, 4), plain_tags);
    const std::vector<loadkit::run_report> mixed{a, open};
    const std::string message = invalid_argument_message([&] { (void)loadkit::merge_reports(mixed); });
    CHECK(contains(message, "loadkit::merge_reports: shard 1: "));
    CHECK(contains(message, "latency_model differs"));
}

TEST_CASE("tag names with quotes, commas, <>&, newlines, control characters and UTF-8 are escaped in JSON",
          "[report][json][escaping]") {
    const std::vector<std::string> tags{"say \"hi\"",
                                        "a,b",
                                        "<b>&amp;</b>",
                                        "line\nbreak\r\ttab",
                                        std::string("nul\0bell\x07\x1f", 10),
                                        "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80",
                                        "back\\slash /"};
    loadkit::run_report report = report_of(one_run({.interval = 1s}, tags, 2, 9), tags);
    report.title = "bad \xFF\xFE utf-8 \xE2\x82 end\xC3";
    const std::string text = loadkit::to_json(report);
    CHECK(contains(text, R"("name": "say \"hi\"")"));
    CHECK(contains(text, R"("name": "a,b")"));
    CHECK(contains(text, R"("name": "<b>&amp;</b>")"));
    CHECK(contains(text, R"("name": "line\nbreak\r\ttab")"));
    CHECK(contains(text, R"("name": "nul\u0000bell\u0007\u001f")"));
    CHECK(contains(text,
                   "\"name\": \"caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80\"")); // passed through
    CHECK(contains(text, R"("name": "back\\slash /")"));
    // Ill-formed UTF-8: one U+FFFD per maximal ill-formed subpart (FF, FE, E2 82, C3 at the end).
    CHECK(contains(text, "\"title\": \"bad \xEF\xBF\xBD\xEF\xBF\xBD utf-8 \xEF\xBF\xBD end\xEF\xBF\xBD\""));
    for (const char c : text) {
        CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n')); // no raw control characters
    }
    const loadkit::run_report back = loadkit::from_json(text);
    REQUIRE(back.result.tags.size() == tags.size());
    for (const auto& t : tags) {
        CHECK(back.result.find(t) != nullptr);
    }
    CHECK(back.result == report.result);
    CHECK(back.title == "bad \xEF\xBF\xBD\xEF\xBF\xBD utf-8 \xEF\xBF\xBD end\xEF\xBF\xBD");
    // Escapes the writer never uses still read: \/ \b \f \u00e9, a surrogate pair.
    CHECK(
        loadkit::from_json(
            R"({"schema": "loadkit-report", "version": 1, "title": "\/\b\f\u00e9\ud83d\ude80", "started_unix_ns": 0,
                  "scenarios": [], "result": )" +
            [] {
                std::string r = loadkit::to_json(loadkit::run_report{}, {.indent = 0});
                const auto at = r.find("\"result\":") + 9;
                return r.substr(at, r.find(",\"slo\"") - at);
            }() +
            R"(, "slo": null, "resources": [], "leak": null, "stuck": [], "capacity": null})")
            .title == "/\b\f\xC3\xA9\xF0\x9F\x9A\x80");
}

TEST_CASE("doubles are written in the shortest form that reads back to the same double", "[report][json]") {
    const double values[] = {0.1,       1.0 / 3.0,
                             2.0 / 3.0, 1e-300,
                             5e-324,    std::numeric_limits<double>::max(),
                             -0.0,      123456789012345678.0,
                             0.95,      1e21,
                             99.9,      1.0 - 1e-16};
    for (const double v : values) {
        loadkit::run_report r;
        loadkit::capacity_step s;
        s.offered_rate = v;
        s.error_rate = v;
        r.capacity.emplace();
        r.capacity->steps.push_back(s);
        const loadkit::run_report back = loadkit::from_json(loadkit::to_json(r));
        CHECK(back.capacity->steps[0].offered_rate == v);
        CHECK(std::signbit(back.capacity->steps[0].offered_rate) == std::signbit(v));
    }
    std::string text;
    loadkit::detail::append_double(text, 0.1);
    CHECK(text == "0.1");
    // NaN as null, infinities as strings: JSON has neither.
    loadkit::run_report r;
    r.capacity.emplace();
    r.capacity->steps.push_back({std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 {},
                                 {},
                                 {},
                                 std::numeric_limits<double>::quiet_NaN(),
                                 false,
                                 ""});
    const std::string json = loadkit::to_json(r);
    CHECK(contains(json, R"("offered_rate": "Infinity", "achieved_rate": "-Infinity")"));
    CHECK(contains(json, R"("error_rate": null)"));
    const auto back = loadkit::from_json(json);
    CHECK(std::isinf(back.capacity->steps[0].offered_rate));
    CHECK(back.capacity->steps[0].achieved_rate < 0);
    CHECK(std::isnan(back.capacity->steps[0].error_rate));
}

TEST_CASE("from_json rejects malformed input, naming the line, the column, the member and what was expected",
          "[report][json][errors]") {
    const std::string good =
        loadkit::to_json(report_of(one_run({.interval = 1s}, plain_tags, 2, 5), plain_tags));
    const auto replace = [&](const std::string& from, const std::string& to) {
        std::string t = good;
        const auto at = t.find(from);
        REQUIRE(at != std::string::npos);
        return t.replace(at, from.size(), to);
    };
    // Line and column of the offending token, 1-based.
    {
        const auto e =
            parse_error("{\n  \"schema\": \"loadkit-report\",\n  \"version\": 1,\n  \"title\": 42\n}");
        CHECK(e.line() == 4);
        CHECK(e.column() == 12);
        CHECK(e.path() == "title");
        CHECK(std::string(e.what()) ==
              "loadkit::from_json: line 4, column 12 (title): expected a string, found 42");
    }
    {
        const auto e = parse_error(replace("\"ok\": ", "\"ok\": -"));
        CHECK(e.path() == "result.overall.ok");
        CHECK(contains(e.message(), "expected an unsigned integer, found -"));
    }
    {
        const auto e = parse_error(replace("\"timeouts\": ", "\"timeout\": "));
        CHECK(contains(e.message(), "unknown member \"timeout\" (expected one of"));
        CHECK(e.path() == "result.overall");
    }
    {
        const auto e = parse_error(replace("\"timeouts\": ", "\"errors\": "));
        CHECK(contains(e.message(), "duplicate member \"errors\""));
    }
    {
        const auto e = parse_error(replace("\"clamped_low\": 0,", ""));
        CHECK(contains(e.message(), "missing member \"clamped_low\""));
        CHECK(e.path() == "result.overall.latency");
    }
    {
        const auto e = parse_error(replace("\"clamped_low\": 0", "\"clamped_low\": 5"));
        CHECK(contains(e.message(), "inconsistent histogram: clamped_low"));
        CHECK(e.path() == "result.overall.latency");
    }
    {
        std::string t = good;
        const auto at = t.find("\"counts\": [") + 11;
        const std::string first_counts = t.substr(at, t.find(']', at) - at);
        const auto with_counts = [&](const std::string& counts) {
            return parse_error(std::string(t).replace(at, first_counts.size(), counts));
        };
        CHECK(contains(with_counts("-5,0,3").message(),
                       "expected a count > 0, or -k for k empty counters, found 0"));
        CHECK(contains(with_counts("-5,-2,3").message(), "one run of empty counters at a time"));
        CHECK(contains(with_counts("3,-2").message(), "not a run of empty counters"));
        CHECK(contains(with_counts("-100000,3").message(), "counts: counter 100000 is beyond the last one"));
        CHECK(contains(with_counts("1.5").message(), "expected a count > 0"));
        CHECK(contains(with_counts(first_counts + ",1").message(), "but the counters hold"));
        CHECK(with_counts("-5,0,3").path() == "result.overall.latency.counts[1]");
    }
    CHECK(contains(parse_error(replace("\"width_ns\": 1000000000", "\"width_ns\": 0")).message(),
                   "expected width_ns > 0 in a series with intervals"));
    CHECK(contains(parse_error(good.substr(0, good.size() / 2)).message(), "expected"));
    CHECK(contains(parse_error(good + "x").message(), "expected the end of the input"));
    CHECK(contains(parse_error(replace("\"stuck\": []", "\"stuck\": [,]")).message(), "expected an object"));
    CHECK(contains(parse_error(replace("\"stuck\": []", "\"stuck\": [] ,")).message(), "member name"));
    CHECK(contains(parse_error(replace("\"title\": \"", "\"title\": \"\\x")).message(), "invalid escape"));
    CHECK(contains(parse_error(replace("\"title\": \"", "\"title\": \"\t")).message(), "control character"));
    CHECK(contains(parse_error(replace("\"title\": \"", "\"title\": \"\xC3(")).message(), "invalid UTF-8"));
    CHECK(contains(parse_error(replace("\"title\": \"", "\"title\": \"\\ud800")).message(), "surrogate"));
    CHECK(
        contains(parse_error(replace("\"duration_ns\": ", "\"duration_ns\": 0")).message(), "leading zeros"));
    CHECK(contains(parse_error(replace("\"duration_ns\": ", "\"duration_ns\": 1e+ ")).message(), "exponent"));
    CHECK(contains(parse_error(replace("\"reason\": \"deadline\"", "\"reason\": \"tired\"")).message(),
                   "expected one of \"running\", \"completed\""));
    CHECK(
        contains(parse_error(replace("\"slo\": {", "\"slo\": [{")).message(), "expected an object, found ["));
    CHECK(contains(parse_error("[1, 2]").message(), "expected an object"));
    CHECK(contains(parse_error("").message(), "found the end of the input"));
    CHECK(contains(parse_error(std::string(200, '[')).message(), "expected an object"));
    // Every json_error is a std::invalid_argument, as the library's other input errors.
    CHECK(contains(invalid_argument_message([] { (void)loadkit::from_json("{"); }),
                   "loadkit::from_json: line 1"));
}

TEST_CASE("from_json rejects another schema or version with a message naming both",
          "[report][json][errors]") {
    const std::string good = loadkit::to_json(loadkit::run_report{});
    std::string v5 = good;
    v5.replace(v5.find("\"version\": 4"), 12, "\"version\": 5");
    const auto e = parse_error(v5);
    CHECK(e.path() == "version");
    CHECK(contains(e.message(), "version 5 is not supported"));
    CHECK(contains(e.message(), "reads report versions 1 to 4"));
    std::string other = good;
    other.replace(other.find("loadkit-report"), 14, "k6-summary");
    CHECK(contains(parse_error(other).message(), "this is not a loadkit report"));
    std::string no_version = good;
    no_version.erase(no_version.find("\"version\": 4,"), 13);
    CHECK(contains(parse_error(no_version).message(), "missing member \"version\""));
}

// Erases the first `"name": value` (and the comma before it) from a report, as an older version
namespace {
// without that member wrote it.
bool erase_member(std::string& text, std::string_view member) {
    const auto at = text.find(member);
    if (at == std::string::npos) {
        return false;
    }
    const auto comma = text.rfind(',', at);
    text.erase(comma, at + member.size() - comma);
    return true;
}
} // namespace

TEST_CASE("from_json reads version 1 reports, which lack past_hang_limit and stuck[].finished",
          "[report][json]") {
    loadkit::run_report report;
    report.stuck.push_back({"s", "t", 1, 2, std::chrono::milliseconds{5}, true, false});
    std::string v1 = loadkit::to_json(report);
    v1.replace(v1.find("\"version\": 4"), 12, "\"version\": 1");
    while (erase_member(v1, "\"scheduled\": 0")) {
    }
    const std::string finished = ", \"finished\": false";
    REQUIRE(v1.find(finished) != std::string::npos);
    v1.erase(v1.find(finished), finished.size());
    const std::string count = ",\n  \"past_hang_limit\": 0";
    REQUIRE(v1.find(count) != std::string::npos);
    v1.erase(v1.find(count), count.size());
    const loadkit::run_report back = loadkit::from_json(v1);
    REQUIRE(back.stuck.size() == 1);
    CHECK(back.stuck[0].abandoned);
    CHECK_FALSE(back.stuck[0].finished);
    CHECK(back.past_hang_limit == 0);
}

TEST_CASE("scheduled round-trips in each tag, its warm-up and overall; version 2 reports, without it, read "
          "as 0",
          "[report][json]") {
    loadkit::run_report report;
    report.result.overall.scheduled = 12;
    report.result.overall.ok = 12;
    loadkit::tag_result t;
    t.name = "a";
    t.scheduled = 7;
    t.ok = 7;
    loadkit::op_stats w;
    w.scheduled = 5;
    w.ok = 5;
    t.warmup = w;
    report.result.tags.push_back(t);
    const std::string text = loadkit::to_json(report);
    const loadkit::run_report back = loadkit::from_json(text);
    CHECK(back.result.overall.scheduled == 12);
    REQUIRE(back.result.tags.size() == 1);
    CHECK(back.result.tags[0].scheduled == 7);
    REQUIRE(back.result.tags[0].warmup);
    CHECK(back.result.tags[0].warmup->scheduled == 5);

    std::string v2 = text;
    v2.replace(v2.find("\"version\": 4"), 12, "\"version\": 2");
    for (const char* member : {"\"scheduled\": 12", "\"scheduled\": 7", "\"scheduled\": 5"}) {
        REQUIRE(erase_member(v2, member));
    }
    const loadkit::run_report old = loadkit::from_json(v2);
    CHECK(old.result.overall.scheduled == 0);
    CHECK(old.result.tags[0].scheduled == 0);
    CHECK(old.result.tags[0].warmup->scheduled == 0);
    CHECK(old.result.tags[0].ok == 7);
}

TEST_CASE("stuck operations that finished, and past_hang_limit, round-trip", "[report][json]") {
    loadkit::run_report report;
    report.stuck.push_back({"s", "t", 1, 2, std::chrono::milliseconds{5}, false, true});
    report.past_hang_limit = 70;
    const loadkit::run_report back = loadkit::from_json(loadkit::to_json(report));
    REQUIRE(back.stuck.size() == 1);
    CHECK(back.stuck[0].finished);
    CHECK(back.past_hang_limit == 70);
    CHECK(back.passed());
}

TEST_CASE("json_options.indent outside 0 .. 16 is refused before anything is written", "[report][json]") {
    loadkit::json_options o;
    o.indent = 1000000;
    CHECK(contains(invalid_argument_message([&] { (void)loadkit::to_json(loadkit::run_report{}, o); }),
                   "indent = 1000000 (expected 0 .. 16)"));
    o.indent = -1;
    CHECK_THROWS_AS(loadkit::to_json(loadkit::run_report{}, o), std::invalid_argument);
}

namespace {

// A report of `tags` tags whose every latency histogram declares `sub_bucket_count` sub-buckets up
// to highest_ns: empty, so a few hundred bytes each, however many counters they declare.
std::string declaring_report(int tags, std::uint64_t sub_bucket_count, std::int64_t highest) {
    loadkit::run_report report;
    for (int i = 0; i < tags; ++i) {
        report.result.tags.emplace_back("t" + std::to_string(i), loadkit::histogram_options{},
                                        loadkit::latency_model::closed);
    }
    std::string text = loadkit::to_json(report, {.indent = 0, .summaries = false});
    const std::string from = "\"sub_bucket_count\":2048,\"highest_ns\":3600000000000";
    const std::string to = "\"sub_bucket_count\":" + std::to_string(sub_bucket_count) +
                           ",\"highest_ns\":" + std::to_string(highest);
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

} // namespace

TEST_CASE("from_json bounds the counters it builds: histograms declaring 262144 sub-buckets up to 2^63 ns "
          "stay under 100 MiB, with an error naming the member and the bound",
          "[report][json][bounds]") {
    const std::int64_t top = std::numeric_limits<std::int64_t>::max();
    const std::string hostile = declaring_report(20, 262144, top); // 21 histograms of 47 MiB each
    CHECK(hostile.size() < 12000);
    // Defaults: the first histogram is past the per-histogram bound; nothing of it is built.
    const loadkit::json_error first = parse_error(hostile);
    CHECK(first.path() == "result.overall.latency");
    CHECK(first.message() ==
          "a histogram of sub_bucket_count 262144 up to highest_ns 9223372036854775807 takes "
          "6160384 counters (47 MiB), more than json_read_options::max_counters_per_histogram "
          "= 4194304");
    // With the per-histogram bound raised past it, the total bound stops the report at the
    // histogram that would cross 100 MiB: what was built before (the histograms' own accounting of
    // their memory) stays under.
    const loadkit::json_read_options options{.max_counters_per_histogram = std::size_t{1} << 23,
                                             .max_counters_total =
                                                 (std::size_t{100} << 20) / sizeof(std::uint64_t)};
    try {
        static_cast<void>(loadkit::from_json(hostile, options));
        FAIL("from_json accepted 21 histograms of 47 MiB under a 100 MiB bound");
    } catch (const loadkit::json_error& e) {
        CHECK(e.path() == "result.tags[1].latency");
        CHECK(e.message() == "the report's histograms would take 18481152 counters (141 MiB), more than "
                             "json_read_options::max_counters_total = 13107200");
    }
    const loadkit::run_report two = loadkit::from_json(declaring_report(1, 262144, top), options);
    REQUIRE(two.result.tags.size() == 1);
    const std::size_t held =
        two.result.overall.latency.memory_bytes() + two.result.tags[0].latency.memory_bytes();
    CHECK(held > std::size_t{90} << 20);
    CHECK(held < std::size_t{100} << 20);
    // The defaults hold 5 significant digits with the default 1 h range.
    const loadkit::run_report fine = loadkit::from_json(declaring_report(1, 262144, 3'600'000'000'000));
    REQUIRE(fine.result.tags.size() == 1);
    CHECK(fine.result.tags[0].latency.sub_bucket_count() == 262144);
}

TEST_CASE("json read options are validated, naming the field and the value", "[report][json][options]") {
    const std::string text = loadkit::to_json(loadkit::run_report{});
    CHECK(invalid_argument_message([&] {
              static_cast<void>(loadkit::from_json(text, {.max_counters_per_histogram = 0}));
          }) == "loadkit::json_read_options: max_counters_per_histogram = 0 (expected > 0)");
    CHECK(invalid_argument_message([&] {
              static_cast<void>(loadkit::from_json(text, {.max_counters_total = 0}));
          }) == "loadkit::json_read_options: max_counters_total = 0 (expected > 0)");
}

// Found by reading the reader for what a fuzzed input can reach (fuzz_json's UBSan reports it on
// tests/fuzz/corpus/json/start_overflow): start_ns was checked against width_ns * index computed
// in 64 bits, which overflowed (undefined behaviour) for a width near 2^62.
TEST_CASE("from_json checks interval starts without overflow and bounds width_ns to 2^62",
          "[report][json][errors]") {
    const auto with_series = [](std::int64_t width, int intervals) {
        std::string list;
        for (int i = 0; i < intervals; ++i) {
            const std::int64_t start =
                i == 0 ? 0 : (i == 1 ? width : std::numeric_limits<std::int64_t>::max());
            list += std::string(i == 0 ? "" : ",") + "{\"start_ns\":" + std::to_string(start) +
                    ",\"ok\":0,\"errors\":0,\"timeouts\":0,\"dropped\":0,\"latency\":{\"count\":0,\"counts\":"
                    "[]}}";
        }
        std::string text = loadkit::to_json(loadkit::run_report{}, {.indent = 0, .summaries = false});
        const std::string empty =
            "\"width_ns\":0,\"max_intervals\":1024,\"sub_bucket_count\":256,\"intervals\":[]";
        text.replace(text.find(empty), empty.size(),
                     "\"width_ns\":" + std::to_string(width) +
                         ",\"max_intervals\":1024,\"sub_bucket_count\":256,\"intervals\":[" + list + "]");
        return text;
    };
    const std::int64_t widest = std::int64_t{1} << 62;
    const loadkit::run_report two = loadkit::from_json(with_series(widest, 2));
    REQUIRE(two.result.overall.intervals.intervals.size() == 2);
    CHECK(two.result.overall.intervals.start_of(1).count() == widest);
    const loadkit::json_error past = parse_error(with_series(widest, 3)); // 2 * 2^62 is past 2^63 - 1
    CHECK(past.path() == "result.overall.intervals.intervals[2].start_ns");
    CHECK(past.message() == "expected start_ns = index * width_ns (within 2^63 ns)");
    const loadkit::json_error wide = parse_error(with_series(widest + 1, 1));
    CHECK(wide.path() == "result.overall.intervals.width_ns");
    CHECK(wide.message() == "expected width_ns <= 2^62 (146 years), found 4611686018427387905");
}
