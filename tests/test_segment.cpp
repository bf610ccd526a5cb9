#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/detail/engine/profile_plan.hpp>
#include <loadkit/detail/engine/signal_stop.hpp>
#include <loadkit/engine.hpp>
#include <loadkit/manual_clock_executor.hpp>
#include <loadkit/pacer.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/segment.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;
using loadkit::execution_segment;
using loadkit::segment_bound;

namespace {

// Partitions of [0, 1) the striping and the blocks must tile exactly: equal shards, uneven ones,
// dyadic and not, decimals.
std::vector<std::vector<execution_segment>> partitions() {
    std::vector<std::vector<execution_segment>> out;
    for (std::uint64_t n : {1ULL, 2ULL, 3ULL, 4ULL, 5ULL, 7ULL, 8ULL, 10ULL, 16ULL, 100ULL}) {
        std::vector<execution_segment> p;
        for (std::uint64_t i = 0; i < n; ++i) {
            p.push_back(execution_segment::shard(i, n));
        }
        out.push_back(p);
    }
    out.push_back({execution_segment::parse("0:1/7"), execution_segment::parse("1/7:1/2"),
                   execution_segment::parse("1/2:1")});
    out.push_back({execution_segment::parse("0:0.1"), execution_segment::parse("0.1:0.35"),
                   execution_segment::parse("0.35:0.999"), execution_segment::parse("0.999:1")});
    out.push_back({execution_segment::parse("0:1/3"), execution_segment::parse("1/3:3/8"),
                   execution_segment::parse("3/8:5/6"), execution_segment::parse("5/6:1")});
    return out;
}

loadkit::run_options on_clock(loadkit::manual_clock_executor& clock) {
    loadkit::run_options o;
    o.sample_resources = false;
    o.report_stuck_to_stderr = false;
    o.manual_clock = &clock;
    return o;
}

// One operation as a run saw it: whose (global VU), which iteration or arrival, when it was meant to
// start (from the run's start), and a draw from the VU's random stream.
struct seen {
    std::uint64_t vu = 0;
    std::uint64_t iteration = 0;
    std::int64_t intended_ns = 0;
    std::uint64_t draw = 0;
    friend auto operator<=>(const seen&, const seen&) = default;
};

struct split_run {
    std::vector<seen> ops;
    std::uint64_t scheduled = 0;
    std::uint64_t ok = 0;
};

// A run on virtual time of `profile` (whole, or one segment); every operation recorded.
split_run run_part(const loadkit::profile& profile, std::optional<execution_segment> segment,
                   std::chrono::nanoseconds op_takes = 0ns, loadkit::think_time think = {}) {
    loadkit::manual_clock_executor clock;
    const auto t0 = clock.now();
    split_run out;
    loadkit::run_options o = on_clock(clock);
    o.segment = std::move(segment);
    loadkit::scenario s;
    s.name = "split";
    s.profile = profile;
    s.think = think;
    // An open model's arrival runs on whichever in-flight slot is free (its vu() and random stream
    // are the slot's): only its index and intended time are the schedule's.
    const bool open = loadkit::model_of(profile) == loadkit::latency_model::open;
    const auto record = [&out, t0, open](loadkit::op_context& ctx) {
        const std::uint64_t draw = ctx.random()();
        out.ops.push_back(
            {open ? 0 : ctx.vu(), ctx.iteration(), (ctx.intended_start() - t0).count(), open ? 0 : draw});
    };
    if (op_takes == 0ns) {
        s.operations.push_back({"op", loadkit::nonblocking(record)});
    } else {
        s.operations.push_back({"op", [record, op_takes](loadkit::op_context& ctx) -> loadkit::task<void> {
                                    record(ctx);
                                    co_await loadkit::sleep_for(op_takes);
                                }});
    }
    const loadkit::run_report r = loadkit::run(o, s);
    CHECK(r.result.reason == loadkit::stop_reason::completed);
    CHECK(tags_add_up(r.result));
    out.scheduled = scheduled_in_run(r.result.overall);
    out.ok = r.result.overall.ok;
    if (o.segment) {
        REQUIRE(r.segment);
        CHECK(r.segment->source == "option");
        CHECK(r.segment->segment == *o.segment);
    } else {
        CHECK_FALSE(r.segment);
    }
    std::sort(out.ops.begin(), out.ops.end());
    return out;
}

// The union of the runs of every segment of a partition, against one process's run.
void check_split_matches_whole(const loadkit::profile& profile, const std::vector<execution_segment>& parts,
                               std::chrono::nanoseconds op_takes = 0ns, loadkit::think_time think = {}) {
    const split_run whole = run_part(profile, std::nullopt, op_takes, think);
    REQUIRE_FALSE(whole.ops.empty());
    split_run all;
    for (const auto& part : parts) {
        const split_run one = run_part(profile, part, op_takes, think);
        all.ops.insert(all.ops.end(), one.ops.begin(), one.ops.end());
        all.scheduled += one.scheduled;
        all.ok += one.ok;
    }
    std::sort(all.ops.begin(), all.ops.end());
    CHECK(all.scheduled == whole.scheduled);
    CHECK(all.ok == whole.ok);
    CHECK(all.ops.size() == whole.ops.size());
    CHECK(std::adjacent_find(all.ops.begin(), all.ops.end()) == all.ops.end()); // no double
    CHECK(all.ops == whole.ops);                                                // no gap, same times
}

std::vector<execution_segment> shards(std::uint64_t n) {
    std::vector<execution_segment> out;
    for (std::uint64_t i = 0; i < n; ++i) {
        out.push_back(execution_segment::shard(i, n));
    }
    return out;
}

} // namespace

// ---- parsing ---------------------------------------------------------------------------------------

TEST_CASE("segment: k6's spellings and the shard form parse to exact bounds", "[segment]") {
    struct row {
        const char* text;
        segment_bound begin;
        segment_bound end;
        const char* canonical;
    };
    const row rows[] = {
        {"1/4:2/4", {1, 4}, {1, 2}, "1/4:2/4"},   {"0:1/3", {0, 1}, {1, 3}, "0:1/3"},
        {"0.25:0.5", {1, 4}, {1, 2}, "0.25:0.5"}, {"1/4", {1, 4}, {1, 2}, "1/4:2/4"},
        {"0/3", {0, 1}, {1, 3}, "0/3:1/3"},       {"2/3", {2, 3}, {1, 1}, "2/3:3/3"},
        {"0:1", {0, 1}, {1, 1}, "0:1"},           {"0/1", {0, 1}, {1, 1}, "0/1:1/1"},
        {"1/2:1", {1, 2}, {1, 1}, "1/2:1"},       {"0.1:0.123456789", {1, 10}, {123456789, 1000000000}, ""},
        {"0:1.0", {0, 1}, {1, 1}, "0:1.0"},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        const execution_segment s = execution_segment::parse(r.text);
        CHECK(s.from() == r.begin);
        CHECK(s.to() == r.end);
        if (*r.canonical != '\0') {
            CHECK(s.text() == r.canonical);
        }
    }
    CHECK(execution_segment{}.whole());
    CHECK(execution_segment::parse("0:1").whole());
    CHECK_FALSE(execution_segment::parse("0:1/2").whole());
    CHECK(execution_segment::shard(1, 4) == execution_segment::parse("0.25:0.5"));
    CHECK(execution_segment::shard(1, 4).text() == "1/4:2/4");
    CHECK(execution_segment({2, 8}, {3, 4}).text() == "1/4:3/4");
}

TEST_CASE("segment: every malformed text or range throws invalid_argument naming the text and what was "
          "expected",
          "[segment]") {
    const std::pair<const char*, const char*> rows[] = {
        {"", "\"i/N\""},
        {"abc", "\"i/N\""},
        {"1/4:", "\"i/N\""},
        {":1/4", "\"i/N\""},
        {" 1/4", "\"i/N\""},
        {"1/4 ", "\"i/N\""},
        {"-1/4", "\"i/N\""},
        {"+1/4", "\"i/N\""},
        {"0:-1/4", "\"i/N\""},
        {"1.5/4", "\"i/N\""},
        {"0x1/4", "\"i/N\""},
        {"1/4:2/4:3/4", "\"i/N\""},
        {"0.1234567891:1", "\"i/N\""}, // 10 decimals: past the denominator limit
        {"99999999999999999999/1", "\"i/N\""},
        {"1/0", "a shard count N >= 1"},
        {"4/4", "a shard index i < N"},
        {"5/4", "a shard index i < N"},
        {"0/1000000001", "a shard count N <= 1,000,000,000"},
        {"1/2:1/4", "from = 1/2 to be < to = 1/4"},
        {"1/2:2/4", "from = 1/2 to be < to = 1/2"},
        {"0.5:0.5", "from = 1/2 to be < to = 1/2"},
        {"0:3/2", "to = 3/2 to be in [0, 1]"},
        {"2:3", "from = 2/1 to be in [0, 1]"},
        {"0:1/0", "to = 1/0 to be a fraction with a denominator >= 1"},
        {"0:1/3000000001", "to = 1/3000000001 to be a fraction with a denominator <= 1,000,000,000"},
    };
    for (const auto& [text, expected] : rows) {
        INFO(text);
        const std::string message = invalid_argument_message([&] { (void)execution_segment::parse(text); });
        CHECK(
            contains(message, std::string("loadkit::execution_segment: text = \"") + text + "\" (expected "));
        CHECK(contains(message, expected));
    }
    // A fraction that reduces to within the limit is accepted.
    CHECK(execution_segment::parse("0:2000000000/4000000000").to() == segment_bound{1, 2});
    CHECK(invalid_argument_message([] {
              (void)execution_segment({1, 2}, {1, 4});
          }) == "loadkit::execution_segment: from = 1/2 (expected < to = 1/4)");
    CHECK(invalid_argument_message([] {
              (void)execution_segment({0, 1}, {5, 4});
          }) == "loadkit::execution_segment: to = 5/4 (expected in [0, 1])");
    CHECK(invalid_argument_message([] { (void)execution_segment::shard(4, 4); }) ==
          "loadkit::execution_segment::shard: index = 4 (expected < count = 4)");
    CHECK(invalid_argument_message([] { (void)execution_segment::shard(0, 0); }) ==
          "loadkit::execution_segment::shard: count = 0 (expected 1 .. 1,000,000,000)");
}

// ---- the arithmetic -------------------------------------------------------------------------------

TEST_CASE("segment: counted items split in blocks that tile 0 .. n-1 over any partition, each within 1 of "
          "its share",
          "[segment]") {
    for (const auto& parts : partitions()) {
        for (std::uint64_t n : {0ULL, 1ULL, 2ULL, 3ULL, 10ULL, 97ULL, 1000ULL, 10'000'000ULL, ~0ULL}) {
            std::uint64_t next = 0;
            for (const auto& s : parts) {
                INFO(s.text() << " of " << n);
                CHECK(s.first_of(n) == next);
                const double share = static_cast<double>(n) * s.width();
                CHECK(std::fabs(static_cast<double>(s.count_of(n)) - share) <= 1.0 + share * 1e-12);
                next += s.count_of(n);
            }
            CHECK(next == n);
        }
    }
    // The documented uneven split: 10 users over 3 shards are 3, 3 and 4.
    CHECK(execution_segment::shard(0, 3).count_of(10) == 3);
    CHECK(execution_segment::shard(1, 3).count_of(10) == 3);
    CHECK(execution_segment::shard(2, 3).count_of(10) == 4);
}

TEST_CASE("segment: striped sequences give every item to exactly one segment of any partition; dyadic "
          "segments hold floor or ceil of their share of every prefix, others within log2(K) + 1",
          "[segment]") {
    constexpr std::uint64_t items = 20'000;
    for (const auto& parts : partitions()) {
        std::vector<std::uint64_t> held(parts.size(), 0);
        for (std::uint64_t k = 0; k < items; ++k) {
            std::size_t owners = 0;
            for (std::size_t i = 0; i < parts.size(); ++i) {
                if (parts[i].owns(k)) {
                    ++owners;
                    ++held[i];
                }
            }
            REQUIRE(owners == 1); // no arrival lost, none doubled
            const std::uint64_t kk = k + 1;
            if (kk % 997 == 0 || kk == items) {
                for (std::size_t i = 0; i < parts.size(); ++i) {
                    const auto& s = parts[i];
                    INFO(s.text() << " after " << kk);
                    CHECK(s.owned_below(kk) == held[i]);
                    const double share = static_cast<double>(kk) * s.width();
                    const double off = std::fabs(static_cast<double>(held[i]) - share);
                    const bool dyadic =
                        (s.from().den & (s.from().den - 1)) == 0 && (s.to().den & (s.to().den - 1)) == 0;
                    CHECK(off < (dyadic ? 1.0 : std::log2(static_cast<double>(kk)) + 1.0));
                }
            }
        }
    }
    // nth_owned inverts owned_below, also far into the sequence.
    for (const auto& s : {execution_segment::parse("1/7:1/2"), execution_segment::shard(2, 3),
                          execution_segment::parse("0.999:1")}) {
        std::uint64_t r = 0;
        for (std::uint64_t k = 0; k < 5000; ++k) {
            if (s.owns(k)) {
                CHECK(s.nth_owned(r) == k);
                ++r;
            }
        }
        const std::uint64_t far = 3'600'000'000ULL;
        const std::uint64_t nth = s.nth_owned(s.owned_below(far));
        CHECK(nth >= far);
        CHECK(s.owns(nth));
        CHECK(s.owned_below(nth) == s.owned_below(far));
    }
}

TEST_CASE("segment: a pacer's loops within a segment, over every segment, issue each arrival of the "
          "schedule once at its one-process time",
          "[segment][pacer]") {
    const auto schedule = loadkit::rate_schedule::constant(2000, 3s);
    const loadkit::clock::time_point t0{};
    for (const auto& parts : partitions()) {
        std::vector<std::pair<std::uint64_t, loadkit::clock::time_point>> all;
        for (const auto& part : parts) {
            for (std::uint64_t loop = 0; loop < 3; ++loop) {
                loadkit::pacer p(t0, schedule, loop, 3, part);
                std::uint64_t k = 0;
                while (const auto t = p.next()) {
                    all.emplace_back(p.last_arrival(), *t);
                    CHECK(p.arrival(k) == p.last_arrival());
                    CHECK(p.intended(k) == t);
                    ++k;
                }
                CHECK(k == p.count());
            }
        }
        std::sort(all.begin(), all.end());
        REQUIRE(all.size() == 6000);
        for (std::uint64_t k = 0; k < all.size(); ++k) {
            REQUIRE(all[k].first == k);
            REQUIRE(all[k].second == t0 + *schedule.intended_offset(k));
        }
    }
}

TEST_CASE("segment: profiles split in counts that sum to the whole; open models split max_in_flight and "
          "max_queued, keeping at least one slot",
          "[segment]") {
    using loadkit::detail::share_of;
    const auto thirds = shards(3);
    std::uint64_t in_flight = 0;
    std::uint64_t queued = 0;
    std::uint64_t iterations = 0;
    std::uint64_t vus = 0;
    for (const auto& s : thirds) {
        const auto open = share_of(
            loadkit::constant_rate{.rate = 10, .duration = 1s, .max_in_flight = 100, .max_queued = 10}, s);
        in_flight += std::get<loadkit::constant_rate>(open.local).max_in_flight;
        queued += std::get<loadkit::constant_rate>(open.local).max_queued;
        CHECK(open.slots == std::get<loadkit::constant_rate>(open.local).max_in_flight);
        const auto shared = share_of(loadkit::shared_iterations{.vus = 7, .iterations = 1000}, s);
        const auto& local = std::get<loadkit::shared_iterations>(shared.local);
        CHECK(shared.first_iteration == iterations);
        CHECK(shared.first_vu == vus);
        iterations += local.iterations;
        vus += local.vus;
        const auto one = share_of(loadkit::constant_rate{.rate = 10, .duration = 1s, .max_in_flight = 1}, s);
        CHECK(std::get<loadkit::constant_rate>(one.local).max_in_flight == 1);
    }
    CHECK(in_flight == 100);
    CHECK(queued == 10);
    CHECK(iterations == 1000);
    CHECK(vus == 7);
    // A share without users has no iterations to run.
    const auto none = share_of(loadkit::shared_iterations{.vus = 2, .iterations = 1000}, shards(3)[0]);
    CHECK(std::get<loadkit::shared_iterations>(none.local).vus == 0);
    CHECK(std::get<loadkit::shared_iterations>(none.local).iterations == 0);
}

// ---- runs in virtual time --------------------------------------------------------------------------

TEST_CASE("segment: 4 runs of constant_rate 2,000/s for 3 s, one per quarter, schedule exactly the 6,000 "
          "arrivals of one process at the same intended times",
          "[segment][engine]") {
    const loadkit::profile p = loadkit::constant_rate{.rate = 2000, .duration = 3s, .max_in_flight = 200};
    std::uint64_t total = 0;
    for (const auto& part : shards(4)) {
        const split_run one = run_part(p, part);
        CHECK(one.scheduled == 1500); // dyadic: exactly a quarter
        total += one.scheduled;
    }
    CHECK(total == 6000);
    check_split_matches_whole(p, shards(4));
    check_split_matches_whole(p, shards(3));
    check_split_matches_whole(loadkit::ramping_rate{.start_rate = 0, .stages = {{1000, 1s}, {200, 1s}}},
                              {execution_segment::parse("0:1/7"), execution_segment::parse("1/7:1/2"),
                               execution_segment::parse("1/2:1")});
}

TEST_CASE("segment: shared_iterations 1,000 over 3 shards runs exactly iterations 0 .. 999, each once",
          "[segment][engine]") {
    const loadkit::profile p = loadkit::shared_iterations{.vus = 10, .iterations = 1000};
    std::vector<std::uint64_t> numbers;
    for (const auto& part : shards(3)) {
        const split_run one = run_part(p, part, 1ms);
        for (const auto& op : one.ops) {
            numbers.push_back(op.iteration);
        }
    }
    std::sort(numbers.begin(), numbers.end());
    REQUIRE(numbers.size() == 1000);
    for (std::uint64_t i = 0; i < numbers.size(); ++i) {
        REQUIRE(numbers[i] == i);
    }
}

TEST_CASE("segment: burst, waves, constant_vus, per_vu_iterations and ramping_vus split so that the shards "
          "together run one process's operations: same VU numbers, iterations, times and random draws",
          "[segment][engine]") {
    const std::vector<std::vector<execution_segment>> splits{shards(3),
                                                             shards(4),
                                                             {execution_segment::parse("0:1/7"),
                                                              execution_segment::parse("1/7:1/2"),
                                                              execution_segment::parse("1/2:1")}};
    for (const auto& parts : splits) {
        INFO(parts.size() << " parts");
        check_split_matches_whole(loadkit::burst{.n = 10}, parts, 5ms);
        check_split_matches_whole(loadkit::waves{.count = 3, .size = 10, .pause = 10ms}, parts, 5ms);
        check_split_matches_whole(loadkit::constant_vus{.vus = 10, .duration = 1s}, parts, 30ms,
                                  loadkit::between(10ms, 50ms));
        check_split_matches_whole(loadkit::per_vu_iterations{.vus = 10, .iterations = 7}, parts, 5ms,
                                  loadkit::between(1ms, 20ms));
        check_split_matches_whole(
            loadkit::ramping_vus{.start_vus = 1, .stages = {{10, 1s}, {10, 500ms}, {3, 1s}, {12, 1s}}}, parts,
            40ms, loadkit::between(1ms, 9ms));
    }
}

TEST_CASE("segment: a shard with no users of a small profile runs nothing and ends at once",
          "[segment][engine]") {
    const split_run none = run_part(loadkit::burst{.n = 2}, execution_segment::shard(0, 4), 5ms);
    CHECK(none.ops.empty());
    CHECK(none.scheduled == 0);
}

// ---- the environment ---------------------------------------------------------------------------------

namespace {
using environment = std::map<std::string, std::string>;

std::optional<loadkit::segment_assignment> from(const environment& env) {
    return loadkit::segment_from_environment([&env](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    });
}
std::string error_of(const environment& env) {
    return invalid_argument_message([&] { (void)from(env); });
}
} // namespace

TEST_CASE("segment: the environment names the segment through LOADKIT_SEGMENT or a launcher's rank and size",
          "[segment][environment]") {
    CHECK_FALSE(from({}));
    CHECK_FALSE(from({{"PATH", "/bin"}, {"SLURM_NTASKS", "4"}})); // a size alone names no process

    struct row {
        environment env;
        const char* source;
        const char* text;
        std::optional<std::uint64_t> rank;
        std::optional<std::uint64_t> size;
        const char* described;
    };
    const row rows[] = {
        {{{"LOADKIT_SEGMENT", "1/4:2/4"}}, "LOADKIT_SEGMENT", "1/4:2/4", {}, {}, "1/4:2/4 (LOADKIT_SEGMENT)"},
        {{{"LOADKIT_SEGMENT", "2/3"}}, "LOADKIT_SEGMENT", "2/3:3/3", {}, {}, "2/3:3/3 (LOADKIT_SEGMENT)"},
        // LOADKIT_SEGMENT wins over a launcher, whose variables are then not read.
        {{{"LOADKIT_SEGMENT", "0:0.5"}, {"SLURM_PROCID", "x"}}, "LOADKIT_SEGMENT", "0:0.5", {}, {}, ""},
        {{{"JOB_COMPLETION_INDEX", "2"}, {"LOADKIT_SEGMENT_COUNT", "4"}},
         "kubernetes",
         "2/4:3/4",
         2,
         4,
         "2/4:3/4 (kubernetes rank 2 of 4)"},
        {{{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "4"}, {"PMIX_RANK", "1"}},
         "mpi",
         "1/4:2/4",
         1,
         4,
         "1/4:2/4 (mpi rank 1 of 4)"},
        {{{"PMI_RANK", "0"}, {"PMI_SIZE", "2"}}, "mpi", "0/2:1/2", 0, 2, ""},
        {{{"PMIX_RANK", "3"}, {"PMIX_SIZE", "5"}}, "mpi", "3/5:4/5", 3, 5, ""},
        {{{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}}, "slurm", "0/1:1/1", 0, 1, ""},
        // srun under MPI: both agree; the MPI launcher is named.
        {{{"SLURM_PROCID", "2"}, {"SLURM_NTASKS", "3"}, {"PMI_RANK", "2"}, {"PMI_SIZE", "3"}},
         "mpi",
         "2/3:3/3",
         2,
         3,
         ""},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        const auto a = from(r.env);
        REQUIRE(a);
        CHECK(a->source == r.source);
        CHECK(a->segment.text() == r.text);
        CHECK(a->rank == r.rank);
        CHECK(a->size == r.size);
        if (*r.described != '\0') {
            CHECK(a->describe() == r.described);
        }
    }
}

TEST_CASE("segment: a malformed or conflicting environment throws naming the variable and its value",
          "[segment][environment]") {
    const std::pair<environment, const char*> rows[] = {
        {{{"LOADKIT_SEGMENT", "4/4"}},
         "loadkit::segment_from_environment: LOADKIT_SEGMENT = \"4/4\" (expected a shard index i < N"},
        {{{"LOADKIT_SEGMENT", ""}},
         "loadkit::segment_from_environment: LOADKIT_SEGMENT = \"\" (expected \"i/N\""},
        {{{"JOB_COMPLETION_INDEX", "1"}},
         "JOB_COMPLETION_INDEX = 1 (expected its count in LOADKIT_SEGMENT_COUNT, which is not set)"},
        {{{"JOB_COMPLETION_INDEX", "4"}, {"LOADKIT_SEGMENT_COUNT", "4"}},
         "JOB_COMPLETION_INDEX = 4 (expected < LOADKIT_SEGMENT_COUNT = 4)"},
        {{{"JOB_COMPLETION_INDEX", "0"}, {"LOADKIT_SEGMENT_COUNT", "0"}},
         "LOADKIT_SEGMENT_COUNT = 0 (expected 1 .. 1,000,000,000 processes)"},
        {{{"OMPI_COMM_WORLD_RANK", "-1"}, {"OMPI_COMM_WORLD_SIZE", "4"}},
         "OMPI_COMM_WORLD_RANK = \"-1\" (expected a whole number >= 0)"},
        {{{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "four"}},
         "OMPI_COMM_WORLD_SIZE = \"four\" (expected a whole number >= 0)"},
        {{{"PMI_RANK", ""}, {"PMI_SIZE", "4"}}, "PMI_RANK = \"\" (expected a whole number >= 0)"},
        {{{"PMI_RANK", " 1"}, {"PMI_SIZE", "4"}}, "PMI_RANK = \" 1\" (expected a whole number >= 0)"},
        {{{"PMIX_RANK", "1"}}, "PMIX_RANK = 1 (expected its count in PMIX_SIZE or OMPI_COMM_WORLD_SIZE"},
        {{{"SLURM_PROCID", "99999999999999999999"}, {"SLURM_NTASKS", "4"}},
         "SLURM_PROCID = \"99999999999999999999\" (expected a whole number >= 0)"},
        {{{"SLURM_PROCID", "4"}, {"SLURM_NTASKS", "4"}}, "SLURM_PROCID = 4 (expected < SLURM_NTASKS = 4)"},
        {{{"SLURM_PROCID", "1"},
          {"SLURM_NTASKS", "4"},
          {"OMPI_COMM_WORLD_RANK", "2"},
          {"OMPI_COMM_WORLD_SIZE", "4"}},
         "SLURM_PROCID = 1, SLURM_NTASKS = 4 (expected the rank and size of OMPI_COMM_WORLD_RANK = 2, "
         "OMPI_COMM_WORLD_SIZE = 4: the launchers disagree)"},
        {{{"PMI_RANK", "1"}, {"PMI_SIZE", "3"}, {"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "4"}},
         "PMI_RANK = 1, PMI_SIZE = 3 (expected the rank and size of OMPI_COMM_WORLD_RANK = 1"},
    };
    for (const auto& [env, expected] : rows) {
        INFO(expected);
        CHECK(contains(error_of(env), expected));
    }
}

// ---- the common start and the report ------------------------------------------------------------------

TEST_CASE("segment: start_at in virtual time waits on the run's clock, and the report records it with a "
          "skew of 0; one in the past starts at once with a positive skew",
          "[segment][engine]") {
    {
        loadkit::manual_clock_executor clock;
        const auto t0 = clock.now();
        loadkit::run_options o = on_clock(clock);
        const auto at = std::chrono::system_clock::now() + 10s;
        o.start_at = at;
        loadkit::clock::time_point first{};
        const auto r = loadkit::run(
            loadkit::burst{.n = 1},
            {"op", loadkit::nonblocking([&](loadkit::op_context& ctx) { first = ctx.start(); })}, o);
        CHECK(first - t0 > 9s); // the wall-clock wait, taken on the virtual clock
        CHECK(first - t0 <= 10s);
        REQUIRE(r.start_at);
        CHECK(*r.start_at == at);
        REQUIRE(r.start_skew);
        CHECK(*r.start_skew == 0ns);
        CHECK(r.started == at);
        CHECK(contains(loadkit::to_console(r), "start skew +0.0 ms"));
    }
    {
        loadkit::manual_clock_executor clock;
        const auto t0 = clock.now();
        loadkit::run_options o = on_clock(clock);
        o.start_at = std::chrono::system_clock::now() - 5s;
        loadkit::clock::time_point first{};
        const auto r = loadkit::run(
            loadkit::burst{.n = 1},
            {"op", loadkit::nonblocking([&](loadkit::op_context& ctx) { first = ctx.start(); })}, o);
        CHECK(first == t0);
        REQUIRE(r.start_skew);
        CHECK(*r.start_skew >= 5s);
        CHECK(*r.start_skew < 5min);
    }
    {
        loadkit::manual_clock_executor clock;
        const auto r =
            loadkit::run(loadkit::burst{.n = 1}, {"op", loadkit::nonblocking([](loadkit::op_context&) {})},
                         on_clock(clock));
        CHECK_FALSE(r.start_at);
        CHECK_FALSE(r.start_skew);
        CHECK_FALSE(r.segment);
    }
}

TEST_CASE("segment: the report's segment, start_at and skew round-trip through JSON and show on one console "
          "line",
          "[segment][report]") {
    loadkit::run_report report;
    report.segment = loadkit::segment_assignment{execution_segment::shard(1, 4), "mpi", 1, 4};
    report.start_at = std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}};
    report.start_skew = 300us;
    const std::string text = loadkit::to_json(report);
    CHECK(contains(text, "\"version\": 4,"));
    CHECK(contains(text, "\"segment\": {\"text\": \"1/4:2/4\", \"from\": [1, 4], \"to\": [1, 2], \"source\": "
                         "\"mpi\", \"rank\": 1, \"size\": 4}"));
    const loadkit::run_report back = loadkit::from_json(text);
    REQUIRE(back.segment);
    CHECK(back.segment->segment == execution_segment::shard(1, 4));
    CHECK(back.segment->segment.text() == "1/4:2/4");
    CHECK(back.segment->source == "mpi");
    CHECK(back.segment->rank == 1);
    CHECK(back.segment->size == 4);
    CHECK(back.start_at == report.start_at);
    CHECK(back.start_skew == 300us);
    CHECK(contains(loadkit::to_console(report), "segment 1/4:2/4 (mpi rank 1 of 4), start skew +0.3 ms"));

    // Without them: nulls, read back as absent; a version 3 report lacks the members altogether.
    const std::string plain = loadkit::to_json(loadkit::run_report{});
    CHECK(contains(plain, "\"segment\": null"));
    const loadkit::run_report plain_back = loadkit::from_json(plain);
    CHECK_FALSE(plain_back.segment);
    CHECK_FALSE(plain_back.start_at);
    CHECK_FALSE(plain_back.start_skew);
    std::string v3 = plain;
    v3.replace(v3.find("\"version\": 4"), 12, "\"version\": 3");
    for (const char* member :
         {",\n  \"start_at_unix_ns\": null", ",\n  \"start_skew_ns\": null", ",\n  \"segment\": null"}) {
        REQUIRE(v3.find(member) != std::string::npos);
        v3.erase(v3.find(member), std::string(member).size());
    }
    CHECK_FALSE(loadkit::from_json(v3).segment);

    // A segment whose text and bounds disagree is an error, not a silent guess.
    std::string wrong = text;
    wrong.replace(wrong.find("\"to\": [1, 2]"), 12, "\"to\": [3, 4]");
    CHECK(contains(invalid_argument_message([&] { (void)loadkit::from_json(wrong); }),
                   "is not the segment of from and to"));
    std::string bad = text;
    bad.replace(bad.find("\"text\": \"1/4:2/4\""), 17, "\"text\": \"1/4:1/4\"");
    CHECK(
        contains(invalid_argument_message([&] { (void)loadkit::from_json(bad); }), "from = 1/4 to be < to"));
}

// ---- real time -------------------------------------------------------------------------------------

TEST_CASE("segment: on real threads, 3 shards of constant_rate over 2 event loops each run every arrival "
          "of the schedule exactly once",
          "[segment][engine][threads]") {
    std::vector<std::uint64_t> numbers;
    std::uint64_t scheduled = 0;
    for (const auto& part : shards(3)) {
        std::mutex mutex;
        loadkit::run_options o;
        o.threads = 2;
        o.sample_resources = false;
        o.report_stuck_to_stderr = false;
        o.segment = part;
        const auto r =
            loadkit::run(loadkit::constant_rate{.rate = 2000, .duration = 200ms, .max_in_flight = 1000},
                         {"op", loadkit::nonblocking([&](loadkit::op_context& ctx) {
                              const std::lock_guard<std::mutex> lock(mutex);
                              numbers.push_back(ctx.iteration());
                          })},
                         o);
        CHECK(tags_add_up(r.result));
        CHECK(r.result.overall.dropped == 0);
        scheduled += scheduled_in_run(r.result.overall);
    }
    std::sort(numbers.begin(), numbers.end());
    CHECK(scheduled == 400);
    REQUIRE(numbers.size() == 400);
    for (std::uint64_t i = 0; i < numbers.size(); ++i) {
        REQUIRE(numbers[i] == i);
    }
}

TEST_CASE("segment: 4 runs on 4 threads given one start_at start together and report their skew",
          "[segment][engine][threads]") {
    const auto at = std::chrono::system_clock::now() + 300ms;
    std::vector<loadkit::run_report> reports(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < reports.size(); ++i) {
        threads.emplace_back([&reports, i, at] {
            loadkit::run_options o;
            o.sample_resources = false;
            o.segment = execution_segment::shard(i, 4);
            o.start_at = at;
            reports[i] = loadkit::run(loadkit::burst{.n = 8},
                                      {"op", loadkit::nonblocking([](loadkit::op_context&) {})}, o);
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    // The wake-up is the kernel's: 0.07-0.3 ms here with the other core busy (load 5 on 2 cores), but
    // a scheduler may hold a woken thread for a time slice (several ms) on a loaded machine, so the
    // bound keeps a margin; loose unless the build is optimized and unsanitized.
    const auto bound = tight_timing ? std::chrono::milliseconds{25} : std::chrono::milliseconds{500};
    for (const auto& r : reports) {
        REQUIRE(r.start_skew);
        CHECK(*r.start_skew > -1ms); // not before it (a little either way: two clocks are read)
        CHECK(*r.start_skew < bound);
        CHECK(r.result.overall.ok == 2);
        CHECK(r.start_at == at);
    }
    const auto [first, last] = std::minmax_element(
        reports.begin(), reports.end(), [](const auto& a, const auto& b) { return a.started < b.started; });
    CHECK(last->started - first->started < bound);
}

TEST_CASE("segment: a stop request ends a wait for a distant start_at", "[segment][engine][threads]") {
    std::stop_source stop;
    loadkit::run_options o;
    o.sample_resources = false;
    o.start_at = std::chrono::system_clock::now() + 1h;
    o.stop = stop.get_token();
    std::thread stopper([&stop] {
        std::this_thread::sleep_for(50ms);
        stop.request_stop();
    });
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = loadkit::run(
        loadkit::constant_vus{.vus = 1, .duration = 1h},
        {"op", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(1ms); }}, o);
    stopper.join();
    CHECK(std::chrono::steady_clock::now() - t0 < 30s);
    CHECK(r.result.reason == loadkit::stop_reason::interrupted);
    REQUIRE(r.start_skew);
    CHECK(*r.start_skew < -50min); // it started long before start_at: the skew says so
}

TEST_CASE("segment: a share of max_in_flight smaller than the event loops still serves every arrival (the "
          "arrivals go to the loops that have a slot)",
          "[segment][engine][threads]") {
    for (const std::optional<execution_segment>& part :
         {std::optional<execution_segment>{},
          std::optional<execution_segment>{execution_segment::shard(3, 4)}}) {
        loadkit::run_options o;
        o.threads = 2;
        o.sample_resources = false;
        o.report_stuck_to_stderr = false;
        o.segment = part;
        // Whole: 1 slot for 2 loops; shard 3 of 4: a quarter of 4 slots, 1, for 2 loops.
        const auto r = loadkit::run(
            loadkit::constant_rate{.rate = 1000, .duration = 200ms, .max_in_flight = part ? 4U : 1U},
            {"op", loadkit::nonblocking([](loadkit::op_context&) {})}, o);
        CHECK(tags_add_up(r.result));
        CHECK(r.result.overall.dropped == 0);
        CHECK(r.result.overall.ok == (part ? 50U : 200U));
    }
}

#if defined(__unix__) || defined(__APPLE__)
TEST_CASE("segment: with handle_signals, SIGINT ends a wait for a distant start_at and the run stops as "
          "interrupted",
          "[segment][engine][threads]") {
    loadkit::run_options o;
    o.sample_resources = false;
    o.handle_signals = true;
    o.start_at = std::chrono::system_clock::now() + 1h;
    std::atomic<bool> done{false};
    std::thread raiser([&done] {
        // Only once the run's handler is in place: before it, SIGINT would end the test process.
        for (;;) {
            struct sigaction current {};
            sigaction(SIGINT, nullptr, &current);
            if (current.sa_handler == &loadkit::detail::loadkit_on_stop_signal || done.load()) {
                break;
            }
            std::this_thread::sleep_for(1ms);
        }
        if (!done.load()) {
            std::raise(SIGINT);
        }
    });
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = loadkit::run(
        loadkit::constant_vus{.vus = 1, .duration = 1h},
        {"op", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(1ms); }}, o);
    done.store(true);
    raiser.join();
    CHECK(std::chrono::steady_clock::now() - t0 < 30s);
    CHECK(r.result.reason == loadkit::stop_reason::interrupted);
    CHECK(r.result.reason_text == "stop signal while waiting for start_at");
}
#endif

TEST_CASE("segment: live progress of a ramping_vus shard counts its own users of the test's ramp",
          "[segment][engine]") {
    loadkit::manual_clock_executor clock;
    loadkit::run_options o = on_clock(clock);
    o.segment = execution_segment::shard(0, 2);
    std::vector<std::string> phases;
    o.on_progress = [&phases](const loadkit::run_progress& p) { phases.push_back(p.phase); };
    o.progress_interval = 500ms;
    const auto r = loadkit::run(
        loadkit::ramping_vus{.start_vus = 10, .stages = {{10, 2s}}},
        {"op", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(100ms); }}, o);
    CHECK(r.result.overall.ok > 0);
    // Users 0 .. 9 of the test; this half holds the 5 whose points fall in [0, 1/2): 0, 2, 4, 6, 8.
    CHECK(std::find(phases.begin(), phases.end(), "op: 5 of the test's 10 VUs") != phases.end());
}
