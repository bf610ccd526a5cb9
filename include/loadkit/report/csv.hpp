// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::to_csv — the run's time series as CSV (RFC 4180), one row per interval per tag, for a
// spreadsheet, pandas or gnuplot:
//
//   #include <loadkit/report/csv.hpp>                   // opt-in: not part of loadkit.hpp
//   std::ofstream("run.csv") << loadkit::to_csv(report);
//
//   tag,interval_start_s,interval_end_s,count,ok,errors,timeouts,dropped,throughput,min_ms,...,max_ms
//   overall,0,1,412,401,7,4,0,412.000,0.731,2.043,...,18.87
//
// Rows: first the intervals of all tags together (tag column "overall", see csv_options), then
// each tag's, in the result's tag order. The series includes the warm-up (result.warmup says where
// it ends). throughput is count / the interval's length (the last interval ends at the run's
// duration). Latency columns are in milliseconds at the interval histograms' resolution (2
// significant digits: each value within 0.4 %), and empty for an interval where nothing ran.
// Fields holding a comma, a double quote, CR or LF are quoted, quotes doubled; ill-formed UTF-8
// is replaced by U+FFFD. A tag starting with = + - @, tab or CR is written after a "'" so that a
// spreadsheet shows it as text instead of running it as a formula (OWASP's CSV injection advice).
#ifndef LOADKIT_REPORT_CSV_HPP
#define LOADKIT_REPORT_CSV_HPP

#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <iosfwd>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

struct csv_options {
    std::string overall_label = "overall"; // tag column of the rows for every tag together
    std::string line_end = "\r\n";         // RFC 4180's CRLF, or "\n" for line-oriented Unix tools
};

inline constexpr std::string_view csv_header = "tag,interval_start_s,interval_end_s,count,ok,errors,timeouts,"
                                               "dropped,throughput,min_ms,mean_ms,p50_ms,p90_ms,p95_ms,"
                                               "p99_ms,p999_ms,max_ms";

// The result's interval series as CSV text: a header row, then the rows described above.
[[nodiscard]] LOADKIT_DECL std::string to_csv(const run_result& result, const csv_options& options = {});
[[nodiscard]] LOADKIT_DECL std::string to_csv(const run_report& report, const csv_options& options = {});

LOADKIT_DECL void write_csv(std::ostream& out, const run_report& report, const csv_options& options = {});

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_csv.ipp>
#endif

#endif // LOADKIT_REPORT_CSV_HPP
