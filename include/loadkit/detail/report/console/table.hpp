// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Aligned text tables for the console summary: numbers right-aligned under their header, widths
// from the content, and a table that is too wide for the terminal first shortens its name column
// (with an ellipsis) and then drops its least important columns, rather than wrapping lines.
#ifndef LOADKIT_DETAIL_REPORT_CONSOLE_TABLE_HPP
#define LOADKIT_DETAIL_REPORT_CONSOLE_TABLE_HPP

#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/version.hpp>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

struct console_column {
    std::string header;
    bool right = true;         // right-aligned (numbers)
    int drop_order = 0;        // > 0: may be dropped when too wide, highest first
    bool elastic = false;      // shrinks with an ellipsis before any column is dropped
    std::size_t min_width = 8; // of an elastic column
};

struct console_cell {
    std::string text; // printable (console_safe) text without escape sequences
    const char* sgr = nullptr;
};

class console_table {
public:
    explicit console_table(std::vector<console_column> columns) : columns_(std::move(columns)) {}

    void add_row(std::vector<console_cell> cells) { rows_.push_back({std::move(cells), false}); }
    // A thin rule across the table (before a total row).
    void add_rule() { rows_.push_back({{}, true}); }
    [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }

    [[nodiscard]] std::string render(const console_style& style, std::size_t indent = 2,
                                     std::size_t gap = 2) const {
        const std::size_t n = columns_.size();
        std::vector<std::size_t> width(n, 0);
        for (std::size_t c = 0; c < n; ++c) {
            width[c] = console_width(columns_[c].header);
            for (const auto& r : rows_) {
                if (c < r.cells.size()) {
                    const std::size_t w = console_width(r.cells[c].text);
                    width[c] = w > width[c] ? w : width[c];
                }
            }
        }
        std::vector<bool> shown(n, true);
        const auto total = [&] {
            std::size_t t = indent;
            std::size_t visible = 0;
            for (std::size_t c = 0; c < n; ++c) {
                if (shown[c]) {
                    t += width[c];
                    ++visible;
                }
            }
            return t + (visible > 0 ? (visible - 1) * gap : 0);
        };
        while (total() > style.width) {
            bool changed = false;
            for (std::size_t c = 0; c < n && !changed; ++c) {
                if (shown[c] && columns_[c].elastic && width[c] > columns_[c].min_width) {
                    const std::size_t excess = total() - style.width;
                    const std::size_t room = width[c] - columns_[c].min_width;
                    width[c] -= excess < room ? excess : room;
                    changed = true;
                }
            }
            if (changed) {
                continue;
            }
            std::size_t victim = n;
            for (std::size_t c = 0; c < n; ++c) {
                if (shown[c] && columns_[c].drop_order > 0 &&
                    (victim == n || columns_[c].drop_order > columns_[victim].drop_order)) {
                    victim = c;
                }
            }
            if (victim == n) {
                break; // nothing left to give: the lines stay wider than asked
            }
            shown[victim] = false;
        }

        std::string out;
        const auto line = [&](const std::vector<console_cell>& cells, bool header) {
            std::string text(indent, ' ');
            bool first = true;
            std::size_t pending = 0; // spaces owed before the next non-empty output
            for (std::size_t c = 0; c < n; ++c) {
                if (!shown[c]) {
                    continue;
                }
                if (!first) {
                    pending += gap;
                }
                first = false;
                const std::string& raw =
                    header ? columns_[c].header : (c < cells.size() ? cells[c].text : "");
                const std::string fitted = console_fit(raw, width[c], style.unicode);
                const std::string padded = console_pad(fitted, width[c], columns_[c].right);
                // Paint the text only, not its padding; trailing spaces are never written.
                const std::size_t lead = columns_[c].right ? padded.size() - fitted.size() : 0;
                pending += lead;
                if (!fitted.empty()) {
                    text.append(pending, ' ');
                    pending = 0;
                    const char* sgr = header ? "1" : (c < cells.size() ? cells[c].sgr : nullptr);
                    text += style.paint(fitted, sgr);
                }
                pending += columns_[c].right ? 0 : padded.size() - fitted.size();
            }
            out += text;
            out += '\n';
        };
        line({}, true);
        for (const auto& r : rows_) {
            if (r.rule) {
                out += std::string(indent, ' ') + style.paint(style.rule(total() - indent), "2") + '\n';
            } else {
                line(r.cells, false);
            }
        }
        return out;
    }

private:
    struct row {
        std::vector<console_cell> cells;
        bool rule = false;
    };
    std::vector<console_column> columns_;
    std::vector<row> rows_;
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_REPORT_CONSOLE_TABLE_HPP
