// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::to_json / loadkit::from_json — a run_report as JSON that tools read and that loadkit
// reads back exactly: schema "loadkit-report", version 4, every member described in
// docs/report.schema.json (JSON Schema 2020-12). Versions 1 to 3 read too: 4 adds "segment",
// "start_at_unix_ns" and "start_skew_ns", 3 "scheduled" (op_stats), 2 "past_hang_limit" and
// stuck[].finished; what an older report lacks reads as 0 or absent.
//
//   #include <loadkit/report/json.hpp>                  // opt-in: not part of loadkit.hpp
//   loadkit::write_file("run.json", loadkit::to_json(report)); // report/file.hpp: throws on failure
//   loadkit::run_report back = loadkit::from_json(text); // back.result == report.result
//   // merge the reports of several processes exactly: report/merge.hpp
//
// Why this shape. Users of k6, Locust and wrk2 ask most for machine-readable results that merge
// across machines (research notes, load tools part 3); percentiles cannot be averaged, so every
// histogram is written as its configuration (sub_bucket_count, highest_ns), its exact min/max and
// clamped counts, and its counters: HdrHistogram's counts array, run-length encoded as in its V2
// format (a count per occupied counter, -k for k empty ones), which is enough to rebuild it
// counter for counter, keeps HdrHistogram's counter layout, and takes ~6 bytes per occupied counter
// (bench/report_json.cpp: 8 tags x 300 intervals, 3.5 MB, written in ~20 ms, read in ~40 ms).
// Next to the data, "summary" objects give the figures people look for
// (count, min, mean, p50 .. p99.9, max, stddev, in ns; error rate; throughput) — from_json skips
// them. Durations are integer nanoseconds ("_ns"); doubles are written in the shortest form that
// reads back to the same double (std::to_chars), NaN as null and infinities as "Infinity" /
// "-Infinity"; strings are escaped per RFC 8259, with ill-formed UTF-8 replaced by U+FFFD.
//
// Reading is strict: a missing, unknown or duplicate member, a wrong type, another schema or
// version, or a histogram whose counters disagree with its totals throws loadkit::json_error (a
// std::invalid_argument) naming the line, the column, the member path and what was expected.
// A format change that adds or changes a member bumps "version".
#ifndef LOADKIT_REPORT_JSON_HPP
#define LOADKIT_REPORT_JSON_HPP

#include <loadkit/config.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

// How loadkit::to_json writes.
struct json_options {
    int indent = 2;        // spaces per level, 0 .. 16 (std::invalid_argument else); 0 writes one line
    bool summaries = true; // "summary" figures for people (count, percentiles, rates); never read back
    bool intervals = true; // the per-interval time series; false shrinks the file and reads back empty
};

// Malformed or unexpected input to loadkit::from_json, e.g.
// "loadkit::from_json: line 12, column 19 (result.tags[0].ok): expected an unsigned integer, found "-3"".
// line and column are 1-based; column counts characters (UTF-8 code points).
class json_error : public std::invalid_argument {
public:
    json_error(std::size_t line, std::size_t column, std::string path, std::string message);
    [[nodiscard]] std::size_t line() const noexcept { return line_; }
    [[nodiscard]] std::size_t column() const noexcept { return column_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] const std::string& message() const noexcept { return message_; }

private:
    std::size_t line_;
    std::size_t column_;
    std::string path_;
    std::string message_;
};

// The report as JSON text (ends with a newline).
[[nodiscard]] LOADKIT_DECL std::string to_json(const run_report& report, const json_options& options = {});

LOADKIT_DECL void write_json(std::ostream& out, const run_report& report, const json_options& options = {});

// Bounds on what from_json builds, in histogram counters of 8 bytes; each > 0 (std::invalid_argument
// naming the field and the value otherwise). A histogram's layout is declared before its counts:
// 100 bytes can ask for 262144 sub-buckets up to 2^63 ns, 6.2 million counters (47 MiB). Per
// histogram, the default holds every layout up to 5 significant digits with highest <= 2^48 ns
// (78 h), loadkit's at any precision with the default 1 h range; in all, 512 MiB (a hundred tags
// of 3-digit histograms take 14 million). Everything else read grows with the input's length.
struct json_read_options {
    std::size_t max_counters_per_histogram = std::size_t{1} << 22;
    std::size_t max_counters_total = std::size_t{1} << 26;
};

// The report that to_json wrote. Throws loadkit::json_error (std::invalid_argument), also for a
// histogram past options' bounds.
[[nodiscard]] LOADKIT_DECL run_report from_json(std::string_view text, const json_read_options& options = {});

// Reads the whole stream, then from_json. Throws std::invalid_argument if the stream fails.
[[nodiscard]] LOADKIT_DECL run_report read_json(std::istream& in, const json_read_options& options = {});

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_json.ipp>
#endif

#endif // LOADKIT_REPORT_JSON_HPP
