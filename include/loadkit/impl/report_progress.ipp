// SPDX-License-Identifier: MIT
// The live progress line's body (report/progress.hpp): the line's layout and the printer's state.
#ifndef LOADKIT_IMPL_REPORT_PROGRESS_IPP
#define LOADKIT_IMPL_REPORT_PROGRESS_IPP

#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/detail/text/units.hpp>
#include <loadkit/run_report.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

LOADKIT_DECL std::string progress_line(const run_progress& p, std::size_t width, const console_style& s) {
    struct segment {
        std::string text; // printable, no escape sequences
        const char* sgr;
        int drop_order;        // dropped highest first when the line is too wide; 0: kept
        std::string shorter{}; // used instead of text before anything is dropped
    };
    std::vector<segment> parts;
    std::string when = human_clock(p.elapsed);
    if (p.planned && p.planned->count() > 0) {
        when += "/" + human_clock(*p.planned);
    }
    parts.push_back({when, "1", 0});
    if (p.planned && p.planned->count() > 0) {
        double done = static_cast<double>(p.elapsed.count()) / static_cast<double>(p.planned->count());
        done = done < 0.0 ? 0.0 : (done > 1.0 ? 1.0 : done);
        const std::size_t cells = 20;
        const auto eighths = static_cast<std::size_t>(done * static_cast<double>(cells * 8));
        std::string bar = "[";
        for (std::size_t c = 0; c < cells; ++c) {
            const std::size_t e = eighths >= (c + 1) * 8 ? 8 : (eighths > c * 8 ? eighths - c * 8 : 0);
            if (!s.unicode) {
                bar += e == 8 ? "=" : (e > 0 ? ">" : " ");
            } else if (e == 0) {
                bar += " ";
            } else {
                const unsigned cp = e == 8 ? 0x2588U : 0x2590U - static_cast<unsigned>(e);
                bar += static_cast<char>(0xE2);
                bar += static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU));
                bar += static_cast<char>(0x80U | (cp & 0x3FU));
            }
        }
        bar += "] " + std::to_string(static_cast<int>(done * 100.0)) + "%";
        parts.push_back({bar, "36", 3});
    }
    parts.push_back({"ops " + human_count(p.completed), nullptr, 0});
    parts.push_back({human_rate(p.rate), nullptr, 0});
    const std::string errors = "err " + human_count(p.errors);
    std::string share;
    if (p.errors > 0 && p.completed > 0) {
        share = " (" + human_percent(static_cast<double>(p.errors) / static_cast<double>(p.completed)) + ")";
    }
    parts.push_back({errors + share, p.errors > 0 ? "31" : nullptr, 0, share.empty() ? "" : errors});
    if (p.dropped > 0) {
        parts.push_back({"drop " + human_count(p.dropped), "33", 4});
    }
    parts.push_back({"in-flight " + human_count(p.in_flight), nullptr, 5});
    parts.push_back(
        {"p95 " + (p.p95_last.count() > 0 ? human_duration(p.p95_last, s.unicode) : std::string("-")),
         nullptr, 2});
    if (p.warming_up) {
        parts.push_back({"warm-up", "33", 6});
    }
    const std::string phase = console_safe(p.phase);
    const auto total = [&] {
        std::size_t w = 0;
        for (const auto& part : parts) {
            w += (w > 0 ? 2 : 0) + console_width(part.text);
        }
        return w;
    };
    for (auto& part : parts) {
        if (total() > width && !part.shorter.empty()) {
            part.text = part.shorter;
        }
    }
    while (total() > width) {
        std::size_t victim = parts.size();
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (parts[i].drop_order > 0 &&
                (victim == parts.size() || parts[i].drop_order > parts[victim].drop_order)) {
                victim = i;
            }
        }
        if (victim == parts.size()) {
            break;
        }
        parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(victim));
    }
    const std::size_t used = total();
    if (!phase.empty() && used + 2 + 8 <= width) {
        parts.push_back({console_fit(phase, width - used - 2, s.unicode), "2", 0});
    }
    std::string line;
    std::size_t w = 0;
    for (const auto& part : parts) {
        std::string text = part.text;
        if (w + (w > 0 ? 2 : 0) + console_width(text) > width) {
            text = console_fit(text, width > w + 2 ? width - w - 2 : 0, s.unicode);
        }
        if (text.empty()) {
            break;
        }
        if (w > 0) {
            line += "  ";
            w += 2;
        }
        line += s.paint(text, part.sgr);
        w += console_width(text);
    }
    return line;
}

inline std::size_t progress_columns(std::FILE* out) {
    if (const std::size_t cols = console_terminal_columns(out); cols > 0) {
        return cols;
    }
    if (const char* env = std::getenv("COLUMNS"); env != nullptr) { // NOLINT(concurrency-mt-unsafe)
        const long cols = std::strtol(env, nullptr, 10);
        if (cols >= 20 && cols <= 1000) {
            return static_cast<std::size_t>(cols);
        }
    }
    return 100;
}

} // namespace detail

struct progress_printer::state {
    std::mutex mutex;
    std::FILE* out = nullptr;
    bool enabled = false;
    bool ansi = true;
    bool showing = false;
    std::size_t width = 100;
    std::size_t shown_width = 0;
    detail::console_style style;
    std::chrono::nanoseconds min_interval{};
    std::function<time_point()> clock;
    time_point last{};
    std::uint64_t refreshes = 0;

    state() = default;
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { clear(); }

    void clear() {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!showing) {
            return;
        }
        showing = false;
        const std::string text = ansi ? std::string("\r\x1b[K") : "\r" + std::string(shown_width, ' ') + "\r";
        std::fwrite(text.data(), 1, text.size(), out);
        std::fflush(out);
    }
};

LOADKIT_DECL progress_printer::progress_printer(progress_options options)
    : state_(std::make_shared<state>()) {
    if (options.min_interval < std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument("loadkit::progress_options: min_interval = " +
                                    std::to_string(options.min_interval.count()) + "ns (expected >= 0)");
    }
    if (options.width != 0 && (options.width < 20 || options.width > 1000)) {
        throw std::invalid_argument("loadkit::progress_options: width = " + std::to_string(options.width) +
                                    " (expected 0 or 20 .. 1000)");
    }
    state& st = *state_;
    st.out = options.out != nullptr ? options.out : stderr;
    const bool terminal = detail::console_is_terminal(st.out);
    st.enabled = options.mode == progress_mode::always ||
                 (options.mode == progress_mode::automatic && terminal && std::getenv("CI") == nullptr);
    st.min_interval = options.min_interval;
    st.clock = std::move(options.clock);
    // One column short of the terminal: writing the last column makes some terminals wrap.
    st.width = options.width != 0 ? options.width : detail::progress_columns(st.out) - 1;
    const char* term = std::getenv("TERM"); // NOLINT(concurrency-mt-unsafe)
    st.ansi = term == nullptr || std::string(term) != "dumb";
    st.style =
        detail::console_style{detail::console_use_color(options.color, terminal), options.unicode, st.width};
}

LOADKIT_DECL void progress_printer::operator()(const run_progress& p) const {
    state& st = *state_;
    const std::lock_guard<std::mutex> lock(st.mutex);
    if (!st.enabled) {
        return;
    }
    const time_point now = st.clock ? st.clock() : std::chrono::steady_clock::now();
    if (st.refreshes > 0 && now - st.last < st.min_interval) {
        return;
    }
    st.last = now;
    ++st.refreshes;
    const std::string line = detail::progress_line(p, st.width, st.style);
    std::string text = "\r" + line;
    if (st.ansi) {
        text += "\x1b[K"; // clear what a longer previous line left
    } else {
        const std::size_t w = detail::console_width(line);
        text += std::string(st.shown_width > w ? st.shown_width - w : 0, ' ');
    }
    st.shown_width = detail::console_width(line);
    st.showing = true;
    std::fwrite(text.data(), 1, text.size(), st.out);
    std::fflush(st.out);
}

LOADKIT_DECL void progress_printer::finish() const { state_->clear(); }

LOADKIT_DECL bool progress_printer::enabled() const noexcept { return state_->enabled; }

LOADKIT_DECL std::uint64_t progress_printer::refreshes() const {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->refreshes;
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_PROGRESS_IPP
