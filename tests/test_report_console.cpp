#include "catch.hpp"
#include "report_sample.hpp"
#include "test_support.hpp"

#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/error_category.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

// The lines of the section whose title starts with `title` (up to the next blank line).
std::vector<std::string> section(const std::string& text, const std::string& title) {
    std::vector<std::string> out;
    bool inside = false;
    for (const auto& line : lines_of(text)) {
        if (!inside && line.rfind(title, 0) == 0) {
            inside = true;
        } else if (inside && line.empty()) {
            break;
        }
        if (inside) {
            out.push_back(line);
        }
    }
    return out;
}

// The row of a table section that starts with "  <label> ".
std::string row(const std::vector<std::string>& lines, const std::string& label) {
    for (const auto& line : lines) {
        if (line.rfind("  " + label + " ", 0) == 0) {
            return line;
        }
    }
    return "(no row " + label + ")";
}

// Whitespace-separated fields of a line.
std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string f; in >> f;) {
        out.push_back(f);
    }
    return out;
}

loadkit::console_options plain() {
    loadkit::console_options o;
    o.color = loadkit::color_mode::never;
    o.unicode = false;
    return o;
}

} // namespace

TEST_CASE("units: durations in the unit that suits them with 4 significant digits, counts with separators",
          "[report][console][format]") {
    using loadkit::detail::human_duration;
    CHECK(human_duration(153'200'000ns) == "153.2ms");
    CHECK(human_duration(850ns) == "850ns");
    CHECK(human_duration(999'960ns, false) == "1.000ms"); // rounding picks the unit, never "1000us"
    CHECK(human_duration(1'532ns) == "1.532\xC2\xB5s");
    CHECK(human_duration(1'532ns, false) == "1.532us");
    CHECK(human_duration(12'345'000'000ns) == "12.35s");
    CHECK(human_duration(125s) == "2m05s");
    CHECK(human_duration(3725s) == "1h02m");
    CHECK(loadkit::detail::human_span(5s) == "5s");
    CHECK(loadkit::detail::human_span(31200ms) == "31.2s");
    CHECK(loadkit::detail::human_count(0) == "0");
    CHECK(loadkit::detail::human_count(27312) == "27,312");
    CHECK(loadkit::detail::human_count(1234567) == "1,234,567");
    CHECK(loadkit::detail::human_rate(1234.0) == "1.23k/s");
    CHECK(loadkit::detail::human_rate(62.04) == "62.0/s");
    CHECK(loadkit::detail::human_bytes(13107200.0) == "12.5 MiB");
    CHECK(loadkit::detail::human_bytes(512.0) == "512 B");
    CHECK(loadkit::detail::human_bytes_delta(-2048.0) == "-2.00 KiB");
    CHECK(loadkit::detail::human_percent(0.0059) == "0.59%");
    CHECK(loadkit::detail::human_percent(0.000037) == "0.0037%"); // small, never shown as zero
    CHECK(loadkit::detail::human_percent(0.99999) == "99.999%");  // short of 100, never shown as 100
    CHECK(loadkit::detail::human_percent(0.0) == "0%");
    CHECK(loadkit::detail::human_clock(125s) == "2:05");
    CHECK(loadkit::detail::human_clock(3723s) == "1:02:03");
}

TEST_CASE("to_console shows count, ok, failed, error rate and throughput per tag and for all",
          "[report][console]") {
    const auto report = report_sample::known();
    const std::string text = loadkit::to_console(report, plain());
    const auto table = section(text, "Throughput and errors");
    REQUIRE(!table.empty());
    CHECK(fields(table[1]) ==
          std::vector<std::string>{"tag", "count", "ok", "failed", "error", "rate", "throughput"});
    CHECK(fields(row(table, "fast")) ==
          std::vector<std::string>{"fast", "1,000", "990", "10", "1.00%", "100/s"});
    CHECK(fields(row(table, "slow")) == std::vector<std::string>{"slow", "500", "500", "0", "0%", "50.0/s"});
    CHECK(fields(row(table, "all")) ==
          std::vector<std::string>{"all", "1,500", "1,490", "10", "0.67%", "150/s"});
}

TEST_CASE("to_console shows min/avg/p50/p90/p95/p99/p99.9/max/stddev of each tag's histogram",
          "[report][console]") {
    const auto report = report_sample::known();
    const std::string text = loadkit::to_console(report, plain());
    const auto table = section(text, "Latency (from the actual start)");
    REQUIRE(!table.empty());
    CHECK(fields(table[1]) == std::vector<std::string>{"tag", "min", "avg", "p50", "p90", "p95", "p99",
                                                       "p99.9", "max", "stddev"});
    const auto& fast = report.result.find("fast")->latency;
    const auto d = [](auto v) { return loadkit::detail::human_duration(v, false); };
    CHECK(fields(row(table, "fast")) ==
          std::vector<std::string>{"fast", d(fast.min()), d(fast.mean()), d(fast.value_at_percentile(50)),
                                   d(fast.value_at_percentile(90)), d(fast.value_at_percentile(95)),
                                   d(fast.value_at_percentile(99)), d(fast.value_at_percentile(99.9)),
                                   d(fast.max()), d(fast.stddev())});
    // The figures themselves: 1..1000 us uniformly.
    const auto f = fields(row(table, "fast"));
    CHECK(f[1] == "1.000us");
    CHECK(f[3].rfind("500.", 0) == 0); // p50 ~ 500 us (histogram midpoint within 0.05 %)
    CHECK(f[6].rfind("990.", 0) == 0); // p99
    CHECK(f[8] == "1.000ms");          // max, exact
    CHECK(fields(row(table, "slow"))[3] == "10.00ms");
    CHECK(contains(text, "closed model: latency is closed-loop (from the actual start)"));
    CHECK(!contains(text, "Service time"));
}

TEST_CASE("every figure of a table ends in the column of its header (right-aligned)", "[report][console]") {
    const std::string text = loadkit::to_console(report_sample::rich(), plain());
    for (const char* title :
         {"Throughput and errors", "Response time", "Service time", "Warm-up vs steady"}) {
        const auto table = section(text, title);
        REQUIRE(table.size() > 3);
        const std::string& header = table[1];
        // Right edge of each header word (after the first column, which is left-aligned).
        std::vector<std::size_t> edges;
        for (std::size_t i = 1; i < header.size(); ++i) { // columns are 2 spaces apart, words 1
            if (header[i] != ' ' && (i + 1 == header.size() || header.compare(i + 1, 2, "  ") == 0)) {
                edges.push_back(i);
            }
        }
        edges.erase(edges.begin()); // "tag"
        for (std::size_t r = 2; r < table.size(); ++r) {
            const std::string& line = table[r];
            if (line.find("---") != std::string::npos) {
                continue; // the rule before "all"
            }
            if (r > 2 && table[r - 1].rfind("  all ", 0) == 0) {
                break; // notes under the table
            }
            for (const std::size_t e : edges) {
                if (contains(header, "phase") && e < header.find("phase") + 5) {
                    continue; // the left-aligned phase column
                }
                INFO(title << ": " << line);
                if (e >= line.size()) {
                    continue; // an empty last cell (no cold/warm ratio on a "warm" row)
                }
                CHECK(line[e] != ' ');
                CHECK((e + 1 == line.size() || line[e + 1] == ' '));
            }
        }
    }
}

TEST_CASE("no line is wider than console_options::width", "[report][console]") {
    const auto report = report_sample::rich();
    for (const std::size_t width : {60U, 80U, 100U, 132U}) {
        for (const bool unicode : {true, false}) {
            loadkit::console_options o = plain();
            o.width = width;
            o.unicode = unicode;
            for (const auto& line : lines_of(loadkit::to_console(report, o))) {
                INFO("width " << width << ": " << line);
                CHECK(loadkit::detail::console_width(line) <= width);
            }
        }
    }
}

TEST_CASE("the warm-up is shown beside the steady state only when the run had one", "[report][console]") {
    const std::string rich = loadkit::to_console(report_sample::rich(), plain());
    const auto warm = section(rich, "Warm-up vs steady state");
    REQUIRE(!warm.empty());
    CHECK(contains(warm[0], "the first 5s"));
    CHECK(contains(row(warm, "checkout"), "cold"));
    CHECK(contains(rich, "(steady state, after a 5s warm-up)"));
    const std::string known = loadkit::to_console(report_sample::known(), plain());
    CHECK(!contains(known, "Warm-up"));
    CHECK(!contains(known, "warm-up"));
}

TEST_CASE("an open-model run shows response and service time apart and counts dropped operations",
          "[report][console]") {
    const auto report = report_sample::rich();
    const std::string text = loadkit::to_console(report, plain());
    CHECK(contains(text, "open model: latency is the response time, from each operation's intended start"));
    CHECK(!section(text, "Response time (from the intended start)").empty());
    CHECK(!section(text, "Service time (from the actual start)").empty());
    const auto table = section(text, "Throughput and errors");
    CHECK(contains(table[1], "dropped"));
    const std::string dropped = loadkit::detail::human_count(report.result.overall.dropped);
    CHECK(fields(row(table, "all")).back() == dropped);
    CHECK(contains(text, dropped + " operations were dropped"));
    CHECK(contains(table[1], "scheduled"));
    CHECK(!contains(text, "unaccounted"));
}

TEST_CASE("operations scheduled but never filed under an outcome are reported as unaccounted for",
          "[report][console]") {
    loadkit::run_report report;
    report.result.overall.scheduled = 10;
    report.result.overall.ok = 8;
    const std::string text = loadkit::to_console(report, plain());
    CHECK(contains(text, "10 operations were scheduled but 8 ended"));
    CHECK(contains(text, "; 2 are")); // "2 are unaccounted for", wrapped at 100 columns
    CHECK(contains(text, "unaccounted for."));
    report.result.overall.scheduled = 0; // not counted (a recorder written to directly): no claim
    CHECK(!contains(loadkit::to_console(report, plain()), "scheduled"));
}

TEST_CASE("errors are listed by category with their most frequent messages and counts", "[report][console]") {
    const auto report = report_sample::rich();
    const std::string text = loadkit::to_console(report, plain());
    const auto errors = section(text, "Errors (");
    REQUIRE(!errors.empty());
    const loadkit::error_category* http = report.result.find("checkout")->find_error("http");
    REQUIRE(http != nullptr);
    CHECK(contains(row(errors, "checkout"), "http"));
    CHECK(contains(row(errors, "checkout"), loadkit::detail::human_count(http->count)));
    for (const auto& m : http->messages) {
        bool found = false;
        for (const auto& line : errors) {
            found = found || (contains(line, loadkit::detail::human_count(m.count) + "x  " + m.text));
        }
        CHECK(found);
    }
    CHECK(contains(text, "(timeout)"));
    CHECK(contains(text, "connection reset by peer"));

    loadkit::console_options counts_only = plain();
    counts_only.max_error_messages = 0;
    CHECK(!contains(loadkit::to_console(report, counts_only), "503 service unavailable"));
}

TEST_CASE("verdicts: SLO lines with PASS/FAIL marks, the leak line, stuck operations, exit code",
          "[report][console]") {
    const auto report = report_sample::rich();
    const std::string text = loadkit::to_console(report, plain());
    const auto verdict = section(text, "Verdict");
    REQUIRE(!verdict.empty());
    for (const auto& v : report.slo->verdicts) {
        CHECK(contains(text, std::string(v.passed ? "+ " : "x ") + v.line.substr(0, 40)));
    }
    CHECK(contains(text, "x FAIL: p99 < 50ms"));
    CHECK(contains(text, "leak  + no leak: heap floor slope"));
    CHECK(contains(text, "stuck x 1 operation was stuck:"));
    CHECK(contains(text, "checkout / checkout: VU 17, iteration 342, running for 31.2s (abandoned"));
    CHECK(contains(verdict.back(), "FAILED: 1 of 4 objectives failed, 1 stuck (exit code 99)"));

    auto passing = report_sample::known();
    CHECK(contains(loadkit::to_console(passing, plain()), "PASSED (exit code 0)"));
}

TEST_CASE("a run that did not complete says why and that the result is partial", "[report][console]") {
    auto report = report_sample::known();
    report.result.reason = loadkit::stop_reason::interrupted;
    report.result.reason_text = "SIGINT";
    loadkit::console_options o = plain();
    CHECK(contains(loadkit::to_console(report, o), "stopped early: interrupted (SIGINT) - partial result"));
    o.unicode = true;
    CHECK(contains(loadkit::to_console(report, o),
                   "stopped early: interrupted (SIGINT) \xE2\x80\x94 partial result"));
    report.result.reason = loadkit::stop_reason::completed;
    CHECK(!contains(loadkit::to_console(report, o), "stopped early"));
}

TEST_CASE("resources: RSS start to end and peak, heap, CPU user/system, threads, open files",
          "[report][console]") {
    const auto report = report_sample::rich();
    const std::string text = loadkit::to_console(report, plain());
    const auto res = section(text, "Resources (131 samples over 1m05s");
    REQUIRE(res.size() == 6);
    const auto mib = [](std::uint64_t b) { return loadkit::detail::human_bytes(static_cast<double>(b)); };
    CHECK(contains(row(res, "RSS"), mib(*report.resources.front().rss_bytes) + " -> " +
                                        mib(*report.resources.back().rss_bytes)));
    CHECK(contains(row(res, "RSS"), "peak 55.0 MiB"));
    CHECK(contains(row(res, "heap"), mib(*report.resources.front().heap_in_use_bytes)));
    CHECK(contains(row(res, "CPU"), "user 45.5s, system 6.5s (80.0% of one core)"));
    CHECK(contains(row(res, "threads"), "5 -> 9 (most 9)"));
    CHECK(contains(row(res, "open files"), "17 -> 14 (most 17)"));
    CHECK(!contains(loadkit::to_console(report_sample::known(), plain()), "Resources"));
}

TEST_CASE("scenarios and their profiles are listed", "[report][console]") {
    const std::string text = loadkit::to_console(report_sample::rich(), plain());
    const auto sc = section(text, "Scenarios");
    REQUIRE(sc.size() == 3);
    CHECK(contains(sc[1], "checkout  constant_rate 400/s for 65s, max_in_flight 256, open model"));
    CHECK(contains(sc[2], "operations: checkout (weight 2), login (weight 2), search (weight 6)"));
}

TEST_CASE("a capacity curve is a table with the sustainable level and the knee marked", "[report][console]") {
    auto report = report_sample::known();
    loadkit::capacity_curve c;
    c.objective = "p99 < 100ms";
    for (int i = 1; i <= 5; ++i) {
        const double rate = 200.0 * i;
        c.steps.push_back({rate, rate * (i < 5 ? 1.0 : 0.8), std::chrono::milliseconds{i},
                           std::chrono::milliseconds{4 * i}, std::chrono::milliseconds{i < 5 ? 20 * i : 300},
                           i < 5 ? 0.0 : 0.02, i < 5, i < 5 ? "PASS" : "FAIL: p99 < 100ms (measured 300ms)"});
    }
    c.sustainable = 800.0;
    c.knee = 600.0;
    report.capacity = c;
    const std::string text = loadkit::to_console(report, plain());
    const auto cap = section(text, "Capacity search (holding p99 < 100ms)");
    REQUIRE(cap.size() == 8);
    CHECK(fields(cap[1]) ==
          std::vector<std::string>{"offered", "achieved", "p50", "p95", "p99", "error", "rate", "verdict"});
    CHECK(contains(cap[4], "> knee  PASS"));
    CHECK(contains(cap[5], "> sustainable  PASS"));
    CHECK(contains(cap[6], "FAIL: p99 < 100ms"));
    CHECK(contains(cap[7], "sustainable: 800/s"));
}

TEST_CASE("the percentile chart labels its log 1/(1-p) axis and the distribution counts every operation",
          "[report][console]") {
    const auto report = report_sample::rich();
    loadkit::console_options o = plain();
    CHECK(!contains(loadkit::to_console(report, o), "Distribution")); // opt-in
    o.distribution_chart = true;
    const std::string text = loadkit::to_console(report, o);
    const auto chart = section(text, "Percentile spectrum");
    REQUIRE(chart.size() == 1 + o.chart_height + 2);
    const std::string& labels = chart.back();
    for (const char* label : {"0%", "50%", "90%", "99%", "99.9%", "99.99%"}) {
        CHECK(contains(labels, label));
    }
    // One decade of 1/(1-p) per label: 90 -> 99 -> 99.9 equally spaced.
    const auto at = [&](const std::string& l) { return static_cast<long>(labels.find(" " + l + " ")); };
    CHECK(std::labs((at("99%") - at("90%")) - (at("99.9%") - at("99%"))) <= 1);

    const auto dist = section(text, "Distribution");
    REQUIRE(dist.size() == 1 + o.chart_height);
    std::uint64_t total = 0;
    for (std::size_t i = 1; i < dist.size(); ++i) {
        const auto f = fields(dist[i]);
        std::string n = f[f.size() - 2];
        n.erase(std::remove(n.begin(), n.end(), ','), n.end());
        total += std::stoull(n);
    }
    CHECK(total == report.result.overall.count());
    o.percentile_chart = false;
    o.distribution_chart = false;
    const std::string without = loadkit::to_console(report, o);
    CHECK(!contains(without, "Percentile spectrum"));
    CHECK(!contains(without, "Distribution"));
}

TEST_CASE(
    "colour: never writes no escape sequence, always does, automatic only on a terminal without NO_COLOR",
    "[report][console][color]") {
    const auto report = report_sample::rich();
    loadkit::console_options o;
    o.color = loadkit::color_mode::never;
    CHECK(!contains(loadkit::to_console(report, o), "\x1b"));
    o.color = loadkit::color_mode::always;
    CHECK(contains(loadkit::to_console(report, o), "\x1b[1m"));
    o.color = loadkit::color_mode::automatic;
    CHECK(!contains(loadkit::to_console(report, o), "\x1b")); // a string is not a terminal
    // A file is not a terminal.
    const std::string file =
        report_sample::capture_file([&](std::FILE* f) { loadkit::print_summary(f, report, o); });
    CHECK(contains(file, "Verdict"));
    CHECK(!contains(file, "\x1b"));
    std::ostringstream stream;
    loadkit::print_summary(stream, report, o);
    CHECK(!contains(stream.str(), "\x1b"));
#if defined(LOADKIT_TEST_HAVE_PTY)
    if (!report_sample::pseudo_terminal().ok()) {
        WARN("no pseudo-terminal available (posix_openpt): the terminal cases are skipped");
        return;
    }
    const report_sample::env_guard term("TERM", "xterm");
    {
        const report_sample::env_guard no_color("NO_COLOR", nullptr);
        report_sample::pseudo_terminal tty;
        REQUIRE(tty.ok());
        loadkit::print_summary(tty.out, report, o);
        const std::string shown = tty.close();
        CHECK(contains(shown, "Verdict"));
        CHECK(contains(shown, "\x1b[1m"));
    }
    {
        const report_sample::env_guard no_color("NO_COLOR", "1");
        report_sample::pseudo_terminal tty;
        REQUIRE(tty.ok());
        loadkit::print_summary(tty.out, report, o);
        const std::string shown = tty.close();
        CHECK(contains(shown, "Verdict"));
        CHECK(!contains(shown, "\x1b"));
        o.color = loadkit::color_mode::always; // an explicit choice overrides NO_COLOR (no-color.org)
        report_sample::pseudo_terminal forced;
        REQUIRE(forced.ok());
        loadkit::print_summary(forced.out, report, o);
        CHECK(contains(forced.close(), "\x1b[1m"));
    }
#endif
}

TEST_CASE("control characters in tag names and error messages are escaped, never sent to the terminal",
          "[report][console]") {
    loadkit::recorder rec{report_sample::t0};
    const auto evil = rec.tag("evil\x1b[2J\nname");
    rec.local().record(evil, loadkit::outcome::error("cat\r", "bell\a and \x1b]0;title\x07 \xff bytes"), 1ms);
    loadkit::run_report report;
    report.title = "t\x1b[31mitle";
    report.result = rec.finish(report_sample::t0 + 1s);
    loadkit::console_options o;
    o.color = loadkit::color_mode::never;
    const std::string text = loadkit::to_console(report, o);
    CHECK(!contains(text, "\x1b"));
    CHECK(!contains(text, "\a"));
    CHECK(!contains(text, "\r"));
    CHECK(contains(text, "evil\\x1b[2J\\nname"));
    CHECK(contains(text, "bell\\x07 and \\x1b]0;title\\x07 \xEF\xBF\xBD bytes")); // invalid UTF-8 -> U+FFFD
    CHECK(contains(text, "t\\x1b[31mitle"));
}

TEST_CASE("bidi overrides and isolates in tags, messages and titles are escaped like other controls",
          "[report][console]") {
    CHECK(loadkit::detail::console_safe("a\xE2\x80\xAE"
                                        "b") == "a\\u202eb"); // RIGHT-TO-LEFT OVERRIDE
    CHECK(loadkit::detail::console_safe("\xE2\x81\xA6x\xE2\x81\xA9") == "\\u2066x\\u2069"); // isolate
    CHECK(loadkit::detail::console_safe("\xE2\x80\xAA\xE2\x80\xAD") == "\\u202a\\u202d");
    CHECK(loadkit::detail::console_safe("\xE2\x80\x8F\xE2\x80\xAF") ==
          "\xE2\x80\x8F\xE2\x80\xAF"); // RLM, NNBSP

    loadkit::recorder rec{report_sample::t0};
    const auto tag = rec.tag("ok\xE2\x80\xAE"
                             "LIAF"); // would read "okFAIL" reversed on a terminal
    rec.local().record(tag, loadkit::outcome::error("http", "msg \xE2\x81\xA7hidden\xE2\x81\xA9"), 1ms);
    loadkit::run_report report;
    report.title = "title \xE2\x80\xAB";
    report.result = rec.finish(report_sample::t0 + 1s);
    const loadkit::slo_policy policy{loadkit::p(95).on("ok\xE2\x80\xAE"
                                                       "LIAF") < 1s};
    report.slo = policy.evaluate(report.result);
    loadkit::console_options o;
    o.color = loadkit::color_mode::never;
    const std::string text = loadkit::to_console(report, o);
    for (const char* raw : {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE",
                            "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9"}) {
        CHECK(!contains(text, raw));
    }
    CHECK(contains(text, "ok\\u202eLIAF"));
    CHECK(contains(text, "msg \\u2067hidden\\u2069"));
    CHECK(contains(text, "title \\u202b"));
}

TEST_CASE("console text of a huge tag or title stays proportional to it: the objective's tag is cut as "
          "error messages are, and a word longer than a line is cut in one pass",
          "[report][console]") {
    // Output sizes, not times (flaky on a loaded machine): the timing is a one-off in the commit
    // message. A 1 MiB word through console_wrap: every line full, nothing lost, in linear time.
    const std::string word(1 << 20, 'w');
    const std::string wrapped = loadkit::detail::console_wrap(word, 100, 4);
    std::size_t letters = 0;
    std::size_t lines = 1;
    for (const char c : wrapped) {
        letters += c == 'w' ? 1 : 0;
        lines += c == '\n' ? 1 : 0;
    }
    CHECK(letters == word.size());
    CHECK(lines == (word.size() + 95) / 96); // 96 columns of 'w' after each 4-space indent

    const std::string tag(512 * 1024, 't');
    loadkit::recorder rec{report_sample::t0};
    rec.local().record(rec.tag(tag), loadkit::outcome::ok(), 1ms);
    loadkit::run_report report;
    report.title = std::string(1 << 20, 'T');
    report.result = rec.finish(report_sample::t0 + 1s);
    const loadkit::slo_policy policy{loadkit::p(95).on(tag) < 1s, loadkit::p(99).on(tag + "-none") < 1s};
    report.slo = policy.evaluate(report.result);
    for (const auto& v : report.slo->verdicts) {
        CHECK(v.line.size() < 2 * loadkit::max_error_message_length + 200);
        CHECK(contains(v.line, std::string(loadkit::max_error_message_length, 't') + "..."));
    }
    loadkit::console_options o;
    o.color = loadkit::color_mode::never;
    const std::string text = loadkit::to_console(report, o);
    CHECK(text.size() < 64 * 1024); // the tags and the title are shortened, not written whole
    CHECK(contains(text, "FAIL:"));
}

TEST_CASE("long and non-ASCII tag names are aligned by display width and shortened with an ellipsis",
          "[report][console]") {
    loadkit::recorder rec{report_sample::t0};
    const auto wide = rec.tag("\xE6\xA4\x9C\xE7\xB4\xA2"); // two CJK characters: 4 columns
    const auto accents = rec.tag("r\xC3\xA9sum\xC3\xA9");  // 6 columns, 8 bytes
    const auto longer = rec.tag(std::string(150, 'x'));
    for (const auto t : {wide, accents, longer}) {
        rec.local().record(t, loadkit::outcome::ok(), 1ms);
    }
    loadkit::run_report report;
    report.result = rec.finish(report_sample::t0 + 1s);
    loadkit::console_options o;
    o.color = loadkit::color_mode::never;
    const std::string text = loadkit::to_console(report, o);
    const auto table = section(text, "Throughput and errors");
    std::size_t right_edge = 0;
    for (std::size_t r = 2; r < table.size(); ++r) {
        INFO(table[r]);
        CHECK(loadkit::detail::console_width(table[r]) <= o.width);
        if (table[r].find("\xE2\x94\x80") == std::string::npos) {
            const std::size_t w = loadkit::detail::console_width(table[r]);
            CHECK((right_edge == 0 || w == right_edge)); // the last column lines up
            right_edge = w;
        }
    }
    CHECK(contains(text, "xxxxxxxx\xE2\x80\xA6")); // cut with an ellipsis
}

TEST_CASE("console_options are validated, naming the field and the value", "[report][console]") {
    const auto report = report_sample::known();
    loadkit::console_options o;
    o.width = 20;
    CHECK(invalid_argument_message([&] { static_cast<void>(loadkit::to_console(report, o)); }) ==
          "loadkit::console_options: width = 20 (expected 60 .. 1000)");
    o.width = 100;
    o.chart_height = 1;
    CHECK(invalid_argument_message([&] { static_cast<void>(loadkit::to_console(report, o)); }) ==
          "loadkit::console_options: chart_height = 1 (expected 3 .. 50)");
}

TEST_CASE("an empty report prints a short summary without figures it does not have", "[report][console]") {
    const std::string text = loadkit::to_console(loadkit::run_report{}, plain());
    CHECK(contains(text, "loadkit"));
    CHECK(contains(text, "nothing judged"));
    CHECK(!contains(text, "Percentile spectrum"));
    CHECK(!contains(text, "Errors"));
}
