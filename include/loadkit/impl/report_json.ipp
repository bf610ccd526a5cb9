// SPDX-License-Identifier: MIT
//
// loadkit::to_json / from_json's bodies (declared in report/json.hpp): the report writer and the
// strict pull reader behind them, from detail/report/json/.
// The body of report/json.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_REPORT_JSON_IPP
#define LOADKIT_IMPL_REPORT_JSON_IPP

#include <loadkit/detail/report/json/reader.hpp>
#include <loadkit/detail/report/json/report_read.hpp>
#include <loadkit/detail/report/json/report_write.hpp>
#include <loadkit/run_report.hpp>

#include <cstddef>
#include <istream>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace loadkit {
inline namespace v0_1 {

LOADKIT_DECL json_error::json_error(std::size_t line, std::size_t column, std::string path,
                                    std::string message)
    : std::invalid_argument("loadkit::from_json: line " + std::to_string(line) + ", column " +
                            std::to_string(column) + (path.empty() ? std::string() : " (" + path + ")") +
                            ": " + message),
      line_(line), column_(column), path_(std::move(path)), message_(std::move(message)) {}

LOADKIT_DECL std::string to_json(const run_report& report, const json_options& options) {
    if (options.indent < 0 || options.indent > 16) { // a million spaces a level made 280 MB
        throw std::invalid_argument("loadkit::json_options: indent = " + std::to_string(options.indent) +
                                    " (expected 0 .. 16)");
    }
    std::string out;
    detail::json_report_writer(out, {options.indent, options.summaries, options.intervals}).report(report);
    out += '\n';
    return out;
}

LOADKIT_DECL void write_json(std::ostream& out, const run_report& report, const json_options& options) {
    const std::string text = to_json(report, options);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

LOADKIT_DECL run_report from_json(std::string_view text, const json_read_options& options) {
    if (options.max_counters_per_histogram == 0) {
        throw std::invalid_argument(
            "loadkit::json_read_options: max_counters_per_histogram = 0 (expected > 0)");
    }
    if (options.max_counters_total == 0) {
        throw std::invalid_argument("loadkit::json_read_options: max_counters_total = 0 (expected > 0)");
    }
    try {
        return detail::json_report_reader(text,
                                          {options.max_counters_per_histogram, options.max_counters_total})
            .report();
    } catch (detail::json_failure& f) {
        throw json_error(f.line, f.column, std::move(f.path), std::move(f.message));
    }
}

LOADKIT_DECL run_report read_json(std::istream& in, const json_read_options& options) {
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        throw std::invalid_argument("loadkit::read_json: the stream could not be read");
    }
    return from_json(text, options);
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_JSON_IPP
