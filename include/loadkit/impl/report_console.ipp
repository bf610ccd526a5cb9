// SPDX-License-Identifier: MIT
// The console summary's body (report/console.hpp): validates the options and writes the sections.
#ifndef LOADKIT_IMPL_REPORT_CONSOLE_IPP
#define LOADKIT_IMPL_REPORT_CONSOLE_IPP

#include <loadkit/detail/report/console/results.hpp>
#include <loadkit/detail/report/console/verdicts.hpp>
#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/report/terminal.hpp>
#include <loadkit/run_report.hpp>

#include <cstddef>
#include <cstdio>
#include <iostream>
#include <ostream>
#include <stdexcept>
#include <string>

namespace loadkit {
inline namespace v0_1 {

namespace detail {

inline void validate(const console_options& o) {
    if (o.width < 60 || o.width > 1000) {
        throw std::invalid_argument("loadkit::console_options: width = " + std::to_string(o.width) +
                                    " (expected 60 .. 1000)");
    }
    if (o.chart_height < 3 || o.chart_height > 50) {
        throw std::invalid_argument("loadkit::console_options: chart_height = " +
                                    std::to_string(o.chart_height) + " (expected 3 .. 50)");
    }
}

inline std::string render_console(const run_report& report, const console_options& o, bool color) {
    validate(o);
    console_view v;
    v.style = console_style{color, o.unicode, o.width};
    v.percentile_chart = o.percentile_chart;
    v.distribution_chart = o.distribution_chart;
    v.chart_height = o.chart_height;
    v.max_error_messages = o.max_error_messages;
    std::string out;
    console_heading(out, report, v);
    console_model(out, report, v);
    console_scenarios(out, report, v);
    console_throughput(out, report, v);
    console_latency(out, report, v);
    console_errors(out, report, v);
    console_warmup(out, report, v);
    console_resources(out, report, v);
    console_capacity(out, report, v);
    console_verdicts(out, report, v);
    return out;
}

} // namespace detail

LOADKIT_DECL std::string to_console(const run_report& report, const console_options& options) {
    return detail::render_console(report, options, options.color == color_mode::always);
}

LOADKIT_DECL void print_summary(std::FILE* out, const run_report& report, const console_options& options) {
    const bool color = detail::console_use_color(options.color, detail::console_is_terminal(out));
    const std::string text = detail::render_console(report, options, color);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
}

LOADKIT_DECL void print_summary(std::ostream& out, const run_report& report, const console_options& options) {
    std::FILE* behind =
        &out == &std::cout ? stdout : (&out == &std::cerr || &out == &std::clog ? stderr : nullptr);
    const bool color = detail::console_use_color(options.color, detail::console_is_terminal(behind));
    out << detail::render_console(report, options, color);
    out.flush();
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_CONSOLE_IPP
