// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::to_junit — a run_report (run_report.hpp) as JUnit XML, the test-report format every CI
// system reads (Jenkins, GitLab, GitHub Actions test reporters, Azure DevOps, TeamCity):
//
//   #include <loadkit/report/junit.hpp>
//   std::ofstream("loadkit-junit.xml") << loadkit::to_junit(report);
//
// Layout (the common Jenkins / Ant form; tests/data/junit.xsd is its schema, and the tests validate
// against it with xmllint): one <testsuite> per run (name: the title, or "loadkit"), holding
//  - one <testcase> per SLO objective: name = the objective as written ("p95 < 200ms"), classname
//    "<title or loadkit>.slo"; a failing objective carries <failure message="FAIL: p95 < 200ms
//    (measured ...)"> with the measured value, limit, scope and the statistical verdict as text;
//  - the leak verdict when a leak check ran (<failure> for a leak, <skipped> when inconclusive);
//  - the stuck operations when the hang watchdog found any (<failure>, one line per operation);
//  - a "run" testcase: <failure> when an SLO objective aborted the run, <error> when it ended in an
//    error, its time the run's length;
//  - <properties> with the run's figures (count, error rate, throughput, percentiles in ms, per tag),
//    and the console summary (to_console, without colour) as the suite's <system-out>.
// time attributes are seconds. Text is escaped for XML 1.0 (detail/report/xml.hpp): quotes, < > &,
// newlines in attributes as &#10;, characters XML does not allow as U+FFFD, UTF-8 passed through.
#ifndef LOADKIT_REPORT_JUNIT_HPP
#define LOADKIT_REPORT_JUNIT_HPP

#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <string>

namespace loadkit {
inline namespace v0_1 {

struct junit_options {
    std::string name{};             // the testsuite's name; "": the report's title, or "loadkit"
    std::string classname{};        // prefix of every classname; "": the title, or "loadkit"
    std::string hostname{};         // written when not empty
    bool properties = true;         // the run's figures as <property> elements
    bool per_tag_properties = true; // ... and each tag's
    bool console_summary = true;    // the console summary as the suite's <system-out>
    bool run_testcase = true;       // a "run" testcase for the stop reason
};

// The report as a JUnit XML document (UTF-8, '\n' line ends).
[[nodiscard]] LOADKIT_DECL std::string to_junit(const run_report& report, const junit_options& options = {});

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_junit.ipp>
#endif

#endif // LOADKIT_REPORT_JUNIT_HPP
