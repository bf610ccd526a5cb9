// SPDX-License-Identifier: MIT
//
// A small SVG chart renderer for the HTML report (report/html.hpp): lines, areas, bars and points
// on linear, log10 or "nines" axes (x = log10(1 / (1 - p)): 0 = 0 %, 1 = 90 %, 2 = 99 %, as
// HdrHistogram's percentile plots), shaded bands (the warm-up) and marker lines (the sustainable
// load). Output is self-contained SVG 1.1: no script, no external reference, well-formed XML.
#ifndef LOADKIT_DETAIL_REPORT_SVG_CHART_HPP
#define LOADKIT_DETAIL_REPORT_SVG_CHART_HPP

#include <loadkit/detail/report/svg/text.hpp>
#include <loadkit/version.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

enum class svg_scale : std::uint8_t { linear, log10, nines };
enum class svg_unit : std::uint8_t { number, duration_ns, seconds, rate, bytes, fraction };
enum class svg_kind : std::uint8_t { line, area, bars, points };

struct svg_axis {
    std::string label{}; // the unit is appended for linear duration/bytes/seconds axes: "latency (ms)"
    svg_scale scale = svg_scale::linear;
    svg_unit unit = svg_unit::number;
    double lo = 0.0; // lo >= hi: from the data (linear axes start at 0 unless from_zero is false)
    double hi = 0.0;
    bool from_zero = true;
};

struct svg_series {
    std::string name{};
    std::string color{};
    std::vector<std::pair<double, double>> points{}; // (x, y) in data units; bars: x is the bar's start
    svg_kind kind = svg_kind::line;
    bool dashed = false;
    double stroke = 1.8;
    bool markers = false;
    double bar_width = 0.0;         // bars: width in x units
    std::vector<double> bar_base{}; // bars: where each bar starts (stacking); empty: 0
    bool in_legend = true;
    std::vector<std::string> notes{}; // points: per-point labels drawn beside the marker
};

struct svg_band {
    double from = 0.0;
    double to = 0.0;
    std::string label{};
    std::string color = "#888888";
};

struct svg_marker {
    double x = 0.0;
    std::string label{};
    std::string color = "#444444";
};

struct svg_chart {
    std::string id; // unique in the document (clip path ids)
    std::string title;
    svg_axis x;
    svg_axis y;
    std::vector<svg_series> series;
    std::vector<svg_band> bands;
    std::vector<svg_marker> markers;
    int width = 580;
    int height = 320;
    std::string empty_text = "no data";
};

// Numbers without trailing zeros: 2.50 -> "2.5", 10.0 -> "10".
inline std::string trimmed(double v, int digits = 3) {
    std::string s = fixed_significant(v, digits);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') {
            s.pop_back();
        }
        if (s.back() == '.') {
            s.pop_back();
        }
    }
    return s;
}

// The display unit of a linear axis: what to divide by and the unit's name.
inline std::pair<double, std::string> axis_unit(svg_unit unit, double hi) {
    switch (unit) {
    case svg_unit::duration_ns:
        return hi >= 1e9 ? std::pair<double, std::string>{1e9, "s"}
                         : (hi >= 1e6 ? std::pair<double, std::string>{1e6, "ms"}
                                      : (hi >= 1e3 ? std::pair<double, std::string>{1e3, "\xC2\xB5s"}
                                                   : std::pair<double, std::string>{1.0, "ns"}));
    case svg_unit::seconds:
        return hi >= 3 * 3600.0 ? std::pair<double, std::string>{3600.0, "h"}
                                : (hi >= 600.0 ? std::pair<double, std::string>{60.0, "min"}
                                               : std::pair<double, std::string>{1.0, "s"});
    case svg_unit::bytes: {
        double div = 1.0;
        const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        std::size_t u = 0;
        while (u < 4 && hi / div >= 1024.0 * 4) {
            div *= 1024.0;
            ++u;
        }
        return {div, names[u]};
    }
    case svg_unit::fraction:
        return {0.01, "%"};
    default:
        return {1.0, ""};
    }
}

inline std::string tick_label(const svg_axis& a, double v, double divisor) {
    if (a.scale == svg_scale::nines) {
        const int nines = static_cast<int>(std::lround(v)); // 1 -> 90%, 2 -> 99%, 3 -> 99.9%
        if (nines <= 0) {
            return "0%";
        }
        if (nines == 1) {
            return "90%";
        }
        return "99" +
               (nines > 2 ? "." + std::string(static_cast<std::size_t>(nines - 2), '9') : std::string()) +
               "%";
    }
    if (a.scale == svg_scale::log10) { // each label carries its unit
        switch (a.unit) {
        case svg_unit::duration_ns: {
            const std::string t = duration_text(v, 3);
            const std::size_t space = t.find(' ');
            return trimmed(std::strtod(t.c_str(), nullptr)) + t.substr(space);
        }
        case svg_unit::bytes:
            return bytes_text(v);
        case svg_unit::rate:
            return rate_text(v, "");
        default:
            return trimmed(v);
        }
    }
    if (a.unit == svg_unit::rate && std::fabs(v) >= 1000.0) {
        return trimmed(v / 1000.0, 3) + "k";
    }
    return trimmed(v / divisor, 4);
}

// Tick positions (in axis space: log10 of the value for log axes) and the range they span.
struct svg_ticks {
    double lo = 0.0;
    double hi = 1.0;
    std::vector<double> at;
};

inline svg_ticks make_ticks(const svg_axis& a, double lo, double hi, double divisor) {
    svg_ticks t;
    if (a.scale == svg_scale::log10) {
        t.lo = std::floor(std::log10(lo));
        t.hi = std::max(std::ceil(std::log10(hi)), t.lo + 1.0);
        const bool fine = t.hi - t.lo <= 2.0;
        for (double d = t.lo; d <= t.hi + 1e-9; d += 1.0) {
            t.at.push_back(d);
            if (fine && d < t.hi) {
                t.at.push_back(d + std::log10(2.0));
                t.at.push_back(d + std::log10(5.0));
            }
        }
        return t;
    }
    if (a.scale == svg_scale::nines) {
        t.lo = 0.0;
        t.hi = std::max(1.0, std::ceil(hi - 1e-9));
        for (double d = 0.0; d <= t.hi + 1e-9; d += 1.0) {
            t.at.push_back(d);
        }
        return t;
    }
    // Linear: 1, 2, 2.5 or 5 times a power of ten (in display units), about 5 intervals.
    const double span = (hi - lo) / divisor;
    const double raw = span / 5.0;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    double step = power * 10.0;
    for (double m : {1.0, 2.0, 2.5, 5.0}) {
        if (raw <= m * power * 1.0000001) {
            step = m * power;
            break;
        }
    }
    step *= divisor;
    t.lo = std::floor(lo / step + 1e-9) * step;
    t.hi = std::ceil(hi / step - 1e-9) * step;
    for (double v = t.lo; v <= t.hi + step * 1e-6; v += step) {
        t.at.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
    }
    return t;
}

inline std::string render_svg(const svg_chart& c) {
    // Data ranges.
    double xlo = c.x.lo;
    double xhi = c.x.hi;
    double ylo = c.y.lo;
    double yhi = c.y.hi;
    const bool auto_x = !(xlo < xhi);
    const bool auto_y = !(ylo < yhi);
    bool any = false;
    if (auto_x) {
        xlo = 1e300;
        xhi = -1e300;
    }
    if (auto_y) {
        ylo = 1e300;
        yhi = -1e300;
    }
    for (const auto& s : c.series) {
        for (std::size_t i = 0; i < s.points.size(); ++i) {
            const auto [px, py] = s.points[i];
            const double base = i < s.bar_base.size() ? s.bar_base[i] : 0.0;
            const double top = s.kind == svg_kind::bars ? base + py : py;
            if (!std::isfinite(px) || !std::isfinite(top) || (c.y.scale == svg_scale::log10 && top <= 0.0) ||
                (c.x.scale == svg_scale::log10 && px <= 0.0)) {
                continue;
            }
            any = true;
            if (auto_x) {
                xlo = std::min(xlo, px);
                xhi = std::max(xhi, px + (s.kind == svg_kind::bars ? s.bar_width : 0.0));
            }
            if (auto_y) {
                ylo = std::min(ylo, std::min(top, s.kind == svg_kind::bars ? base : top));
                yhi = std::max(yhi, top);
            }
        }
    }
    if (!any) {
        xlo = auto_x ? 0.0 : xlo;
        xhi = auto_x ? 1.0 : xhi;
        ylo = auto_y ? 0.0 : ylo;
        yhi = auto_y ? 1.0 : yhi;
    }
    if (c.x.scale == svg_scale::linear && c.x.from_zero && auto_x) {
        xlo = std::min(xlo, 0.0);
    }
    if (c.y.scale == svg_scale::linear && c.y.from_zero && auto_y) {
        ylo = std::min(ylo, 0.0);
    }
    if (c.y.scale == svg_scale::linear && auto_y && any && yhi > 0.0) {
        yhi *= 1.04; // headroom: a line at the maximum stays off the frame
    }
    if (c.y.scale == svg_scale::log10) {
        ylo = ylo > 0.0 ? ylo : 1.0;
        yhi = yhi > ylo ? yhi : ylo * 10.0;
    }
    if (!(xhi > xlo)) {
        xhi = xlo + 1.0;
    }
    if (!(yhi > ylo)) {
        yhi = ylo + (ylo == 0.0 ? 1.0 : std::fabs(ylo));
    }
    const auto [xdiv, xunit] = axis_unit(c.x.unit, std::max(std::fabs(xlo), std::fabs(xhi)));
    const auto [ydiv, yunit] = axis_unit(c.y.unit, std::max(std::fabs(ylo), std::fabs(yhi)));
    const svg_ticks xt = make_ticks(c.x, xlo, xhi, xdiv);
    const svg_ticks yt = make_ticks(c.y, ylo, yhi, ydiv);

    // Layout: title, legend rows, plot, axis labels.
    const double w = c.width;
    const double h = c.height;
    const double left = 72.0;
    const double right = w - 18.0;
    std::string legend;
    double lx = left;
    double ly = 40.0;
    for (const auto& s : c.series) {
        if (!s.in_legend || s.name.empty()) {
            continue;
        }
        const double item = 26.0 + 6.6 * static_cast<double>(std::min<std::size_t>(s.name.size(), 40)) + 14.0;
        if (lx + item > right && lx > left) {
            lx = left;
            ly += 16.0;
        }
        if (s.kind == svg_kind::bars || s.kind == svg_kind::area) {
            legend += "<rect x=\"" + svg_coord(lx) + "\" y=\"" + svg_coord(ly - 8) +
                      "\" width=\"18\" height=\"9\" fill=\"" + s.color + "\"" +
                      (s.kind == svg_kind::area ? " fill-opacity=\"0.35\"" : "") + "/>";
        } else {
            legend += "<line x1=\"" + svg_coord(lx) + "\" y1=\"" + svg_coord(ly - 4) + "\" x2=\"" +
                      svg_coord(lx + 18) + "\" y2=\"" + svg_coord(ly - 4) + "\" stroke=\"" + s.color +
                      "\" stroke-width=\"2.5\"" + (s.dashed ? " stroke-dasharray=\"5 3\"" : "") + "/>";
        }
        legend += "<text x=\"" + svg_coord(lx + 24) + "\" y=\"" + svg_coord(ly) + "\">" +
                  html_escape(truncate_text(s.name, 40)) + "</text>";
        lx += item;
    }
    const double top = ly + 12.0;
    const double bottom = h - 40.0;
    const auto sx = [&](double v) {
        const double a = c.x.scale == svg_scale::log10 ? std::log10(std::max(v, 1e-300)) : v;
        return left + (a - xt.lo) / (xt.hi - xt.lo) * (right - left);
    };
    const auto sy = [&](double v) {
        const double a = c.y.scale == svg_scale::log10 ? std::log10(std::max(v, 1e-300)) : v;
        return bottom - (a - yt.lo) / (yt.hi - yt.lo) * (bottom - top);
    };
    const auto xpos = [&](double tick) { return left + (tick - xt.lo) / (xt.hi - xt.lo) * (right - left); };
    const auto ypos = [&](double tick) { return bottom - (tick - yt.lo) / (yt.hi - yt.lo) * (bottom - top); };

    std::string o;
    o += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " +
         std::to_string(c.width) + " " + std::to_string(c.height) + "\" width=\"" + std::to_string(c.width) +
         "\" height=\"" + std::to_string(c.height) + "\" role=\"img\" aria-labelledby=\"" + c.id +
         "-t\" font-family=\"system-ui, -apple-system, 'Segoe UI', "
         "Roboto, Helvetica, Arial, sans-serif\" font-size=\"11\" fill=\"#333333\">";
    o += "<title id=\"" + c.id + "-t\">" + html_escape(c.title) + "</title>";
    o += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>";
    o += "<text x=\"" + svg_coord(left) +
         "\" y=\"20\" font-size=\"14\" font-weight=\"600\" fill=\"#1a1a1a\">" + html_escape(c.title) +
         "</text>";
    o += "<g>" + legend + "</g>";
    o += "<clipPath id=\"" + c.id + "-c\"><rect x=\"" + svg_coord(left) + "\" y=\"" + svg_coord(top) +
         "\" width=\"" + svg_coord(right - left) + "\" height=\"" + svg_coord(bottom - top) +
         "\"/></clipPath>";
    // Bands under the grid.
    for (const auto& b : c.bands) {
        const double x0 = std::max(left, sx(b.from));
        const double x1 = std::min(right, sx(b.to));
        if (x1 > x0) {
            o += "<rect x=\"" + svg_coord(x0) + "\" y=\"" + svg_coord(top) + "\" width=\"" +
                 svg_coord(x1 - x0) + "\" height=\"" + svg_coord(bottom - top) + "\" fill=\"" + b.color +
                 "\" fill-opacity=\"0.13\"/>";
            o += "<text x=\"" + svg_coord(x0 + 4) + "\" y=\"" + svg_coord(top + 12) + "\" fill=\"#666666\">" +
                 html_escape(b.label) + "</text>";
        }
    }
    // Grid and tick labels.
    o += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">";
    for (double t : yt.at) {
        o += "<line x1=\"" + svg_coord(left) + "\" y1=\"" + svg_coord(ypos(t)) + "\" x2=\"" +
             svg_coord(right) + "\" y2=\"" + svg_coord(ypos(t)) + "\"/>";
    }
    for (double t : xt.at) {
        o += "<line x1=\"" + svg_coord(xpos(t)) + "\" y1=\"" + svg_coord(top) + "\" x2=\"" +
             svg_coord(xpos(t)) + "\" y2=\"" + svg_coord(bottom) + "\"/>";
    }
    o += "</g><g fill=\"#555555\">";
    const auto value_of = [](const svg_axis& a, double t) {
        return a.scale == svg_scale::log10 ? std::pow(10.0, t) : t;
    };
    const bool fine_log_y = c.y.scale == svg_scale::log10 && yt.hi - yt.lo <= 2.0;
    for (double t : yt.at) {
        const bool minor = fine_log_y && std::fabs(t - std::round(t)) > 1e-9 && bottom - top < 200;
        if (!minor) {
            o += "<text x=\"" + svg_coord(left - 6) + "\" y=\"" + svg_coord(ypos(t) + 4) +
                 "\" text-anchor=\"end\">" + html_escape(tick_label(c.y, value_of(c.y, t), ydiv)) + "</text>";
        }
    }
    for (double t : xt.at) {
        const bool last = xpos(t) > right - 20.0; // keep the rightmost label inside the chart
        o += "<text x=\"" + svg_coord(xpos(t)) + "\" y=\"" + svg_coord(bottom + 15) + "\" text-anchor=\"" +
             (last ? "end" : "middle") + "\">" + html_escape(tick_label(c.x, value_of(c.x, t), xdiv)) +
             "</text>";
    }
    o += "</g>";
    const auto axis_title = [](const svg_axis& a, const std::string& unit) {
        return a.scale == svg_scale::linear && !unit.empty() ? a.label + " (" + unit + ")" : a.label;
    };
    o += "<text x=\"" + svg_coord((left + right) / 2) + "\" y=\"" + svg_coord(h - 8) +
         "\" text-anchor=\"middle\" fill=\"#444444\">" + html_escape(axis_title(c.x, xunit)) + "</text>";
    o += "<text transform=\"translate(13 " + svg_coord((top + bottom) / 2) +
         ") rotate(-90)\" text-anchor=\"middle\" fill=\"#444444\">" + html_escape(axis_title(c.y, yunit)) +
         "</text>";

    // Series, clipped to the plot.
    o += "<g clip-path=\"url(#" + c.id + "-c)\">";
    for (const auto& s : c.series) {
        const std::string dash = s.dashed ? " stroke-dasharray=\"6 4\"" : "";
        std::string pts;
        for (const auto& [px, py] : s.points) {
            if (std::isfinite(px) && std::isfinite(py) && !(c.y.scale == svg_scale::log10 && py <= 0.0)) {
                pts += (pts.empty() ? "" : " ") + svg_coord(sx(px)) + "," + svg_coord(sy(py));
            }
        }
        if (s.kind == svg_kind::bars) {
            for (std::size_t i = 0; i < s.points.size(); ++i) {
                const double base = i < s.bar_base.size() ? s.bar_base[i] : 0.0;
                const auto [px, py] = s.points[i];
                if (py <= 0.0) {
                    continue;
                }
                const double x0 = sx(px);
                const double x1 = std::max(x0 + 1.0, sx(px + s.bar_width) - 1.0);
                const double y1 = sy(base);
                const double y0 = sy(base + py);
                o += "<rect x=\"" + svg_coord(x0) + "\" y=\"" + svg_coord(y0) + "\" width=\"" +
                     svg_coord(x1 - x0) + "\" height=\"" + svg_coord(std::max(0.5, y1 - y0)) + "\" fill=\"" +
                     s.color + "\"/>";
            }
        } else if (s.kind == svg_kind::area && !s.points.empty()) {
            const double base =
                sy(c.y.scale == svg_scale::log10 ? std::pow(10.0, yt.lo) : std::max(yt.lo, 0.0));
            o += "<polygon points=\"" + svg_coord(sx(s.points.front().first)) + "," + svg_coord(base) + " " +
                 pts + " " + svg_coord(sx(s.points.back().first)) + "," + svg_coord(base) + "\" fill=\"" +
                 s.color + "\" fill-opacity=\"0.18\" stroke=\"none\"/>";
            o += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"" +
                 svg_coord(s.stroke) + "\"" + dash + " stroke-linejoin=\"round\"/>";
        } else if (s.kind == svg_kind::line && !pts.empty()) {
            o += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"" +
                 svg_coord(s.stroke) + "\"" + dash + " stroke-linejoin=\"round\" stroke-linecap=\"round\"/>";
        }
        if (s.markers || s.kind == svg_kind::points) {
            for (std::size_t i = 0; i < s.points.size(); ++i) {
                const auto [px, py] = s.points[i];
                if (!std::isfinite(py) || (c.y.scale == svg_scale::log10 && py <= 0.0)) {
                    continue;
                }
                o += "<circle cx=\"" + svg_coord(sx(px)) + "\" cy=\"" + svg_coord(sy(py)) +
                     "\" r=\"3.5\" fill=\"" + s.color + "\" stroke=\"#ffffff\" stroke-width=\"1\"/>";
                if (i < s.notes.size() && !s.notes[i].empty()) {
                    o += "<text x=\"" + svg_coord(sx(px) + 6) + "\" y=\"" + svg_coord(sy(py) - 6) +
                         "\" fill=\"" + s.color + "\">" + html_escape(s.notes[i]) + "</text>";
                }
            }
        }
    }
    o += "</g>";
    double label_y = top + 12.0;
    for (const auto& m : c.markers) {
        const double x = sx(m.x);
        if (x >= left - 0.5 && x <= right + 0.5) {
            o += "<line x1=\"" + svg_coord(x) + "\" y1=\"" + svg_coord(top) + "\" x2=\"" + svg_coord(x) +
                 "\" y2=\"" + svg_coord(bottom) + "\" stroke=\"" + m.color +
                 "\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>";
            const bool flip = x > (left + right) / 2;
            o += "<text x=\"" + svg_coord(flip ? x - 4 : x + 4) + "\" y=\"" + svg_coord(label_y) +
                 "\" fill=\"" + m.color + "\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"" +
                 (flip ? " text-anchor=\"end\"" : "") + ">" + html_escape(m.label) + "</text>";
            label_y += 14.0; // stagger: two markers close together keep readable labels
        }
    }
    o += "<rect x=\"" + svg_coord(left) + "\" y=\"" + svg_coord(top) + "\" width=\"" +
         svg_coord(right - left) + "\" height=\"" + svg_coord(bottom - top) +
         "\" fill=\"none\" stroke=\"#bbbbbb\"/>";
    if (!any) {
        o += "<text x=\"" + svg_coord((left + right) / 2) + "\" y=\"" + svg_coord((top + bottom) / 2) +
             "\" text-anchor=\"middle\" fill=\"#888888\" font-size=\"13\">" + html_escape(c.empty_text) +
             "</text>";
    }
    o += "</svg>";
    return o;
}

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_SVG_CHART_HPP
