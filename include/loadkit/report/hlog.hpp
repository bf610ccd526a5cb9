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
// fields on them), or rejected with hlog_tag_policy::reject; UTF-8 passes unchanged. Two tags that
// become equal get "_2", "_3", ... appended to the later ones, so no two tags merge.
#ifndef LOADKIT_REPORT_HLOG_HPP
#define LOADKIT_REPORT_HLOG_HPP

#include <loadkit/detail/report/hlog/codec.hpp>
#include <loadkit/detail/report/hlog/histogram.hpp>
#include <loadkit/detail/report/hlog/text.hpp>
#include <loadkit/detail/recorder/series.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0 {

// A malformed .hlog (read_hlog): the message names the line.
using hlog_error = detail::hlog_format_error;

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

namespace detail {
[[noreturn]] inline void throw_hlog_option(const char* field, const std::string& value,
                                           const char* expected) {
    throw std::invalid_argument(std::string("loadkit::hlog_options: ") + field + " = " + value +
                                " (expected " + expected + ")");
}
inline void validate(const hlog_options& o) {
    if (o.comment.size() > 100 || o.comment.find_first_of("\r\n") != std::string::npos) {
        throw_hlog_option("comment",
                          "\"" + o.comment.substr(0, 40) + "...\" (" + std::to_string(o.comment.size()) +
                              " bytes)",
                          "at most 100 bytes, no line breaks");
    }
    if (!(o.max_value_unit_ratio > 0.0 && std::isfinite(o.max_value_unit_ratio))) {
        throw_hlog_option("max_value_unit_ratio", format_double(o.max_value_unit_ratio),
                          "a finite value > 0");
    }
    if (o.compression_level < 0 || o.compression_level > 9) {
        throw_hlog_option("compression_level", std::to_string(o.compression_level), "0 .. 9");
    }
}
} // namespace detail

// name as a .hlog tag: the reserved characters replaced by '_' ("" -> "_"), or, with
// hlog_tag_policy::reject, std::invalid_argument if there are any.
[[nodiscard]] inline std::string hlog_tag(std::string_view name,
                                          hlog_tag_policy policy = hlog_tag_policy::replace) {
    std::string out(name.empty() ? std::string_view("_") : name);
    for (char& c : out) {
        if (!detail::hlog_tag_char_allowed(c)) {
            if (policy == hlog_tag_policy::reject) {
                std::string shown;
                for (char s : name) {
                    shown += detail::hlog_tag_char_allowed(s) || s == ' ' ? s : '?';
                }
                throw std::invalid_argument("loadkit::hlog_tag: tag \"" + shown +
                                            "\" holds a comma, space, line break or control character "
                                            "(not allowed in a .hlog tag)");
            }
            c = '_';
        }
    }
    return out;
}

// Writes a .hlog: the header at construction, then one line per add().
class hlog_writer {
public:
    // start: the run's start (StartTime and, with base_time, BaseTime), kept to the millisecond.
    explicit hlog_writer(std::chrono::system_clock::time_point start, hlog_options options = {})
        : options_(std::move(options)), start_ms_(std::chrono::floor<std::chrono::milliseconds>(start)) {
        detail::validate(options_);
        if (!options_.comment.empty()) {
            text_ += "#[" + options_.comment + "]\n";
        }
        text_ += "#[Histogram log format version 1.3]\n";
        const double seconds = static_cast<double>(start_ms_.time_since_epoch().count()) / 1000.0;
        text_ += "#[StartTime: " + detail::java_fixed(seconds, 3) + " (seconds since epoch), " +
                 detail::java_date_utc(start_ms_) + "]\n";
        if (options_.base_time) {
            text_ += "#[BaseTime: " + detail::java_fixed(seconds, 3) + " (seconds since epoch)]\n";
        }
        text_ +=
            "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
    }

    // One interval [start, start + length) from the run's start; tag "" writes an untagged line.
    // The tag goes through hlog_tag() with the options' policy.
    void add(std::string_view tag, std::chrono::nanoseconds start, std::chrono::nanoseconds length,
             const histogram& h) {
        const detail::hdr_layout layout =
            detail::make_hdr_layout(detail::hdr_digits_for(sub_bucket_bits(h.sub_bucket_count())), 1,
                                    static_cast<std::uint64_t>(h.highest().count()));
        line(tag, start, length, layout, counts_of(h, layout));
    }
    // The same for an interval of a run_result's series (2 significant digits); highest is the
    // HdrHistogram range to declare: the run's histograms' (tag_result::latency.highest()).
    void add(std::string_view tag, std::chrono::nanoseconds start, std::chrono::nanoseconds length,
             const sparse_histogram& h, std::chrono::nanoseconds highest = std::chrono::hours{1}) {
        const detail::hdr_layout layout =
            detail::make_hdr_layout(detail::hdr_digits_for(sparse_histogram::sub_bucket_bits), 1,
                                    static_cast<std::uint64_t>(std::max<std::int64_t>(highest.count(), 2)));
        line(tag, start, length, layout, counts_of(h, layout));
    }

    [[nodiscard]] const std::string& str() const& noexcept { return text_; }
    [[nodiscard]] std::string str() && noexcept { return std::move(text_); }

private:
    static unsigned sub_bucket_bits(std::size_t sub_bucket_count) noexcept {
        return static_cast<unsigned>(std::bit_width(sub_bucket_count) - 1);
    }
    // Each counter's count at the HdrHistogram counter holding its upper edge (the same counter
    // when the layouts match).
    template <class H>
    static std::vector<detail::hdr_count> counts_of(const H& h, const detail::hdr_layout& layout) {
        std::vector<detail::hdr_count> counts;
        h.for_each_bucket([&](const histogram_bucket& b) {
            const std::size_t index = layout.index_of(static_cast<std::uint64_t>(b.highest.count()));
            if (!counts.empty() && counts.back().index == index) {
                counts.back().count += b.count;
            } else {
                counts.push_back({index, b.count});
            }
        });
        return counts;
    }

    void line(std::string_view tag, std::chrono::nanoseconds start, std::chrono::nanoseconds length,
              const detail::hdr_layout& layout, const std::vector<detail::hdr_count>& counts) {
        if (!tag.empty()) {
            text_ += "Tag=" + hlog_tag(tag, options_.tag_policy) + ",";
        }
        // As Java's outputIntervalHistogram(startSec, endSec, h): the length is endSec - startSec.
        const std::int64_t base =
            options_.base_time ? 0 : std::chrono::nanoseconds{start_ms_.time_since_epoch()}.count();
        const double start_s = static_cast<double>(base + start.count()) / 1e9;
        const double end_s = static_cast<double>(base + start.count() + length.count()) / 1e9;
        const double max = counts.empty() ? 0.0 : static_cast<double>(layout.highest_of(counts.back().index));
        text_ += detail::java_fixed(start_s, 3) + "," + detail::java_fixed(end_s - start_s, 3) + "," +
                 detail::java_fixed(max / options_.max_value_unit_ratio, 3) + ",";
        const detail::hlog_bytes payload = detail::encode_hdr_v2(layout, counts, options_.compression_level);
        detail::base64_encode(payload.data(), payload.size(), text_);
        text_ += '\n';
    }

    hlog_options options_;
    std::chrono::sys_time<std::chrono::milliseconds> start_ms_;
    std::string text_;
};

// The whole run: for each interval of the run's series, an untagged line for all tags together
// (options.overall) and a "Tag=<name>" line per tag (options.tags), in time order. Every interval is
// written, empty ones too; the last one ends at the run's duration.
[[nodiscard]] inline std::string to_hlog(const run_report& report, const hlog_options& options = {}) {
    hlog_writer writer(report.started, options);
    struct series_ref {
        std::string tag;
        const tag_result* result;
    };
    std::vector<series_ref> series;
    if (options.overall) {
        series.push_back({"", &report.result.overall});
    }
    if (options.tags) {
        std::vector<std::string> used;
        for (const tag_result& t : report.result.tags) {
            std::string name = hlog_tag(t.name, options.tag_policy);
            const std::string stem = name;
            for (int k = 2; std::find(used.begin(), used.end(), name) != used.end(); ++k) {
                name = stem + "_" + std::to_string(k);
            }
            used.push_back(name);
            series.push_back({std::move(name), &t});
        }
    }
    struct pending {
        std::chrono::nanoseconds start;
        std::size_t series;
        std::size_t interval;
    };
    std::vector<pending> order;
    for (std::size_t s = 0; s < series.size(); ++s) {
        const interval_series& is = series[s].result->intervals;
        for (std::size_t i = 0; i < is.intervals.size(); ++i) {
            order.push_back({is.start_of(i), s, i});
        }
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const pending& a, const pending& b) { return a.start < b.start; });
    for (const pending& p : order) {
        const tag_result& t = *series[p.series].result;
        const interval_series& is = t.intervals;
        std::chrono::nanoseconds length = is.width;
        const std::chrono::nanoseconds left = report.result.duration - p.start;
        if (left > std::chrono::nanoseconds::zero() && left < length) {
            length = left; // the partial last interval
        }
        writer.add(series[p.series].tag, p.start, length, is.intervals[p.interval].latency,
                   t.latency.highest());
    }
    return std::move(writer).str();
}

// ---- reading ------------------------------------------------------------------------------------

struct hlog_read_options {
    // Layout of the histograms built. Empty: the payload's own (its significant digits and highest
    // trackable value), which holds every counter exactly when the log came from loadkit or from
    // HdrHistogram with a lowest discernible value of 1.
    std::optional<histogram_options> precision{};
    // Bound on one decompressed payload (a guard against corrupt or hostile input).
    std::size_t max_payload_bytes = std::size_t{64} << 20;
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
    [[nodiscard]] std::vector<std::string> tags() const {
        std::vector<std::string> out;
        for (const auto& i : intervals) {
            if (std::find(out.begin(), out.end(), i.tag) == out.end()) {
                out.push_back(i.tag);
            }
        }
        return out;
    }
    // Every interval of one tag whose start lies in [from, to], added (HistogramLogProcessor's
    // -start/-end). Throws std::invalid_argument if their layouts differ.
    [[nodiscard]] histogram merged(std::string_view tag,
                                   std::chrono::nanoseconds from = std::chrono::nanoseconds::min(),
                                   std::chrono::nanoseconds to = std::chrono::nanoseconds::max()) const {
        std::optional<histogram> sum;
        for (const auto& i : intervals) {
            if (i.tag == tag && i.start >= from && i.start <= to) {
                if (sum) {
                    *sum += i.latency;
                } else {
                    sum = i.latency;
                }
            }
        }
        return sum ? std::move(*sum) : histogram{};
    }
};

namespace detail {

// Each HdrHistogram counter's count at its midpoint into a loadkit histogram: the same counter
// when the layouts match, the enclosing one when the target is coarser.
inline histogram to_loadkit_histogram(const hdr_decoded& d,
                                      const std::optional<histogram_options>& precision) {
    histogram_options o;
    if (precision) {
        o = *precision;
    } else {
        if (d.layout.significant_digits >= 1) {
            o.significant_digits = d.layout.significant_digits;
        } else {
            o.max_relative_error = 0.5; // 2 sub-buckets, HdrHistogram's d = 0
        }
        std::uint64_t top = d.layout.highest;
        if (!d.counts.empty()) {
            top = std::max(top, d.layout.highest_of(d.counts.back().index));
        }
        top = std::min<std::uint64_t>(top,
                                      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
        o.highest = std::chrono::nanoseconds{static_cast<std::int64_t>(std::max<std::uint64_t>(top, 2))};
    }
    histogram h(o);
    for (const hdr_count& c : d.counts) {
        h.record(static_cast<std::int64_t>(d.layout.median_of(c.index)), c.count);
    }
    return h;
}

[[noreturn]] inline void hlog_read_failure(std::size_t line, const std::string& what) {
    throw hlog_error("loadkit::read_hlog: line " + std::to_string(line) + ": " + what);
}

inline std::string_view hlog_trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

inline std::optional<std::chrono::system_clock::time_point> header_time(std::string_view line,
                                                                        std::string_view prefix) {
    if (line.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    line.remove_prefix(prefix.size());
    line = hlog_trim(line);
    const std::size_t end = line.find_first_of(" ,]");
    const auto ns = parse_decimal_nanos(line.substr(0, end));
    if (!ns) {
        return std::nullopt;
    }
    return std::chrono::system_clock::time_point{
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds{*ns})};
}

} // namespace detail

// Parses a .hlog as HdrHistogram's HistogramLogReader does: '#' lines are comments (StartTime,
// BaseTime and the format version are picked out), the legend is skipped, every other non-empty
// line is an interval. Without a BaseTime line, timestamps more than a year before StartTime are
// taken as relative to it, others as absolute; without a StartTime, the first timestamp is the
// start. Throws hlog_error naming the line for anything malformed (bad number, base64, zlib stream,
// checksum or histogram encoding).
[[nodiscard]] inline hlog_log read_hlog(std::string_view text, const hlog_read_options& options = {}) {
    hlog_log log;
    std::optional<std::int64_t> start_ns;
    std::optional<std::int64_t> base_ns;
    std::size_t line_no = 0;
    const auto ns_of = [](std::chrono::system_clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    };
    while (!text.empty()) {
        const std::size_t eol = text.find('\n');
        const std::string_view line = detail::hlog_trim(text.substr(0, eol));
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        ++line_no;
        const auto fail = [&](const std::string& what) { detail::hlog_read_failure(line_no, what); };
        if (line.empty() || line.front() == '"') {
            continue; // blank or the legend
        }
        if (line.front() == '#') {
            constexpr std::string_view version_prefix = "#[Histogram log format version ";
            if (auto t = detail::header_time(line, "#[StartTime:")) {
                log.start_time = t;
                start_ns = ns_of(*t);
            } else if (auto b = detail::header_time(line, "#[BaseTime:")) {
                log.base_time = b;
                base_ns = ns_of(*b);
            } else if (line.substr(0, version_prefix.size()) == version_prefix) {
                log.format_version =
                    std::string(line.substr(version_prefix.size(), line.find(']') - version_prefix.size()));
            } else {
                log.comments.emplace_back(line.substr(1));
            }
            continue;
        }
        std::vector<std::string_view> fields;
        for (std::string_view rest = line;;) {
            const std::size_t comma = rest.find(',');
            fields.push_back(detail::hlog_trim(rest.substr(0, comma)));
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
        hlog_interval interval;
        if (!fields.empty() && fields.front().substr(0, 4) == "Tag=") {
            interval.tag = std::string(fields.front().substr(4));
            fields.erase(fields.begin());
        }
        if (fields.size() != 4) {
            fail("expected [Tag=<tag>,]start,length,max,histogram; found " + std::to_string(fields.size()) +
                 " fields");
        }
        const auto stamp = detail::parse_decimal_nanos(fields[0]);
        const auto length = detail::parse_decimal_nanos(fields[1]);
        double max = 0.0;
        const auto parsed = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), max);
        if (!stamp || !length || parsed.ec != std::errc{} ||
            parsed.ptr != fields[2].data() + fields[2].size()) {
            fail("start, length or max is not a decimal number");
        }
        if (!start_ns) {
            start_ns = *stamp; // no StartTime: the first timestamp (as Java's reader)
        }
        if (!base_ns) {
            constexpr std::int64_t year = std::int64_t{31'557'600} * 1'000'000'000; // 365.25 days
            base_ns = *stamp < *start_ns - year ? *start_ns : 0;
        }
        interval.start = std::chrono::nanoseconds{*stamp + *base_ns - *start_ns};
        interval.length = std::chrono::nanoseconds{*length};
        interval.max = max;
        try {
            const detail::hlog_bytes bytes = detail::base64_decode(fields[3]);
            const detail::hdr_decoded decoded =
                detail::decode_hdr(bytes.data(), bytes.size(), options.max_payload_bytes);
            interval.latency = detail::to_loadkit_histogram(decoded, options.precision);
        } catch (const hlog_error& e) {
            fail(e.what());
        }
        log.intervals.push_back(std::move(interval));
    }
    return log;
}

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_REPORT_HLOG_HPP
