#include "catch.hpp"
#include "report_sample.hpp"
#include "test_support.hpp"

#include <loadkit/detail/report/xml.hpp>
#include <loadkit/error_category.hpp>
#include <loadkit/report/compare.hpp>
#include <loadkit/report/junit.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs xmllint with `arguments` on the document; returns its exit status and output.
struct xmllint_result {
    int status = -1;
    std::string output;
};
xmllint_result xmllint(const std::string& document, const std::string& arguments) {
    static int counter = 0;
    const auto dir = std::filesystem::temp_directory_path();
    const std::string stem = "loadkit-junit-" +
                             std::to_string(reinterpret_cast<std::uintptr_t>(&counter) % 100000) + "-" +
                             std::to_string(++counter);
    const auto xml = dir / (stem + ".xml");
    const auto out = dir / (stem + ".out");
    {
        std::ofstream f(xml, std::ios::binary);
        f << document;
    }
    const std::string command =
        "xmllint " + arguments + " \"" + xml.string() + "\" > \"" + out.string() + "\" 2>&1";
    xmllint_result r;
    r.status = std::system(command.c_str());
    r.output = read_all(out);
    std::filesystem::remove(xml);
    std::filesystem::remove(out);
    return r;
}

bool have_xmllint() { return std::system("xmllint --version > /dev/null 2>&1") == 0; }

void require_valid(const std::string& document) {
    if (!have_xmllint()) {
        FAIL(
            "xmllint not found: install libxml2-utils (apt-get install libxml2-utils) to validate JUnit XML");
    }
    const auto r = xmllint(document, "--noout --schema \"" + test_data_dir() + "/junit.xsd\"");
    INFO(r.output);
    INFO(document.substr(0, 4000));
    REQUIRE(r.status == 0);
}

// An attribute or text value as an XML parser reads it back (xmllint's XPath string()).
std::string xpath(const std::string& document, const std::string& expression) {
    std::string value = xmllint(document, "--xpath \"" + expression + "\"").output;
    if (!value.empty() && value.back() == '\n') {
        value.pop_back(); // xmllint ends its output with a newline
    }
    return value;
}

} // namespace

TEST_CASE("to_junit validates against the JUnit schema (tests/data/junit.xsd) with xmllint",
          "[report][junit]") {
    require_valid(loadkit::to_junit(report_sample::rich()));
    require_valid(loadkit::to_junit(report_sample::known()));
    require_valid(loadkit::to_junit(loadkit::run_report{}));
    auto aborted = report_sample::known();
    aborted.result.reason = loadkit::stop_reason::error;
    aborted.result.reason_text = "connection refused";
    require_valid(loadkit::to_junit(aborted, {.hostname = "ci-runner-7", .console_summary = false}));
}

TEST_CASE("each SLO objective is a testcase; a failing one carries its verdict line as the failure message",
          "[report][junit]") {
    const auto report = report_sample::rich();
    const std::string xml = loadkit::to_junit(report);
    CHECK(contains(
        xml, "<testsuites name=\"checkout soak\" tests=\"7\" failures=\"2\" errors=\"0\" time=\"65.000\">"));
    CHECK(contains(xml,
                   "<testsuite name=\"checkout soak\" tests=\"7\" failures=\"2\" errors=\"0\" skipped=\"0\" "
                   "time=\"65.000\" timestamp=\"2024-05-01T12:00:00\""));
    CHECK(contains(xml, "<testcase name=\"p95 &lt; 200ms\" classname=\"checkout soak.slo\" time=\"0.000\">"));
    CHECK(contains(xml, "<testcase name=\"p99 &lt; 50ms\" classname=\"checkout soak.slo\" time=\"0.000\">\n"
                        "      <failure message=\"FAIL: p99 &lt; 50ms (measured "));
    CHECK(contains(xml, "<testcase name=\"checkout: p99 &lt; 1s\""));
    // The failure message, as a parser reads it, is the verdict line.
    const loadkit::objective_verdict* failed = nullptr;
    for (const auto& v : report.slo->verdicts) {
        failed = v.passed ? failed : &v;
    }
    REQUIRE(failed != nullptr);
    if (have_xmllint()) {
        CHECK(xpath(xml, "string(//testcase[failure][1]/failure/@message)") == failed->line);
        CHECK(xpath(xml, "count(//testcase[@classname='checkout soak.slo'])") == "4");
    }
    // Details in the failure's text: scope, measured value, limit, statistical verdict.
    CHECK(contains(xml, "scope: all operations\nmeasured: "));
    CHECK(contains(xml, "limit: 50ms\nstatistical verdict at 95% confidence: FAIL"));
    // Leak, stuck operations and the run as testcases.
    CHECK(contains(xml, "<testcase name=\"memory leak check\" classname=\"checkout soak.leak\""));
    CHECK(contains(
        xml, "<testcase name=\"stuck operations\" classname=\"checkout soak.watchdog\" time=\"0.000\">\n"
             "      <failure message=\"1 operation was stuck\" type=\"stuck\">scenario \"checkout\", tag "
             "\"checkout\": virtual user 17, iteration 342, running for 31.2s (abandoned"));
    CHECK(contains(xml, "<testcase name=\"run\" classname=\"checkout soak.run\" time=\"65.000\">"));
    // Properties with the run's figures, and the console summary as the suite's output.
    CHECK(contains(xml, "<property name=\"count\" value=\"" + std::to_string(report.result.overall.count()) +
                            "\"/>"));
    CHECK(contains(xml, "<property name=\"tag.checkout.latency_p95_ms\" value=\""));
    CHECK(contains(xml, "<property name=\"scheduled\" value=\"" +
                            std::to_string(report.result.overall.scheduled) + "\"/>"));
    CHECK(report.result.overall.scheduled > 0);
    CHECK(contains(xml, "<property name=\"latency_model\" value=\"open\"/>"));
    CHECK(contains(xml, "<system-out>loadkit \xE2\x80\x94 checkout soak"));
}

TEST_CASE("the run testcase fails when an objective aborted the run and errs when the run failed",
          "[report][junit]") {
    auto report = report_sample::known();
    report.result.reason = loadkit::stop_reason::slo_abort;
    report.result.reason_text = "FAIL: p99 < 1ms (measured 9.9ms)";
    const std::string aborted = loadkit::to_junit(report, {.console_summary = false});
    CHECK(contains(aborted, "tests=\"1\" failures=\"1\" errors=\"0\""));
    CHECK(contains(aborted,
                   "<failure message=\"stop reason: slo_abort (FAIL: p99 &lt; 1ms (measured 9.9ms))\" "
                   "type=\"slo_abort\">"));
    report.result.reason = loadkit::stop_reason::error;
    report.result.reason_text = "connection refused";
    const std::string errored = loadkit::to_junit(report, {.console_summary = false});
    CHECK(contains(errored, "tests=\"1\" failures=\"0\" errors=\"1\""));
    CHECK(contains(errored, "<error message=\"stop reason: error (connection refused)\" type=\"error\">"));
    const std::string without = loadkit::to_junit(report, {.console_summary = false, .run_testcase = false});
    CHECK(contains(without, "tests=\"0\" failures=\"0\" errors=\"0\""));
}

TEST_CASE("an inconclusive leak check is a skipped testcase", "[report][junit]") {
    auto report = report_sample::known();
    report.leak = loadkit::check_leak({}, std::vector<loadkit::leak_sample>{{0, 1.0}, {1, 2.0}});
    REQUIRE(report.leak->verdict == loadkit::leak_verdict::inconclusive);
    const std::string xml = loadkit::to_junit(report, {.console_summary = false});
    CHECK(contains(xml, "skipped=\"1\""));
    CHECK(contains(xml, "<skipped message=\"inconclusive: heap has 2 samples"));
    require_valid(xml);
}

TEST_CASE("a leak interval too few windows cannot bound reads \"not available\" in JUnit, never -inf..+inf",
          "[report][junit]") {
    auto report = report_sample::known();
    std::vector<loadkit::leak_sample> clean;
    for (std::size_t i = 0; i < 32; ++i) {
        clean.push_back({i, 50e6 + 10.0 * static_cast<double>(i) + (i % 2 == 1 ? 5000.0 : 0.0)});
    }
    report.leak = loadkit::check_leak({}, clean, {.max_windows = 4, .min_windows = 4});
    const std::string xml = loadkit::to_junit(report);
    CHECK(contains(xml, "95% CI not available: 4 windows, needs 6"));
    CHECK(!contains(xml, "inf.."));
    CHECK(!contains(xml, "..+inf"));
}

TEST_CASE("SLO testcases quote a huge objective tag cut as error messages are; the XML stays proportional",
          "[report][junit]") {
    const std::string tag(64 * 1024, 'q');
    loadkit::recorder rec{report_sample::t0};
    rec.local().record(rec.tag(tag), loadkit::outcome::ok(), 1ms);
    loadkit::run_report report;
    report.result = rec.finish(report_sample::t0 + 1s);
    report.slo = loadkit::slo_policy{loadkit::p(95).on(tag) < 1s}.evaluate(report.result);
    const std::string xml = loadkit::to_junit(report, {.per_tag_properties = false});
    const std::string shown = std::string(loadkit::max_error_message_length, 'q') + "...";
    CHECK(contains(xml, "<testcase name=\"" + shown + ": p95 &lt; 1s\""));
    CHECK(contains(xml, "scope: tag \"" + shown + "\""));
    CHECK(xml.size() < 16 * 1024); // the tag is quoted cut, never whole
}

TEST_CASE("names and classnames come from the options, the title, or \"loadkit\"", "[report][junit]") {
    const auto report = report_sample::known();
    const std::string plain = loadkit::to_junit(report, {.console_summary = false});
    CHECK(contains(plain, "<testsuite name=\"loadkit\""));
    CHECK(contains(plain, "classname=\"loadkit.run\""));
    const std::string named = loadkit::to_junit(report, {.name = "nightly", .classname = "perf.api"});
    CHECK(contains(named, "<testsuite name=\"nightly\""));
    CHECK(contains(named, "classname=\"perf.api.run\""));
    CHECK(!contains(plain, "timestamp=")); // never set
    CHECK(!contains(loadkit::to_junit(report, {.properties = false}), "<properties>"));
}

TEST_CASE("quotes, commas, <>&, newlines, control characters and non-ASCII in names are escaped for XML 1.0",
          "[report][junit]") {
    const std::string nasty = "a \"quoted\", <tag> & 'it's'\nnew line\ttab\x01\x1b ctl r\xC3\xA9sum\xC3\xA9 "
                              "\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80";
    // What a parser must read back: control characters replaced by U+FFFD, everything else as written.
    const std::string readable = "a \"quoted\", <tag> & 'it's'\nnew line\ttab\xEF\xBF\xBD\xEF\xBF\xBD ctl "
                                 "r\xC3\xA9sum\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80";
    loadkit::recorder rec{report_sample::t0};
    const auto tag = rec.tag(nasty);
    rec.local().record(tag, loadkit::outcome::error(nasty, nasty), 5ms);
    loadkit::run_report report;
    report.title = nasty;
    report.result = rec.finish(report_sample::t0 + 1s);
    loadkit::objective o;
    o.metric = loadkit::slo_metric::percentile;
    o.parameter = 95.0;
    o.op = loadkit::slo_op::lt;
    o.limit = 1e6;
    o.tag = nasty;
    report.slo = loadkit::slo_policy{o}.evaluate(report.result);
    report.stuck.push_back({nasty, nasty, 1, 2, 3s, false});
    const std::string xml = loadkit::to_junit(report);
    CHECK(contains(
        xml,
        "name=\"a &quot;quoted&quot;, &lt;tag&gt; &amp; &apos;it&apos;s&apos;&#10;new line&#9;tab"
        "\xEF\xBF\xBD\xEF\xBF\xBD ctl r\xC3\xA9sum\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80\""));
    CHECK(!contains(xml, "\x01"));
    CHECK(!contains(xml, "\x1b"));
    require_valid(xml);
    if (have_xmllint()) {
        CHECK(xpath(xml, "string(//testsuite/@name)") == readable);
        CHECK(xpath(xml, "string(//testcase[1]/@name)") == readable + ": p95 < 1ms");
        CHECK(xpath(xml, "string(//property[starts-with(@name, 'tag.')][1]/@name)") ==
              "tag." + readable + ".count");
        CHECK(xpath(xml, "string(//testcase[1]/failure/@message)")
                  .rfind("FAIL: " + readable + ": p95 < 1ms", 0) == 0);
    }
}

TEST_CASE("xml_escape: invalid UTF-8, non-characters and surrogates become U+FFFD; CR is kept as a reference",
          "[report][junit][xml]") {
    using loadkit::detail::xml_attribute;
    using loadkit::detail::xml_text;
    CHECK(xml_text("a<b>&c\"d'e\nf") == "a&lt;b&gt;&amp;c\"d'e\nf");
    CHECK(xml_attribute("a<b>&c\"d'e\nf\tg") == "a&lt;b&gt;&amp;c&quot;d&apos;e&#10;f&#9;g");
    CHECK(xml_text("x\ry") == "x&#13;y");
    CHECK(xml_text("\xff") == "\xEF\xBF\xBD");                                 // not UTF-8
    CHECK(xml_text("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");                 // overlong '/'
    CHECK(xml_text("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // a surrogate
    CHECK(xml_text("\xEF\xBF\xBE") == "\xEF\xBF\xBD");                         // U+FFFE
    CHECK(xml_text("\xF0\x9F\x9A\x80") == "\xF0\x9F\x9A\x80");                 // U+1F680 passes through
    CHECK(xml_text(std::string("a\0b", 3)) == "a\xEF\xBF\xBD"
                                              "b");
}

TEST_CASE(
    "a run comparison's JUnit form validates against the schema: a regression fails, too few samples skip",
    "[junit][compare]") {
    loadkit::run_result base;
    base.duration = 10s;
    base.overall = loadkit::tag_result("", loadkit::histogram_options{}, loadkit::latency_model::closed);
    base.overall.duration = 10s;
    loadkit::run_result cur = base;
    for (std::int64_t i = 1; i <= 2'000; ++i) {
        base.overall.latency.record(i * 1'000'000);
        cur.overall.latency.record(i * 1'300'000);
    }
    base.overall.ok = cur.overall.ok = 2'000;
    const loadkit::comparison c = loadkit::compare(
        base, cur,
        {.percentiles = {50.0, 99.99}, .error_rate = false, .throughput = false, .per_tag = false});
    const std::string doc = loadkit::to_junit(c);
    require_valid(doc);
    CHECK(doc.find("failures=\"1\"") != std::string::npos); // p50
    INFO(doc);
    CHECK(doc.find("skipped=\"1\"") != std::string::npos); // p99.99 of 2,000 samples
    CHECK(doc.find("<testcase name=\"p50 (all)\" classname=\"loadkit.compare.(all)\"") != std::string::npos);
}
