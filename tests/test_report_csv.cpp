#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/recorder.hpp>
#include <loadkit/report/csv.hpp>
#include <loadkit/run_report.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

const loadkit::recorder::time_point t0{};

// RFC 4180 records: fields split at commas outside quotes, "" inside quotes is one quote, records
// end at CRLF outside quotes. Checks the writer from the reader's side.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        std::string& field = rows.back().back();
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            REQUIRE(field.empty()); // a quote only opens a field
            quoted = true;
        } else if (c == ',') {
            rows.back().emplace_back();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.emplace_back(1);
            ++i;
        } else {
            REQUIRE(c != '\n'); // a bare LF outside quotes: not RFC 4180
            field += c;
        }
    }
    REQUIRE_FALSE(quoted);
    REQUIRE(rows.back() == std::vector<std::string>(1)); // the text ends with CRLF
    rows.pop_back();
    return rows;
}

loadkit::run_result small_run(const std::vector<std::string>& names) {
    loadkit::recorder rec{t0, {.interval = 1s}};
    std::vector<loadkit::tag_id> tags;
    for (const auto& n : names) {
        tags.push_back(rec.tag(n));
    }
    for (int i = 0; i < 4; ++i) {
        rec.local().record(tags[0], loadkit::outcome::ok(), 2ms);
    }
    rec.local().record(tags[0], loadkit::outcome::error("http", "503"), 8ms);
    rec.local().record(tags[1 % tags.size()], loadkit::outcome::timeout(), 1s);
    rec.tick(t0 + 1s);                        // interval 0: 6 operations
    rec.tick(t0 + 2s);                        // interval 1: nothing
    rec.local().record_scheduled(tags[0], 4); // as the engine does: the 4 below, issued
    rec.local().record(tags[0], loadkit::outcome::ok(), 4ms);
    rec.local().record_dropped(tags[0], 3);
    return rec.finish(t0 + 2500ms); // interval 2: [2 s, 2.5 s)
}

} // namespace

TEST_CASE(
    "to_csv writes a header and one row per interval per tag, overall first, with the partial last interval",
    "[report][csv]") {
    loadkit::run_report report;
    report.result = small_run({"a", "b"});
    const auto rows = parse_csv(loadkit::to_csv(report));
    REQUIRE(rows.size() == 1 + 3 * 3); // header; overall, a, b with 3 intervals each
    CHECK(rows[0] == std::vector<std::string>{"tag", "interval_start_s", "interval_end_s", "count", "ok",
                                              "errors", "timeouts", "dropped", "throughput", "min_ms",
                                              "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms",
                                              "max_ms", "scheduled"});
    for (const auto& row : rows) {
        CHECK(row.size() == 18);
    }
    // overall, interval 0: 6 ran (4 ok, 1 error, 1 timeout) in 1 s.
    CHECK(std::vector<std::string>(rows[1].begin(), rows[1].begin() + 9) ==
          std::vector<std::string>{"overall", "0", "1", "6", "4", "1", "1", "0", "6.000"});
    // Latencies at the interval histograms' resolution: the midpoint of each value's counter, e.g.
    // 2 ms lies in [1998848, 2007039] ns (width 2^13) -> 2.002944 ms; 1 s -> 1000.341504 ms.
    CHECK(rows[1][9] == "2.002944");
    CHECK(rows[1][16] == "1000.341504");
    // An idle interval: zeros and empty latency columns (no latency to report, not 0 ms).
    CHECK(std::vector<std::string>(rows[2].begin(), rows[2].begin() + 9) ==
          std::vector<std::string>{"overall", "1", "2", "0", "0", "0", "0", "0", "0.000"});
    for (std::size_t c = 9; c < 17; ++c) {
        CHECK(rows[2][c].empty());
    }
    // The last interval ends at the run's duration: 1 operation in 0.5 s, 3 dropped.
    CHECK(std::vector<std::string>(rows[3].begin(), rows[3].begin() + 9) ==
          std::vector<std::string>{"overall", "2", "2.5", "1", "1", "0", "0", "3", "2.000"});
    CHECK(rows[3][11] == "4.005888");
    CHECK(rows[3][17] == "4"); // scheduled: issued in that interval (none counted before it)
    CHECK(rows[1][17] == "0");
    CHECK(rows[4][0] == "a");
    CHECK(rows[4][3] == "5");
    CHECK(rows[7][0] == "b");
    CHECK(rows[7][6] == "1");
    // Options: another label for overall rows, LF line ends.
    const std::string lf = loadkit::to_csv(report.result, {.overall_label = "*", .line_end = "\n"});
    CHECK(lf.find('\r') == std::string::npos);
    CHECK(contains(lf, "\n*,0,1,6,"));
    // An empty report: the header alone.
    CHECK(loadkit::to_csv(loadkit::run_report{}) == std::string(loadkit::csv_header) + "\r\n");
}

TEST_CASE("CSV quotes tag names with commas, quotes, CR or LF (quotes doubled) and keeps UTF-8 intact",
          "[report][csv][escaping]") {
    const std::vector<std::string> names{"say \"hi\"", "a,b",          "line\nbreak",
                                         "cr\rlf",     "<b>&amp;</b>", "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC",
                                         "bad\xFF"};
    loadkit::run_report report;
    report.result = small_run(names);
    const std::string text = loadkit::to_csv(report);
    CHECK(contains(text, "\r\n\"say \"\"hi\"\"\",0,1,"));
    CHECK(contains(text, "\r\n\"a,b\",0,1,"));
    CHECK(contains(text, "\r\n\"line\nbreak\",0,1,"));
    CHECK(contains(text, "\r\n<b>&amp;</b>,0,1,")); // nothing to quote
    CHECK(contains(text, "\r\ncaf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC,0,1,"));
    CHECK(contains(text, "\r\nbad\xEF\xBF\xBD,0,1,")); // ill-formed UTF-8 -> U+FFFD
    const auto rows = parse_csv(text);
    std::vector<std::string> seen;
    for (std::size_t i = 1; i < rows.size(); i += 3) {
        seen.push_back(rows[i][0]);
    }
    std::vector<std::string> expected{"overall"};
    for (const auto& t : report.result.tags) { // the result's (sorted) tag order
        expected.push_back(t.name == "bad\xFF" ? "bad\xEF\xBF\xBD" : t.name);
    }
    CHECK(seen == expected);
}

TEST_CASE(
    "CSV neutralises tags a spreadsheet would run as formulas (= + - @ tab CR) and leaves numbers alone",
    "[report][csv][escaping]") {
    const std::vector<std::string> names{"=HYPERLINK(\"http://x\",\"y\")",
                                         "+1+cmd|' /C calc'!A0",
                                         "-2+3",
                                         "@SUM(A1:A2)",
                                         "\tlead",
                                         "\rcr",
                                         "safe=1",
                                         "a-b"};
    loadkit::run_report report;
    report.result = small_run(names);
    const std::string text = loadkit::to_csv(report);
    const auto rows = parse_csv(text);
    std::vector<std::string> tags;
    for (std::size_t i = 4; i < rows.size(); i += 3) { // each tag's first row, after overall's three
        tags.push_back(rows[i][0]);
    }
    CHECK(tags == std::vector<std::string>{"'\tlead", "'\rcr", "'+1+cmd|' /C calc'!A0", "'-2+3",
                                           "'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1:A2)", "a-b",
                                           "safe=1"});
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            const bool text_cell = c == 0;
            CAPTURE(row[c]);
            CHECK((text_cell || row[c].empty() || row[c].front() != '\''));
        }
    }
    // A negative number in a numeric column is a number, not text: never prefixed. The only text
    // column is the tag; a label that looks like a negative number is text and is prefixed.
    CHECK(contains(loadkit::to_csv(report.result, {.overall_label = "-1"}), "\r\n'-1,0,1,"));
}

TEST_CASE("CSV of a run that ended just after a grid point has no empty last row of throughput 0",
          "[report][csv]") {
    loadkit::recorder rec{t0, {.interval = 1s}};
    const auto op = rec.tag("op");
    for (int s = 0; s < 3; ++s) {
        for (int i = 0; i < 10; ++i) {
            rec.local().record(op, loadkit::outcome::ok(), 2ms);
        }
        rec.tick(t0 + std::chrono::seconds{s + 1});
    }
    loadkit::run_report report;
    report.result = rec.finish(t0 + 3s + 7ms);
    const auto rows = parse_csv(loadkit::to_csv(report));
    REQUIRE(rows.size() == 1 + 2 * 3); // overall and op: [0, 1), [1, 2), [2, 3)
    for (std::size_t i = 1; i < rows.size(); ++i) {
        CHECK(rows[i][8] == "10.000");
    }
}

TEST_CASE("csv_options.line_end other than CRLF or LF is refused, its controls shown", "[report][csv]") {
    loadkit::csv_options o;
    o.line_end = "\r\n\x1b[2J";
    CHECK(contains(invalid_argument_message([&] { (void)loadkit::to_csv(loadkit::run_result{}, o); }),
                   "line_end = \"\\r\\n\\x1b[2J\""));
    o.line_end = "\n";
    CHECK_NOTHROW((void)loadkit::to_csv(loadkit::run_result{}, o));
}
