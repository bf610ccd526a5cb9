// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::to_hlog / loadkit::read_hlog — HdrHistogram interval logs (.hlog, log format 1.3), the
// file HistogramLogAnalyzer and HistogramLogProcessor plot and merge: one line per interval per tag
// with its full latency histogram. Checked against HdrHistogram 2.1.11 (Java): its
// HistogramLogReader and HistogramLogProcessor read what to_hlog writes (same counts, same
// counters), and read_hlog reads the logs Java writes (tests/test_report_hlog.cpp).
//
//   std::ofstream("run.hlog") << loadkit::to_hlog(report);          // every interval, every tag
//   loadkit::hlog_log log = loadkit::read_hlog(text);                // and back, counter for counter
//   loadkit::histogram all = log.merged("checkout");
//
// Format (HdrHistogram HistogramLogWriter, byte for byte): "#[Logged with loadkit 0.1.0]",
// "#[Histogram log format version 1.3]", "#[StartTime: <s> (seconds since epoch), <date>]",
// "#[BaseTime: <s> (seconds since epoch)]", the legend line, then per interval
// "[Tag=<tag>,]<start s>,<length s>,<max>,<base64>", numbers as Java's "%.3f". start is relative to
// BaseTime, the run's start. max is the interval's largest value as HdrHistogram reports it (the
// upper edge of its counter) divided by max_value_unit_ratio: 1e6 turns loadkit's nanoseconds into
// the milliseconds HistogramLogAnalyzer shows, as Java's writer does by default. The payload is
// HdrHistogram's V2 encoding (detail/report/hlog/histogram.hpp) in a zlib stream: stored blocks, or zlib's
// compression at Java's level 9 when compiled with -DLOADKIT_WITH_ZLIB and linked with -lz.
// Unlike HdrHistogram_c's hdr_log_write (legend "EndTimestamp", an absolute end time as column 2,
// the max in raw units, version 1.2), which Java readers misread, this follows the Java reference.
//
// Precision: a histogram made with significant_digits = d is written in HdrHistogram's layout for d
// (lowest 1 ns, its highest()) counter for counter, and read back exactly. One made with a
// max_relative_error that no d matches is written in the next finer layout (each count at the
// counter holding its own counter's upper edge, so HdrHistogram tools report the same upper edges);
// read it back with hlog_read_options::precision = the original options to get the same counters.
// Interval series (run_result) hold 2 digits: d = 2. Exact min/max and clamped counts are not in
// the format; a histogram read back reports its counters' midpoints as min and max.
// Tags: ',', ' ', CR, LF, other control characters and DEL are replaced by '_' (the format splits
// fields on them), or rejected with hlog_tag_policy::reject; UTF-8 passes unchanged and ill-formed
// UTF-8 becomes U+FFFD (with either policy). Two tags that become equal get "_2", "_3", ...
// appended to the later ones, so no two tags merge.
#ifndef LOADKIT_REPORT_HLOG_HPP
#define LOADKIT_REPORT_HLOG_HPP

#include <loadkit/config.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/interval_series.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// A malformed .hlog (read_hlog): the message names the line.
class hlog_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class hlog_tag_policy : std::uint8_t { replace, reject };

struct hlog_options {
    // The first line, written as "#[<comment>]"; "" writes none. At most 100 bytes, no line breaks
    // (HdrHistogram_c reads header lines into 128 bytes).
    std::string comment = "Logged with loadkit " + std::to_string(LOADKIT_VERSION_MAJOR) + "." +
                          std::to_string(LOADKIT_VERSION_MINOR) + "." + std::to_string(LOADKIT_VERSION_PATCH);
    // Write "#[BaseTime: ...]" and timestamps relative to the run's start (as jHiccup does); false:
    // absolute timestamps in seconds since the epoch.
    bool base_time = true;
    // Interval_Max = max in ns / max_value_unit_ratio (> 0): 1e6 -> ms, Java's default.
    double max_value_unit_ratio = 1e6;
    bool overall = true; // untagged lines: all tags together (run_result::overall)
    bool tags = true;    // one "Tag=<name>" line per tag and interval
    hlog_tag_policy tag_policy = hlog_tag_policy::replace;
    // zlib level 0..9 when built with LOADKIT_WITH_ZLIB (9: Java's Deflater.BEST_COMPRESSION).
    int compression_level = 9;
};

// name as a .hlog tag: ill-formed UTF-8 as U+FFFD, the reserved characters replaced by '_'
// ("" -> "_"), or, with hlog_tag_policy::reject, std::invalid_argument if there are any.
[[nodiscard]] LOADKIT_DECL std::string hlog_tag(std::string_view name,
                                                hlog_tag_policy policy = hlog_tag_policy::replace);

namespace detail {
struct hlog_line_writer; // writes hlog_writer's lines (impl/report_hlog.ipp)
} // namespace detail

// Writes a .hlog: the header at construction, then one line per add().
class hlog_writer {
public:
    // start: the run's start (StartTime and, with base_time, BaseTime), kept to the millisecond.
    explicit hlog_writer(std::chrono::system_clock::time_point start, hlog_options options = {});

    // One interval [start, start + length) from the run's start; tag "" writes an untagged line.
    // The tag goes through hlog_tag() with the options' policy.
    void add(std::string_view tag, std::chrono::nanoseconds start, std::chrono::nanoseconds length,
             const histogram& h);
    // The same for an interval of a run_result's series (2 significant digits); highest is the
    // HdrHistogram range to declare: the run's histograms' (tag_result::latency.highest()).
    void add(std::string_view tag, std::chrono::nanoseconds start, std::chrono::nanoseconds length,
             const sparse_histogram& h, std::chrono::nanoseconds highest = std::chrono::hours{1});

    [[nodiscard]] const std::string& str() const& noexcept { return text_; }
    [[nodiscard]] std::string str() && noexcept { return std::move(text_); }

private:
    friend struct detail::hlog_line_writer;

    hlog_options options_;
    std::chrono::sys_time<std::chrono::milliseconds> start_ms_;
    std::string text_;
};

// The whole run: for each interval of the run's series, an untagged line for all tags together
// (options.overall) and a "Tag=<name>" line per tag (options.tags), in time order. Every interval is
// written, empty ones too; the last one ends at the run's duration.
[[nodiscard]] LOADKIT_DECL std::string to_hlog(const run_report& report, const hlog_options& options = {});

// ---- reading ------------------------------------------------------------------------------------

// Validated by read_hlog (std::invalid_argument naming the field and the value).
struct hlog_read_options {
    // Layout of the histograms built. Empty: the payload's own (its significant digits and highest
    // trackable value), which holds every counter exactly when the log came from loadkit or from
    // HdrHistogram with a lowest discernible value of 1.
    std::optional<histogram_options> precision{};
    // Bound on one decompressed payload (a guard against corrupt or hostile input), > 0.
    std::size_t max_payload_bytes = std::size_t{64} << 20;
    // Bounds on the histograms built, in counters of 8 bytes, each > 0. A line declares its
    // histogram's precision and range before any count: 56 characters can ask for 5 significant
    // digits up to 2^63 ns, 6.2 million counters (47 MiB). Per interval, the default holds every
    // layout up to 5 digits with highest <= 2^48 ns (78 h) — loadkit's at any precision with the
    // default 1 h range (5 digits: 3.4 million) — and HdrHistogram's up to 4 digits at any range;
    // in all, 512 MiB (a day of 2-digit intervals every 5 s, as jHiccup logs, is ~80 million: raise
    // it for such logs). A line past either bound is an hlog_error naming the line and the bound.
    std::size_t max_counters_per_interval = std::size_t{1} << 22;
    std::size_t max_counters_total = std::size_t{1} << 26;
};

// One interval line.
struct hlog_interval {
    std::string tag;                  // "" for an untagged line
    std::chrono::nanoseconds start{}; // from the log's start time (StartTime)
    std::chrono::nanoseconds length{};
    double max = 0.0; // the Interval_Max column as written (in the writer's unit, ms for loadkit)
    histogram latency;
};

struct hlog_log {
    std::string format_version; // "1.3"; "" when the log does not say
    std::optional<std::chrono::system_clock::time_point> start_time;
    std::optional<std::chrono::system_clock::time_point> base_time;
    std::vector<std::string> comments; // other '#' lines, without the '#'
    std::vector<hlog_interval> intervals;

    // Distinct tags in order of first appearance ("" for untagged lines).
    [[nodiscard]] std::vector<std::string> tags() const;
    // Every interval of one tag whose start lies in [from, to], added (HistogramLogProcessor's
    // -start/-end). Throws std::invalid_argument if their layouts differ.
    [[nodiscard]] histogram merged(std::string_view tag,
                                   std::chrono::nanoseconds from = std::chrono::nanoseconds::min(),
                                   std::chrono::nanoseconds to = std::chrono::nanoseconds::max()) const;
};

// Parses a .hlog as HdrHistogram's HistogramLogReader does: '#' lines are comments (StartTime,
// BaseTime and the format version are picked out), the legend is skipped, every other non-empty
// line is an interval. Without a BaseTime line, timestamps more than a year before StartTime are
// taken as relative to it, others as absolute; without a StartTime, the first timestamp is the
// start. Throws hlog_error naming the line for anything malformed (bad number, base64, zlib stream,
// checksum or histogram encoding) or past the options' bounds; std::invalid_argument for invalid
// options. Memory: the histograms built (at most max_counters_total counters) and, per line, the
// line's payload (at most max_payload_bytes inflated).
[[nodiscard]] LOADKIT_DECL hlog_log read_hlog(std::string_view text, const hlog_read_options& options = {});

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_hlog.ipp>
#endif

#endif // LOADKIT_REPORT_HLOG_HPP
