// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Text charts of a latency histogram for the console summary:
//  - the percentile spectrum: latency (linear, from 0) against percentile on a log-scaled
//    1/(1 - p) axis, so that 90, 99, 99.9 and 99.99 % sit one decade apart and the tail gets as
//    much room as the median (HdrHistogram's percentile distribution plot, as text);
//  - the distribution: counts in log-spaced latency bins, as horizontal bars.
// With unicode, block elements give eighths of a cell (U+2581..U+2588 upward, U+258F..U+2588
// sideways); without, '#' and '|' in whole cells.
#ifndef LOADKIT_DETAIL_REPORT_CONSOLE_CHART_HPP
#define LOADKIT_DETAIL_REPORT_CONSOLE_CHART_HPP

#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/version.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

// One cell of a bar `eighths` / 8 full: vertical bars grow up, horizontal ones right.
inline std::string console_chart_cell(std::size_t eighths, bool vertical, bool unicode) {
    if (eighths == 0) {
        return " ";
    }
    if (!unicode) {
        return eighths >= 4 ? (vertical ? "#" : "#") : (vertical ? "." : "|");
    }
    // U+2581 (one eighth, lower) .. U+2588 (full); U+258F (one eighth, left) .. U+2589.
    const unsigned e = static_cast<unsigned>(eighths > 8 ? 8 : eighths);
    const unsigned cp = vertical ? 0x2580U + e : (e == 8 ? 0x2588U : 0x2590U - e);
    std::string out;
    out += static_cast<char>(0xE2);
    out += static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (cp & 0x3FU));
    return out;
}

// The percentile plotted at column x of `columns`: 1 - 10^(-decades * x / (columns - 1)).
inline double console_chart_percentile_at(std::size_t x, std::size_t columns, double decades) {
    const double t = columns > 1 ? static_cast<double>(x) / static_cast<double>(columns - 1) : 1.0;
    return 100.0 * (1.0 - std::pow(10.0, -decades * t));
}

// Decades of the 1/(1 - p) axis worth plotting for n values: up to the percentile where about one
// value lies beyond (99.99 % for 10,000), 2 .. 6.
inline double console_chart_decades(std::uint64_t n) {
    const double d = std::ceil(std::log10(static_cast<double>(n < 2 ? 2 : n)));
    return d < 2.0 ? 2.0 : (d > 6.0 ? 6.0 : d);
}

// The spectrum's latency axis is logarithmic when the plotted values span more than 20x (a tail
// of timeouts would otherwise flatten everything else into the bottom row), linear from 0 otherwise.
inline bool console_chart_log_scale(const histogram& h) {
    const double low = static_cast<double>(h.min().count() > 0 ? h.min().count() : 1);
    return static_cast<double>(h.max().count()) > 20.0 * low;
}

// Latency against percentile, `width` columns wide overall and `height` rows tall.
inline std::string console_percentile_chart(const histogram& h, const console_style& style, std::size_t width,
                                            std::size_t height, std::size_t indent = 2) {
    if (h.empty() || height < 2) {
        return {};
    }
    const double decades = console_chart_decades(h.count());
    const std::string axis_pad(indent, ' ');
    const std::size_t label_width = 9;
    const std::size_t plot = width > indent + label_width + 2 + 20 ? width - indent - label_width - 2 : 20;
    std::vector<double> values;
    values.reserve(plot);
    double top = 0.0;
    for (std::size_t x = 0; x < plot; ++x) {
        const double p = console_chart_percentile_at(x, plot, decades);
        values.push_back(static_cast<double>(h.value_at_percentile(p).count()));
        top = values.back() > top ? values.back() : top;
    }
    const bool log_scale = console_chart_log_scale(h);
    const double bottom = log_scale ? static_cast<double>(h.min().count() > 0 ? h.min().count() : 1) : 0.0;
    top = top > bottom ? top : bottom + 1.0;
    // Height of v as a fraction of the plot, and the value at a fraction.
    const auto fraction = [&](double v) {
        if (log_scale) {
            return v <= bottom ? 0.0 : std::log(v / bottom) / std::log(top / bottom);
        }
        return v / top;
    };
    const auto value_at = [&](double f) { return log_scale ? bottom * std::pow(top / bottom, f) : top * f; };
    std::string out;
    const std::size_t eighths_total = height * 8;
    for (std::size_t row = 0; row < height; ++row) {
        const std::size_t from_bottom = height - 1 - row; // this row holds eighths [8r, 8r + 8)
        std::string label;
        const std::size_t label_every = (height + 2) / 3; // 3 or 4 labels up the axis
        if (row == 0) {
            label = human_duration(top, style.unicode);
        } else if (row % label_every == 0 && from_bottom > 0) {
            label = human_duration(
                value_at(static_cast<double>(from_bottom + 1) / static_cast<double>(height)), style.unicode);
        }
        const bool ticked = !label.empty();
        std::string line = axis_pad + console_pad(label, label_width - 1, true) + " ";
        line += ticked ? (style.unicode ? "\xE2\x94\xA4" : "+") : (style.unicode ? "\xE2\x94\x82" : "|");
        std::string bars;
        for (double v : values) {
            const auto filled =
                static_cast<std::size_t>(std::llround(fraction(v) * static_cast<double>(eighths_total)));
            const std::size_t below = from_bottom * 8;
            const std::size_t cell = filled <= below ? 0 : (filled - below > 8 ? 8 : filled - below);
            bars +=
                console_chart_cell(cell == 0 && from_bottom == 0 && v > 0.0 ? 1 : cell, true, style.unicode);
        }
        while (!bars.empty() && bars.back() == ' ') {
            bars.pop_back();
        }
        out += line + style.paint(bars, "36") + "\n";
    }
    // X axis: ticks and labels at 0, 50, 90, 99, ... percent.
    std::string axis =
        axis_pad +
        console_pad(log_scale ? human_duration(bottom, style.unicode) : "0", label_width - 1, true) + " ";
    axis += style.unicode ? "\xE2\x94\x94" : "+";
    std::string ticks(plot, '-');
    std::string labels(plot + 1, ' ');
    const auto place = [&](double pct, const std::string& text) {
        const double pos = std::log10(1.0 / (1.0 - pct / 100.0)) / decades * static_cast<double>(plot - 1);
        const auto x = static_cast<std::size_t>(std::llround(pos));
        if (x >= plot) {
            return;
        }
        std::size_t start = x >= text.size() / 2 ? x - text.size() / 2 : 0;
        start =
            start + text.size() > labels.size() ? labels.size() - text.size() : start; // keep within the line
        for (std::size_t k = (start > 0 ? start - 1 : 0); k < start + text.size() + 1 && k < labels.size();
             ++k) {
            if (labels[k] != ' ') {
                return; // would touch the previous label
            }
        }
        ticks[x] = '+';
        labels.replace(start, text.size(), text);
    };
    place(0.0, "0%");
    place(50.0, "50%");
    for (int k = 1; k <= static_cast<int>(decades); ++k) { // 90, 99, 99.9, ...: one decade apart
        std::string nines = k == 1 ? "90" : "99";
        if (k > 2) {
            nines += "." + std::string(static_cast<std::size_t>(k - 2), '9');
        }
        place(100.0 - std::pow(10.0, 2.0 - k), nines + "%");
    }
    std::string rule;
    for (char c : ticks) {
        rule += c == '+' ? (style.unicode ? "\xE2\x94\xAC" : "+") : (style.unicode ? "\xE2\x94\x80" : "-");
    }
    out += axis + style.paint(rule, "2") + "\n";
    while (!labels.empty() && labels.back() == ' ') {
        labels.pop_back();
    }
    out += std::string(indent + label_width + 1, ' ') + labels + "\n";
    return out;
}

// Counts in `bins` log-spaced latency bins from min to max, as bars `width` columns wide overall.
inline std::string console_distribution_chart(const histogram& h, const console_style& style,
                                              std::size_t width, std::size_t bins, std::size_t indent = 2) {
    if (h.empty() || bins == 0) {
        return {};
    }
    const double lo = static_cast<double>(h.min().count() > 0 ? h.min().count() : 1);
    const double hi = static_cast<double>(h.max().count()) > lo ? static_cast<double>(h.max().count()) : lo;
    if (hi <= lo * 1.01) {
        bins = 1;
    }
    std::vector<std::uint64_t> counts(bins, 0);
    std::vector<double> edges(bins + 1, 0.0);
    for (std::size_t i = 0; i <= bins; ++i) {
        edges[i] = lo * std::pow(hi / lo, static_cast<double>(i) / static_cast<double>(bins));
    }
    std::uint64_t below = 0;
    std::uint64_t most = 0;
    for (std::size_t i = 0; i < bins; ++i) {
        const std::uint64_t upto =
            i + 1 == bins ? h.count()
                          : h.count_at_or_below(static_cast<std::int64_t>(std::floor(edges[i + 1])));
        counts[i] = upto > below ? upto - below : 0;
        below = upto > below ? upto : below;
        most = counts[i] > most ? counts[i] : most;
    }
    std::vector<std::string> ranges(bins);
    std::vector<std::string> tallies(bins);
    std::size_t range_width = 0;
    std::size_t tally_width = 0;
    for (std::size_t i = 0; i < bins; ++i) {
        ranges[i] = console_pad(human_duration(edges[i], style.unicode, 3), 7, true) + " " + style.dash() +
                    " " + console_pad(human_duration(edges[i + 1], style.unicode, 3), 7, true);
        tallies[i] =
            console_pad(human_count(counts[i]), 9, true) + "  " +
            console_pad(human_percent(static_cast<double>(counts[i]) / static_cast<double>(h.count())), 7,
                        true);
        range_width = console_width(ranges[i]) > range_width ? console_width(ranges[i]) : range_width;
        tally_width = console_width(tallies[i]) > tally_width ? console_width(tallies[i]) : tally_width;
    }
    const std::size_t used = indent + range_width + 2 + 2 + tally_width;
    const std::size_t bar_columns = width > used + 10 ? width - used : 10;
    std::string out;
    for (std::size_t i = 0; i < bins; ++i) {
        const auto eighths =
            static_cast<std::size_t>(std::llround(static_cast<double>(counts[i]) / static_cast<double>(most) *
                                                  static_cast<double>(bar_columns * 8)));
        std::string bar;
        for (std::size_t full = eighths / 8; full > 0; --full) {
            bar += console_chart_cell(8, false, style.unicode);
        }
        if (eighths % 8 != 0 || (eighths == 0 && counts[i] > 0)) {
            bar += console_chart_cell(eighths % 8 == 0 ? 1 : eighths % 8, false, style.unicode);
        }
        const std::size_t bar_width = console_width(bar);
        out += std::string(indent, ' ') + console_pad(ranges[i], range_width, true) + "  " +
               style.paint(bar, "36") +
               std::string(bar_columns > bar_width ? bar_columns - bar_width : 0, ' ') + "  " + tallies[i] +
               "\n";
    }
    return out;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_CONSOLE_CHART_HPP
