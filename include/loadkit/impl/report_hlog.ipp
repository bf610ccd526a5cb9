// SPDX-License-Identifier: MIT
//
// loadkit::to_hlog / read_hlog's bodies (declared in report/hlog.hpp): header and interval lines
// as Java's HistogramLogWriter prints them, and the reader, over detail/report/hlog/ (V2 encoding,
// zlib, base64, Java's number and date text).
// The body of report/hlog.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_REPORT_HLOG_IPP
#define LOADKIT_IMPL_REPORT_HLOG_IPP

#include <loadkit/detail/report/hlog/codec.hpp>
#include <loadkit/detail/report/hlog/histogram.hpp>
#include <loadkit/detail/report/hlog/text.hpp>
#include <loadkit/detail/report/json/writer.hpp>
#include <loadkit/detail/stats/histogram_layout.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/interval_series.hpp>
#include <loadkit/run_report.hpp>

#include <algorithm>
#include <array>
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
inline namespace v0_1 {
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

// hlog_writer's lines: one per interval, its histogram in HdrHistogram's layout.
struct hlog_line_writer {
    static unsigned sub_bucket_bits(std::size_t sub_bucket_count) noexcept {
        return static_cast<unsigned>(std::bit_width(sub_bucket_count) - 1);
    }
    // Each counter's count at the HdrHistogram counter holding its upper edge (the same counter
    // when the layouts match).
    template <class H> static std::vector<hdr_count> counts_of(const H& h, const hdr_layout& layout) {
        std::vector<hdr_count> counts;
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

    static void line(hlog_writer& w, std::string_view tag, std::chrono::nanoseconds start,
                     std::chrono::nanoseconds length, const hdr_layout& layout,
                     const std::vector<hdr_count>& counts) {
        if (!tag.empty()) {
            w.text_ += "Tag=" + hlog_tag(tag, w.options_.tag_policy) + ",";
        }
        // As Java's outputIntervalHistogram(startSec, endSec, h): the length is endSec - startSec.
        const std::int64_t base =
            w.options_.base_time ? 0 : std::chrono::nanoseconds{w.start_ms_.time_since_epoch()}.count();
        const double start_s = static_cast<double>(base + start.count()) / 1e9;
        const double end_s = static_cast<double>(base + start.count() + length.count()) / 1e9;
        const double max = counts.empty() ? 0.0 : static_cast<double>(layout.highest_of(counts.back().index));
        w.text_ += java_fixed(start_s, 3) + "," + java_fixed(end_s - start_s, 3) + "," +
                   java_fixed(max / w.options_.max_value_unit_ratio, 3) + ",";
        const hlog_bytes payload = encode_hdr_v2(layout, counts, w.options_.compression_level);
        base64_encode(payload.data(), payload.size(), w.text_);
        w.text_ += '\n';
    }
};

} // namespace detail

LOADKIT_DECL std::string hlog_tag(std::string_view name, hlog_tag_policy policy) {
    // Readers decode the log as UTF-8 (HdrHistogram's Java reader through a Scanner): ill-formed
    // bytes would reach them as whatever their decoder makes of them, so they become U+FFFD here.
    std::string out = name.empty() ? std::string("_") : detail::utf8_repaired(name);
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

LOADKIT_DECL hlog_writer::hlog_writer(std::chrono::system_clock::time_point start, hlog_options options)
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
    text_ += "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
}

LOADKIT_DECL void hlog_writer::add(std::string_view tag, std::chrono::nanoseconds start,
                                   std::chrono::nanoseconds length, const histogram& h) {
    using detail::hlog_line_writer;
    const detail::hdr_layout layout = detail::make_hdr_layout(
        detail::hdr_digits_for(hlog_line_writer::sub_bucket_bits(h.sub_bucket_count())), 1,
        static_cast<std::uint64_t>(h.highest().count()));
    hlog_line_writer::line(*this, tag, start, length, layout, hlog_line_writer::counts_of(h, layout));
}

LOADKIT_DECL void hlog_writer::add(std::string_view tag, std::chrono::nanoseconds start,
                                   std::chrono::nanoseconds length, const sparse_histogram& h,
                                   std::chrono::nanoseconds highest) {
    using detail::hlog_line_writer;
    const detail::hdr_layout layout =
        detail::make_hdr_layout(detail::hdr_digits_for(sparse_histogram::sub_bucket_bits), 1,
                                static_cast<std::uint64_t>(std::max<std::int64_t>(highest.count(), 2)));
    hlog_line_writer::line(*this, tag, start, length, layout, hlog_line_writer::counts_of(h, layout));
}

LOADKIT_DECL std::string to_hlog(const run_report& report, const hlog_options& options) {
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

LOADKIT_DECL std::vector<std::string> hlog_log::tags() const {
    std::vector<std::string> out;
    for (const auto& i : intervals) {
        if (std::find(out.begin(), out.end(), i.tag) == out.end()) {
            out.push_back(i.tag);
        }
    }
    return out;
}

LOADKIT_DECL histogram hlog_log::merged(std::string_view tag, std::chrono::nanoseconds from,
                                        std::chrono::nanoseconds to) const {
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

namespace detail {

// The loadkit histogram options for an opened payload: the caller's precision, or the payload's
// own digits and a range reaching its last non-empty counter. Each counter's count is then
// recorded at its midpoint: the same counter when the layouts match, the enclosing one when the
// target is coarser.
inline histogram_options hlog_histogram_options(const hdr_layout& layout, std::size_t last_index, bool empty,
                                                const std::optional<histogram_options>& precision) {
    if (precision) {
        return *precision;
    }
    histogram_options o;
    if (layout.significant_digits >= 1) {
        o.significant_digits = layout.significant_digits;
    } else {
        o.max_relative_error = 0.5; // 2 sub-buckets, HdrHistogram's d = 0
    }
    std::uint64_t top = layout.highest;
    if (!empty) {
        top = std::max(top, layout.highest_of(last_index));
    }
    top = std::min<std::uint64_t>(top, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    o.highest = std::chrono::nanoseconds{static_cast<std::int64_t>(std::max<std::uint64_t>(top, 2))};
    return o;
}

inline std::string hlog_mib(std::size_t counters) {
    return std::to_string((counters * sizeof(std::uint64_t) + (std::size_t{1} << 20) - 1) >> 20) + " MiB";
}

[[noreturn]] inline void throw_hlog_read_option(const char* field, const std::string& value,
                                                const char* expected) {
    throw std::invalid_argument(std::string("loadkit::hlog_read_options: ") + field + " = " + value +
                                " (expected " + expected + ")");
}

// Returns the counters one histogram of options.precision takes (0 when the payloads decide).
inline std::size_t validate(const hlog_read_options& o) {
    if (o.max_payload_bytes == 0) {
        throw_hlog_read_option("max_payload_bytes", "0", "> 0");
    }
    if (o.max_counters_per_interval == 0) {
        throw_hlog_read_option("max_counters_per_interval", "0", "> 0");
    }
    if (o.max_counters_total == 0) {
        throw_hlog_read_option("max_counters_total", "0", "> 0");
    }
    if (!o.precision) {
        return 0;
    }
    const histogram_layout layout = make_histogram_layout(
        o.precision->significant_digits, o.precision->max_relative_error, o.precision->highest.count());
    if (layout.counts_len > o.max_counters_per_interval) {
        throw_hlog_read_option(
            "precision", std::to_string(layout.counts_len) + " counters per histogram",
            ("at most max_counters_per_interval = " + std::to_string(o.max_counters_per_interval)).c_str());
    }
    return layout.counts_len;
}

// out = a + b, or false when that is outside 64 bits.
inline bool hlog_add(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
    constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t highest = std::numeric_limits<std::int64_t>::max();
    if (b > 0 ? a > highest - b : a < lowest - b) {
        return false;
    }
    out = a + b;
    return true;
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

LOADKIT_DECL hlog_log read_hlog(std::string_view text, const hlog_read_options& options) {
    const std::size_t precision_counters = detail::validate(options);
    hlog_log log;
    std::optional<std::int64_t> start_ns;
    std::optional<std::int64_t> base_ns;
    std::size_t line_no = 0;
    std::size_t counters_total = 0;
    detail::hlog_bytes bytes;    // one line's payload, reused
    detail::hlog_bytes inflated; // and its inflated form
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
        // [Tag=<tag>,]start,length,max,histogram: at most five fields, split in place.
        std::array<std::string_view, 5> fields;
        std::size_t field_count = 0;
        for (std::string_view rest = line;;) {
            const std::size_t comma = rest.find(',');
            if (field_count < fields.size()) {
                fields[field_count] = detail::hlog_trim(rest.substr(0, comma));
            }
            ++field_count;
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
        std::size_t first = 0;
        std::string_view tag;
        if (fields[0].substr(0, 4) == "Tag=") {
            tag = fields[0].substr(4);
            first = 1;
        }
        if (field_count - first != 4) {
            fail("expected [Tag=<tag>,]start,length,max,histogram; found " +
                 std::to_string(field_count - first) + " fields");
        }
        const std::string_view max_text = fields[first + 2];
        const auto stamp = detail::parse_decimal_nanos(fields[first]);
        const auto length = detail::parse_decimal_nanos(fields[first + 1]);
        double max = 0.0;
        const auto parsed = std::from_chars(max_text.data(), max_text.data() + max_text.size(), max);
        if (!stamp || !length || parsed.ec != std::errc{} ||
            parsed.ptr != max_text.data() + max_text.size()) {
            fail("start, length or max is not a decimal number");
        }
        if (!start_ns) {
            start_ns = *stamp; // no StartTime: the first timestamp (as Java's reader)
        }
        if (!base_ns) {
            constexpr std::int64_t year = std::int64_t{31'557'600} * 1'000'000'000; // 365.25 days
            base_ns =
                *start_ns >= std::numeric_limits<std::int64_t>::min() + year && *stamp < *start_ns - year
                    ? *start_ns
                    : 0;
        }
        // stamp + base - start in 64 bits: a timestamp and a base time near 2^63 ns overflowed
        // (undefined behaviour; fuzz_hlog's UBSan reports it on tests/fuzz/corpus/hlog/time_overflow).
        std::int64_t start_offset = 0;
        if (!detail::hlog_add(*stamp, *base_ns, start_offset) ||
            !detail::hlog_add(start_offset, -*start_ns, start_offset)) {
            fail("the interval's start (timestamp + BaseTime - StartTime) is beyond 2^63 ns");
        }
        std::optional<histogram> latency;
        try {
            detail::base64_decode(fields[first + 3], bytes);
            const detail::hdr_encoded encoded =
                detail::open_hdr(bytes.data(), bytes.size(), options.max_payload_bytes, inflated);
            // Two passes over the counts: the first validates them and finds the range, so the
            // histogram is sized (and its size checked against the bounds) before it is built.
            std::size_t last_index = 0;
            bool empty = true;
            detail::for_each_hdr_count(encoded, [&](std::size_t index, std::uint64_t) {
                last_index = index;
                empty = false;
            });
            const histogram_options o =
                detail::hlog_histogram_options(encoded.layout, last_index, empty, options.precision);
            const std::size_t counters =
                options.precision ? precision_counters
                                  : detail::make_histogram_layout(o.significant_digits, o.max_relative_error,
                                                                  o.highest.count())
                                        .counts_len;
            if (counters > options.max_counters_per_interval) {
                fail("a histogram of " + std::to_string(encoded.layout.significant_digits) +
                     " significant digits up to " + std::to_string(o.highest.count()) + " ns takes " +
                     std::to_string(counters) + " counters (" + detail::hlog_mib(counters) +
                     "), more than hlog_read_options::max_counters_per_interval = " +
                     std::to_string(options.max_counters_per_interval));
            }
            if (counters > options.max_counters_total - counters_total) {
                fail("the log's histograms would take " + std::to_string(counters_total + counters) +
                     " counters (" + detail::hlog_mib(counters_total + counters) +
                     "), more than hlog_read_options::max_counters_total = " +
                     std::to_string(options.max_counters_total));
            }
            counters_total += counters;
            latency.emplace(o);
            const detail::hdr_layout& layout = encoded.layout;
            detail::for_each_hdr_count(encoded, [&](std::size_t index, std::uint64_t count) {
                latency->record(static_cast<std::int64_t>(layout.median_of(index)), count);
            });
        } catch (const detail::hlog_format_error& e) {
            fail(e.what());
        }
        // Built from its parts rather than default-constructed: a default histogram (3 digits up
        // to 1 h, 270 KB zeroed) per line was most of the reader's time.
        log.intervals.push_back(hlog_interval{std::string(tag), std::chrono::nanoseconds{start_offset},
                                              std::chrono::nanoseconds{*length}, max, std::move(*latency)});
    }
    return log;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_HLOG_IPP
