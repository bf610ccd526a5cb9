// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::to_json / loadkit::from_json — a run_report as JSON that tools read and that loadkit
// reads back exactly: schema "loadkit-report", version 1, every member described in
// docs/report.schema.json (JSON Schema 2020-12).
//
//   #include <loadkit/report/json.hpp>                  // opt-in: not part of loadkit.hpp
//   std::ofstream("run.json") << loadkit::to_json(report);
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

#include <loadkit/detail/report/json/reader.hpp>
#include <loadkit/detail/report/json/report_read.hpp>
#include <loadkit/detail/report/json/report_write.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <istream>
#include <iterator>
#include <ostream>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0 {

// The report as JSON text (ends with a newline).
[[nodiscard]] inline std::string to_json(const run_report& report, const json_options& options = {}) {
    std::string out;
    detail::json_report_writer(out, options).report(report);
    out += '\n';
    return out;
}

inline void write_json(std::ostream& out, const run_report& report, const json_options& options = {}) {
    const std::string text = to_json(report, options);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

// The report that to_json wrote. Throws loadkit::json_error (std::invalid_argument).
[[nodiscard]] inline run_report from_json(std::string_view text) {
    return detail::json_report_reader(text).report();
}

// Reads the whole stream, then from_json. Throws std::invalid_argument if the stream fails.
[[nodiscard]] inline run_report read_json(std::istream& in) {
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        throw std::invalid_argument("loadkit::read_json: the stream could not be read");
    }
    return from_json(text);
}

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_REPORT_JSON_HPP
