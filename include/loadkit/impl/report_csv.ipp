// SPDX-License-Identifier: MIT
// The CSV reporter's body (report/csv.hpp): one RFC 4180 row per interval per tag.
#ifndef LOADKIT_IMPL_REPORT_CSV_IPP
#define LOADKIT_IMPL_REPORT_CSV_IPP

#include <loadkit/detail/report/json/writer.hpp>
#include <loadkit/run_report.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

// One RFC 4180 text field: quoted when it holds ',', '"', CR or LF, with '"' doubled. A spreadsheet
// runs a cell starting with = + - @ (or tab, CR) as a formula, so such text gets a leading "'", which
// makes it text (OWASP, "CSV Injection"). Only text goes through here: numbers stay numbers.
inline void append_csv_field(std::string& out, std::string_view text) {
    std::string valid = utf8_repaired(text);
    if (!valid.empty() && std::string_view("=+-@\t\r").find(valid.front()) != std::string_view::npos) {
        valid.insert(valid.begin(), '\'');
    }
    if (valid.find_first_of(",\"\r\n") == std::string::npos) {
        out += valid;
        return;
    }
    out += '"';
    for (const char c : valid) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    out += '"';
}

inline void append_csv_ms(std::string& out, std::chrono::nanoseconds v) {
    out += ',';
    append_double(out, static_cast<double>(v.count()) / 1e6);
}

inline void append_csv_series(std::string& out, std::string_view label, const interval_series& series,
                              std::chrono::nanoseconds run_duration, const csv_options& options) {
    for (std::size_t i = 0; i < series.intervals.size(); ++i) {
        const interval_stats& s = series.intervals[i];
        const auto start = series.start_of(i);
        const auto end = start + series.length_of(i, run_duration); // the last one may be partial
        append_csv_field(out, label);
        out += ',';
        append_double(out, static_cast<double>(start.count()) / 1e9);
        out += ',';
        append_double(out, static_cast<double>(end.count()) / 1e9);
        for (const std::uint64_t n : {s.count(), s.ok, s.errors, s.timeouts, s.dropped}) {
            out += ',';
            append_integer(out, n);
        }
        out += ',';
        append_fixed(out, series.rate_of(i, run_duration), 3);
        const sparse_histogram& h = s.latency;
        if (h.empty()) {
            out += ",,,,,,,,";
        } else {
            append_csv_ms(out, h.min());
            out += ',';
            append_fixed(out, h.mean().count() / 1e6, 6);
            for (const double p : {50.0, 90.0, 95.0, 99.0, 99.9}) {
                append_csv_ms(out, h.value_at_percentile(p));
            }
            append_csv_ms(out, h.max());
        }
        out += options.line_end;
    }
}

// An option's text, its control characters made visible (\x1b, \r, \n).
inline std::string csv_escape_option(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (b < 0x20 || b == 0x7F) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[b >> 4U];
            out += hex[b & 0xFU];
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace detail

LOADKIT_DECL std::string to_csv(const run_result& result, const csv_options& options) {
    if (options.line_end != "\r\n" && options.line_end != "\n") {
        throw std::invalid_argument("loadkit::csv_options: line_end = \"" +
                                    detail::csv_escape_option(options.line_end) +
                                    "\" (expected \"\\r\\n\" or \"\\n\")");
    }
    std::string out(csv_header);
    out += options.line_end;
    detail::append_csv_series(out, options.overall_label, result.overall.intervals, result.duration, options);
    for (const auto& t : result.tags) {
        detail::append_csv_series(out, t.name, t.intervals, result.duration, options);
    }
    return out;
}

LOADKIT_DECL std::string to_csv(const run_report& report, const csv_options& options) {
    return to_csv(report.result, options);
}

LOADKIT_DECL void write_csv(std::ostream& out, const run_report& report, const csv_options& options) {
    const std::string text = to_csv(report, options);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_CSV_IPP
