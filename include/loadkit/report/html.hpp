// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::to_html — one self-contained HTML file per run: inline SVG charts and tables, no
// JavaScript, no fonts, images or styles fetched from anywhere; open it from disk, attach it to a CI
// run, mail it.
//
//   loadkit::write_file("report.html", loadkit::to_html(report)); // report/file.hpp: throws on failure
//
// What it shows: the verdict (SLO objectives, leak, stuck operations) first; headline figures; the
// latency-by-percentile spectrum per operation on HdrHistogram's log-scaled 1/(1-p) axis (response
// and service time in open-model runs); latency (p50/p95/p99) and throughput over time with the
// warm-up shaded; errors, timeouts and drops over time; memory (RSS, heap) with check_leak's trend
// line; the capacity-search curve with the sustainable load marked; then tables: per operation
// (count, errors, throughput, min/mean/p50/p90/p95/p99/p99.9/max), errors by category with sample
// messages, the warm-up apart, SLO verdicts, the leak analysis, stuck operations, scenarios.
// Percentiles come from the run's histograms (within their relative error, 0.05 % at 3 digits);
// the over-time charts from its interval series (2 digits: 0.4 %).
//
// The file is XHTML-compatible HTML5: well-formed XML (xmllint --noout parses it) as well as HTML.
// Every text from the run (tags, categories, messages, titles) is escaped; control characters show
// as \n, \t, \x01 and invalid UTF-8 as U+FFFD.
#ifndef LOADKIT_REPORT_HTML_HPP
#define LOADKIT_REPORT_HTML_HPP

#include <loadkit/config.hpp>
#include <loadkit/report/compare.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <span>
#include <string>

namespace loadkit {
inline namespace v0_1 {

struct html_options {
    std::string title{};            // heading and <title>; "" uses run_report::title, then "loadkit report"
    std::size_t max_chart_tags = 8; // operations drawn in the charts, most operations first (>= 1);
                                    // the tables list every one
};

// The whole report as one HTML document (UTF-8).
[[nodiscard]] LOADKIT_DECL std::string to_html(const run_report& report, const html_options& options = {});

// One stored run on the trend page.
struct trend_run {
    run_report report;
    std::string label{}; // e.g. its file name; "" -> its start time
    std::string link{};  // href of its own HTML report; "" -> not linked
};

struct trend_options {
    std::string title = "loadkit trend";
    compare_options compare{}; // each run is judged against the up to `window` runs before it
    std::size_t window = 7;    // >= 1
    // Runs with fewer runs before them are not judged: one earlier run's sampling error knows
    // nothing of how much runs differ, and would mark a run that merely wandered (compare.hpp).
    std::size_t min_history = 3; // 1 .. window
    std::size_t max_chart_tags = 8;
};

// A trend dashboard over stored runs, oldest first, as one self-contained HTML page (no scripts):
// per tag p50/p95/p99, throughput and error rate by run, each run's regressions against the runs
// before it (compare(), report/compare.hpp) marked in the charts and listed in a table that links
// each run to its own page. Throws std::invalid_argument for invalid options.
[[nodiscard]] LOADKIT_DECL std::string to_trend_html(std::span<const trend_run> runs,
                                                     const trend_options& options = {});

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_html.ipp>
#endif

#endif // LOADKIT_REPORT_HTML_HPP
