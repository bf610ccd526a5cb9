#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/detail/report/svg/chart.hpp>
#include <loadkit/detail/report/svg/charts.hpp>
#include <loadkit/detail/report/svg/text.hpp>
#include <loadkit/leak.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/report/html.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

namespace {

const std::string nasty_tag = "pay, \"now\"\n<&>'";
const std::string utf8_tag = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac";
const std::string broken_tag = "bad\x01\xff"
                               "byte";

// A report with every section filled and hostile text in each field that comes from the user.
loadkit::run_report html_sample(bool open_model = true) {
    const loadkit::recorder::time_point t0{};
    loadkit::recorder rec{
        t0,
        {.model = open_model ? loadkit::latency_model::open : loadkit::latency_model::closed,
         .interval = 1s,
         .warmup = 2s}};
    const loadkit::tag_id tags[] = {rec.tag("login"), rec.tag(nasty_tag), rec.tag(utf8_tag),
                                    rec.tag(broken_tag)};
    std::mt19937_64 rng(5); // fixed seed
    std::lognormal_distribution<double> latency(std::log(3e6), 0.5);
    for (int s = 0; s < 20; ++s) {
        for (int i = 0; i < 200; ++i) {
            const auto tag = tags[rng() % 4];
            rec.local().record_scheduled(tag); // as the engine does, before the outcome
            const auto service = std::chrono::nanoseconds{static_cast<long long>(latency(rng))};
            const auto response = service + (s == 12 ? 40ms : 0ms);
            loadkit::outcome what = loadkit::outcome::ok();
            if (s == 9 && i % 4 == 0) {
                what = loadkit::outcome::error("<http & co>", "503 \"unavailable\" <b>bold</b>\n\x02");
            } else if (s == 10 && i % 10 == 0) {
                what = loadkit::outcome::timeout();
            }
            if (open_model) {
                rec.local().record(tag, what, response, service);
            } else {
                rec.local().record(tag, what, response);
            }
        }
        if (s == 12) {
            rec.local().record_scheduled(tags[1], 25);
            rec.local().record_dropped(tags[1], 25);
        }
        rec.tick(t0 + std::chrono::seconds{s + 1});
    }
    loadkit::run_report report;
    report.title = "<script>alert('x')</script> & \"co\"";
    report.started = std::chrono::system_clock::time_point{1700000000s};
    report.result = rec.finish(t0 + 20s);
    report.scenarios = {
        {"shop <main>", "constant_rate 200/s & more", report.result.model, 0s, {nasty_tag, "login"}}};
    std::vector<loadkit::leak_sample> heap;
    for (int i = 0; i < 200; ++i) {
        const double t = i * 0.1;
        loadkit::process_sample p;
        p.at = t0 + std::chrono::milliseconds{i * 100};
        p.rss_bytes = static_cast<std::uint64_t>(200e6 + 3e5 * t + 1e5 * std::sin(i));
        p.heap_in_use_bytes = static_cast<std::uint64_t>(100e6 + 3e5 * t + 1e5 * std::cos(i));
        report.resources.push_back(p);
        heap.push_back({t, static_cast<double>(*p.heap_in_use_bytes)});
    }
    report.leak = loadkit::check_leak({}, heap, {.x_unit = "s"});
    report.slo = loadkit::slo_policy{"p95 < 50ms", nasty_tag + ": p99 < 10ms", "error_rate < 5%"}.evaluate(
        report.result);
    loadkit::capacity_curve curve;
    curve.objective = "p99 < 100ms & <5%>";
    for (int k = 1; k <= 5; ++k) {
        loadkit::capacity_step step;
        step.offered_rate = 100.0 * k;
        step.achieved_rate = std::min(100.0 * k, 380.0);
        step.p50 = std::chrono::milliseconds{2 * k};
        step.p95 = std::chrono::milliseconds{6 * k * k};
        step.p99 = std::chrono::milliseconds{10 * k * k};
        step.passed = k <= 3;
        step.verdict = k <= 3 ? "PASS" : "FAIL: p99 < 100ms <late>";
        curve.steps.push_back(step);
    }
    curve.sustainable = 300.0;
    curve.knee = 400.0;
    report.capacity = curve;
    report.stuck.push_back({"shop <main>", nasty_tag, 3, 77, 12s, true});
    return report;
}

// A small XML well-formedness check (elements nest and close, attributes are quoted, '&' starts a
// known entity, no control characters): enough to catch an unescaped tag name without xmllint.
std::string xml_problem(std::string_view x) {
    std::vector<std::string> open;
    const auto entity_ok = [&](std::size_t at) {
        for (std::string_view e : {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#160;"}) {
            if (x.substr(at, e.size()) == e) {
                return true;
            }
        }
        return false;
    };
    for (std::size_t i = 0; i < x.size();) {
        const auto c = static_cast<unsigned char>(x[i]);
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
            return "control character at " + std::to_string(i);
        }
        if (x[i] == '&' && !entity_ok(i)) {
            return "bare & at " + std::to_string(i) + ": " + std::string(x.substr(i, 20));
        }
        if (x[i] != '<') {
            ++i;
            continue;
        }
        const std::size_t end = x.find('>', i);
        if (end == std::string_view::npos) {
            return "unterminated tag at " + std::to_string(i);
        }
        std::string_view tag = x.substr(i + 1, end - i - 1);
        i = end + 1;
        if (tag.substr(0, 8) == "!DOCTYPE") {
            continue;
        }
        if (tag.find('<') != std::string_view::npos) {
            return "'<' inside a tag: " + std::string(tag.substr(0, 60));
        }
        std::size_t quotes = 0;
        for (char q : tag) {
            quotes += q == '"' ? 1u : 0u;
        }
        if (quotes % 2 != 0) {
            return "unbalanced quotes in " + std::string(tag.substr(0, 60));
        }
        if (tag.front() == '/') {
            const std::string name(tag.substr(1));
            if (open.empty() || open.back() != name) {
                return "</" + name + "> closes <" + (open.empty() ? std::string("nothing") : open.back()) +
                       ">";
            }
            open.pop_back();
        } else if (tag.back() != '/') {
            open.emplace_back(tag.substr(0, tag.find_first_of(" \n")));
        }
    }
    return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

bool have_xmllint() { return std::system("command -v xmllint > /dev/null 2>&1") == 0; }

// xmllint --noout on the text: "" when it parses as XML, else xmllint's complaint.
std::string xmllint(const std::string& text, const std::string& name) {
    // Unique per process: several builds' test binaries may run at once.
    const std::string stem =
        "loadkit_test_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "_";
    const auto dir = std::filesystem::temp_directory_path();
    const auto file = dir / (stem + name);
    const auto errors = dir / (stem + name + ".err");
    std::ofstream(file, std::ios::binary) << text;
    const std::string command = "xmllint --noout '" + file.string() + "' > '" + errors.string() + "' 2>&1";
    const int rc = std::system(command.c_str());
    std::ifstream in(errors);
    std::string message((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(file);
    std::filesystem::remove(errors);
    return rc == 0 ? "" : "xmllint: " + message;
}

std::vector<std::string> svgs_of(const std::string& html) {
    std::vector<std::string> out;
    for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
        out.push_back(html.substr(at, html.find("</svg>", at) + 6 - at));
    }
    return out;
}

std::size_t count_of(const std::string& text, std::string_view part) {
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++n;
    }
    return n;
}

} // namespace

TEST_CASE("html_escape escapes markup, shows control characters and replaces invalid UTF-8", "[html][text]") {
    using loadkit::detail::html_escape;
    CHECK(html_escape("a<b>&\"c\"'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;");
    CHECK(html_escape("line\nnext\ttab\r\x01\x7f") == "line\\nnext\\ttab\\r\\x01\\x7f");
    CHECK(html_escape(utf8_tag) == utf8_tag);                     // valid UTF-8 unchanged
    CHECK(html_escape("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80"); // U+1F600
    CHECK(html_escape("a\xff"
                      "b") == "a\xef\xbf\xbd"
                              "b");                                               // stray byte
    CHECK(html_escape("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                 // overlong '/'
    CHECK(html_escape("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // surrogate
    CHECK(html_escape("\xef\xbf\xbe") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // U+FFFE: not XML
    CHECK(html_escape("\xc3") == "\xef\xbf\xbd");                                 // truncated sequence
    CHECK(loadkit::detail::truncate_text("\xc3\xa9\xc3\xa9\xc3\xa9", 2) == "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
}

TEST_CASE("report numbers read in the unit that suits them", "[html][text]") {
    using namespace loadkit::detail;
    CHECK(duration_text(153.2e6) == "153.2 ms");
    CHECK(duration_text(999.96e3) == "1.000 ms"); // never "1000 µs"
    CHECK(duration_text(850) == "850.0 ns");
    CHECK(duration_text(2.5e9) == "2.500 s");
    CHECK(bytes_text(13107200) == "12.5 MiB");
    CHECK(bytes_text(-2048, true) == "-2.00 KiB");
    CHECK(bytes_text(2048, true) == "+2.00 KiB");
    CHECK(count_text(1234567) == "1,234,567");
    CHECK(count_text(999) == "999");
    CHECK(percent_text(0.0059) == "0.590%");
    CHECK(percent_text(0.0) == "0%");
    CHECK(rate_text(1234.0) == "1.23k/s");
    CHECK(rate_text(39.4) == "39.4/s");
    CHECK(trimmed(2.50) == "2.5");
    CHECK(trimmed(100.0) == "100");
}

TEST_CASE("the percentile axis is log-scaled 1/(1-p) with HdrHistogram's labels", "[html][svg]") {
    using namespace loadkit::detail;
    const svg_axis nines{"percentile", svg_scale::nines};
    CHECK(tick_label(nines, 0, 1) == "0%");
    CHECK(tick_label(nines, 1, 1) == "90%");
    CHECK(tick_label(nines, 2, 1) == "99%");
    CHECK(tick_label(nines, 3, 1) == "99.9%");
    CHECK(tick_label(nines, 5, 1) == "99.999%");
    // A point at x = 2 is the 99th percentile.
    loadkit::histogram h;
    for (int v = 1; v <= 1000; ++v) {
        h.record(std::chrono::microseconds{v});
    }
    const auto points = spectrum_points(h, 3.0);
    REQUIRE(points.size() == 241);
    const auto& at99 = points[160]; // x = 3 * 160 / 240 = 2
    CHECK(at99.first == Approx(2.0));
    CHECK(at99.second == static_cast<double>(h.value_at_percentile(99.0).count()));
    CHECK(points.back().second == static_cast<double>(h.max().count()));
    // Log ticks: powers of ten, with 2 and 5 between them over a short range.
    const svg_ticks t = make_ticks({"latency", svg_scale::log10, svg_unit::duration_ns}, 3e6, 40e6, 1.0);
    CHECK(t.lo == 6.0);
    CHECK(t.hi == 8.0);
    CHECK(t.at.size() == 7); // 1, 2, 5, 10, 20, 50, 100 ms
}

TEST_CASE("a chart renders as standalone well-formed SVG, escaping series names", "[html][svg]") {
    using namespace loadkit::detail;
    svg_chart c;
    c.id = "t";
    c.title = "a <title> & more";
    c.x = {"time", svg_scale::linear, svg_unit::seconds};
    c.y = {"latency", svg_scale::log10, svg_unit::duration_ns};
    c.series.push_back({nasty_tag, "#4e79a7", {{0.0, 1e6}, {1.0, 5e6}, {2.0, 0.0}, {3.0, 2e7}}});
    c.bands.push_back({0.0, 1.0, "warm <up>"});
    c.markers.push_back({2.0, "knee & co"});
    const std::string svg = render_svg(c);
    CHECK(xml_problem(svg).empty());
    CHECK(contains(svg, "pay, &quot;now&quot;\\n&lt;&amp;&gt;&#39;"));
    CHECK(contains(svg, "a &lt;title&gt; &amp; more"));
    CHECK(!contains(svg, "<&>"));
    CHECK(contains(svg, "<polyline"));
    if (have_xmllint()) {
        CHECK(xmllint(svg, "chart.svg").empty());
    }
    // No data: still a valid chart that says so.
    svg_chart empty;
    empty.id = "e";
    empty.title = "empty";
    const std::string none = render_svg(empty);
    CHECK(contains(none, "no data"));
    CHECK(xml_problem(none).empty());
}

TEST_CASE("to_html writes one self-contained, well-formed XHTML file with every section", "[html]") {
    const loadkit::run_report report = html_sample();
    const std::string html = loadkit::to_html(report);
    INFO(xml_problem(html));
    CHECK(xml_problem(html).empty());
    if (have_xmllint()) {
        CHECK(xmllint(html, "report.html") == "");
        for (const std::string& svg : svgs_of(html)) {
            CHECK(xmllint(svg, "part.svg") == "");
        }
    } else {
        WARN("xmllint not installed (apt-get install libxml2-utils): checked with the built-in checker only");
    }
    CHECK(html.rfind("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"", 0) == 0);
    // Self-contained: no script, no event handlers, no external reference of any kind.
    CHECK(!contains(html, "<script"));
    CHECK(!contains(html, " onload="));
    CHECK(!contains(html, " src="));
    CHECK(!contains(html, "href="));
    CHECK(!contains(html, "@import"));
    CHECK(count_of(html, "://") == count_of(html, "http://www.w3.org/")); // only XML namespaces
    CHECK(count_of(html, "url(") == count_of(html, "url(#"));             // only local clip paths
    // Sections and charts.
    for (const char* part : {"Service level objectives",
                             "Latency by percentile",
                             "Latency over time",
                             "p99 latency over time, by operation",
                             "Throughput (completed",
                             "Errors, timeouts",
                             "Errors by category",
                             "Memory over time",
                             "heap trend",
                             "Leak check",
                             "Capacity search",
                             "Capacity: achieved vs offered load",
                             "sustainable 300",
                             "knee 400",
                             "Stuck operations",
                             "Scenarios",
                             "Warm-up (2.00 s",
                             "Service time (from the actual start",
                             "warm-up",
                             "99.9%",
                             "FAILED (exit code 99)"}) {
        INFO(part);
        CHECK(contains(html, part));
    }
    CHECK(svgs_of(html).size() == 8);
    CHECK(contains(html, "<td>" + loadkit::detail::count_text(report.result.overall.count()) + "</td>"));
    CHECK(contains(html, "<th>dropped</th><th>scheduled</th>"));
    CHECK(contains(html, "<td>" + loadkit::detail::count_text(report.result.overall.scheduled) + "</td>"));
}

TEST_CASE("to_html escapes tag names, categories, messages and titles everywhere", "[html][escaping]") {
    const loadkit::run_report report = html_sample();
    const std::string html = loadkit::to_html(report);
    CHECK(!contains(html, "<script>alert"));
    CHECK(contains(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"));
    const std::string escaped_tag = "pay, &quot;now&quot;\\n&lt;&amp;&gt;&#39;";
    CHECK(count_of(html, escaped_tag) >= 8); // tables, legends, SLO line, stuck, scenarios
    CHECK(!contains(html, nasty_tag));
    CHECK(!contains(html, "<&>"));
    CHECK(contains(html, utf8_tag)); // UTF-8 kept
    CHECK(contains(html, "bad\\x01\xef\xbf\xbd"
                         "byte")); // control char shown, bad byte replaced
    CHECK(!contains(html, broken_tag));
    CHECK(contains(html, "&lt;http &amp; co&gt;"));
    CHECK(contains(html, "503 &quot;unavailable&quot; &lt;b&gt;bold&lt;/b&gt;\\n\\x02"));
    CHECK(contains(html, "p99 &lt; 100ms &amp; &lt;5%&gt;"));
    CHECK(contains(html, "shop &lt;main&gt;"));
    // The option overrides the title, escaped too.
    const std::string titled = loadkit::to_html(report, {.title = "T<1>"});
    CHECK(contains(titled, "<title>T&lt;1&gt;</title>"));
}

TEST_CASE("to_html handles an empty report and a closed-model run without the optional sections", "[html]") {
    const std::string empty = loadkit::to_html(loadkit::run_report{});
    CHECK(xml_problem(empty).empty());
    CHECK(contains(empty, "<title>loadkit report</title>"));
    CHECK(contains(empty, "no operations"));
    CHECK(contains(empty, "PASSED"));
    CHECK(!contains(empty, "Capacity search"));
    CHECK(!contains(empty, "Memory"));
    if (have_xmllint()) {
        CHECK(xmllint(empty, "empty.html") == "");
    }
    loadkit::run_report closed = html_sample(false);
    closed.capacity.reset();
    closed.leak.reset();
    closed.resources.clear();
    closed.stuck.clear();
    const std::string html = loadkit::to_html(closed, {.max_chart_tags = 2});
    CHECK(xml_problem(html).empty());
    CHECK(!contains(html, "Service time"));
    CHECK(!contains(html, "Capacity search"));
    CHECK(contains(html, "Latency by percentile</text>"));
    CHECK(svgs_of(html).size() == 5);
    CHECK(invalid_argument_message([&] {
              static_cast<void>(loadkit::to_html(closed, {.max_chart_tags = 0}));
          }) == "loadkit::html_options: max_chart_tags = 0 (expected >= 1)");
}

TEST_CASE("html leak table says the interval is not available when too few windows bound it, never -inf",
          "[report][html]") {
    loadkit::run_report report;
    std::vector<loadkit::leak_sample> clean;
    for (std::size_t i = 0; i < 32; ++i) {
        clean.push_back({i, 50e6 + 10.0 * static_cast<double>(i) + (i % 2 == 1 ? 5000.0 : 0.0)});
    }
    report.leak = loadkit::check_leak({}, clean, {.max_windows = 4, .min_windows = 4});
    const std::string html = loadkit::to_html(report);
    CHECK(contains(html, "<td>not available: 4 windows, needs 6</td>"));
    CHECK(contains(html, "95% CI not available: 4 windows, needs 6"));
    CHECK(!contains(html, "-inf"));
    CHECK(!contains(html, "+inf"));
}

namespace {

// A nightly history: `nights` runs of two tags (checkout, login), lognormal latencies; from night
// `slower_from` on, checkout is 30 % slower.
std::vector<loadkit::trend_run> nightly_history(std::size_t nights, std::size_t slower_from) {
    std::mt19937_64 rng(31);
    std::vector<loadkit::trend_run> runs;
    for (std::size_t i = 0; i < nights; ++i) {
        loadkit::run_report r;
        r.started =
            std::chrono::system_clock::time_point{std::chrono::hours{24 * (20'000 + static_cast<int>(i))}};
        r.result.duration = 30s;
        r.result.overall =
            loadkit::tag_result("", loadkit::histogram_options{}, loadkit::latency_model::closed);
        for (const std::string name : {"checkout", "login"}) {
            loadkit::tag_result t(name, loadkit::histogram_options{}, loadkit::latency_model::closed);
            std::lognormal_distribution<double> latency(std::log(10e6), 0.5);
            const double scale = name == "checkout" && i >= slower_from ? 1.3 : 1.0;
            for (int k = 0; k < 20'000; ++k) {
                t.latency.record(static_cast<std::int64_t>(latency(rng) * scale));
                ++t.ok;
            }
            t.duration = 30s;
            r.result.overall += t;
            r.result.overall.name.clear();
            r.result.tags.push_back(std::move(t));
        }
        r.result.overall.duration = 30s;
        runs.push_back({r, "night <" + std::to_string(i + 1) + ">",
                        "runs/night-" + std::to_string(i + 1) + ".html?a=1&b=2"});
    }
    return runs;
}

} // namespace

TEST_CASE("trend html: runs by run number, regressions against the runs before marked, each run linked",
          "[html][trend]") {
    const auto runs = nightly_history(8, 6);
    const std::string html = loadkit::to_trend_html(runs, {.title = "checkout & co"});
    INFO(html.substr(0, 3000));
    CHECK(xml_problem(html).empty());
    if (have_xmllint()) {
        CHECK(xmllint(html, "trend.html").empty());
    }
    CHECK(html.find("<title>checkout &amp; co</title>") != std::string::npos);
    CHECK(html.find("newest run: ") != std::string::npos);
    // Every run in the table, linked and escaped; the first three are not judged.
    CHECK(count_of(html, "<a href=\"runs/night-") == 8);
    CHECK(html.find("<a href=\"runs/night-1.html?a=1&amp;b=2\">night &lt;1&gt;</a>") != std::string::npos);
    CHECK(count_of(html, "not judged: ") == 3);
    // Night 7 (the first slower one) is judged regressed on checkout's percentiles, and login is not.
    CHECK(html.find("regressed</span> p99 checkout: ") != std::string::npos);
    CHECK(html.find("p99 login: ") == std::string::npos);
    // Charts: per scope latency, throughput and error rate.
    CHECK(count_of(html, "<svg") == 9);
    CHECK(html.find("latency of checkout by run (regressions marked)") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);

    CHECK_THROWS_WITH(loadkit::to_trend_html(runs, {.window = 2}),
                      loadkit_test::contains_text("min_history = 3 (expected 1 .. window = 2)"));
    CHECK_THROWS_WITH(loadkit::to_trend_html(runs, {.window = 0}), loadkit_test::contains_text("window = 0"));
    const std::string none = loadkit::to_trend_html({});
    CHECK(none.find("no runs") != std::string::npos);
    CHECK(xml_problem(none).empty());
}
