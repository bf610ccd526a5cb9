#include "catch.hpp"
#include "report_sample.hpp"
#include "test_support.hpp"

#include <loadkit/detail/report/terminal.hpp>
#include <loadkit/loadkit.hpp>
#include <loadkit/report/progress.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// A clock the test moves by hand.
struct manual_clock {
    std::shared_ptr<std::chrono::steady_clock::time_point> now =
        std::make_shared<std::chrono::steady_clock::time_point>();
    void advance(std::chrono::nanoseconds d) const { *now += d; }
    std::function<std::chrono::steady_clock::time_point()> function() const {
        auto at = now;
        return [at] { return *at; };
    }
};

loadkit::run_progress sample_progress() {
    loadkit::run_progress p;
    p.elapsed = 42s;
    p.planned = 65s;
    p.completed = 21034;
    p.errors = 87;
    p.dropped = 26;
    p.in_flight = 37;
    p.rate = 400.0;
    p.p95_last = 28'240us;
    p.phase = "checkout: ramping_vus stage 2/3 (50 VUs)";
    return p;
}

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) {
        ++n;
    }
    return n;
}

loadkit::detail::console_style ascii(std::size_t width) { return {false, false, width}; }

} // namespace

TEST_CASE("progress_printer refreshes at most 4 times a second by its own clock", "[report][progress]") {
    const manual_clock clock;
    std::uint64_t refreshes = 0;
    const std::string text = report_sample::capture_file([&](std::FILE* f) {
        loadkit::progress_printer printer(
            {.mode = loadkit::progress_mode::always, .out = f, .clock = clock.function()});
        loadkit::run_progress p = sample_progress();
        for (int i = 0; i <= 100; ++i) { // 5 s of calls every 50 ms
            p.elapsed = std::chrono::milliseconds{50 * i};
            printer(p);
            printer(p); // a second call at the same instant never draws
            clock.advance(50ms);
        }
        refreshes = printer.refreshes();
    });
    CHECK(refreshes == 21);                // at 0, 250, 500, ..., 5000 ms
    CHECK(count_of(text, "\r") == 21 + 1); // + the clearing when the printer goes away
    CHECK(count_of(text, "\x1b[K") == 22);
}

TEST_CASE("progress_printer is silent when its stream is not a terminal or when CI is set",
          "[report][progress]") {
    const std::string text = report_sample::capture_file([&](std::FILE* f) {
        loadkit::progress_printer printer({.out = f});
        CHECK(!printer.enabled());
        printer(sample_progress());
        printer.finish();
        CHECK(printer.refreshes() == 0);
    });
    CHECK(text.empty());
    const std::string never = report_sample::capture_file([&](std::FILE* f) {
        loadkit::progress_printer printer({.mode = loadkit::progress_mode::never, .out = f});
        printer(sample_progress());
    });
    CHECK(never.empty());
#if defined(LOADKIT_TEST_HAVE_PTY)
    if (!report_sample::pseudo_terminal().ok()) {
        WARN("no pseudo-terminal available (posix_openpt): the terminal cases are skipped");
        return;
    }
    {
        const report_sample::env_guard ci("CI", nullptr);
        report_sample::pseudo_terminal tty;
        REQUIRE(tty.ok());
        {
            loadkit::progress_printer printer({.out = tty.out, .color = loadkit::color_mode::never});
            CHECK(printer.enabled());
            printer(sample_progress());
        }
        const std::string shown = tty.close();
        CHECK(contains(shown, "\rops") == false); // the line starts with the elapsed time
        CHECK(contains(shown, "\r0:42/1:05"));
        CHECK(contains(shown, "ops 21,034"));
    }
    {
        const report_sample::env_guard ci("CI", "true");
        report_sample::pseudo_terminal tty;
        REQUIRE(tty.ok());
        {
            loadkit::progress_printer printer({.out = tty.out});
            CHECK(!printer.enabled());
            printer(sample_progress());
        }
        CHECK(tty.close().empty());
    }
#endif
}

TEST_CASE(
    "the progress line shows elapsed/planned with a bar, ops, rate, errors, dropped, in-flight, p95, phase",
    "[report][progress]") {
    loadkit::run_progress p = sample_progress();
    const std::string line = loadkit::detail::progress_line(p, 200, ascii(200));
    CHECK(line == "0:42/1:05  [============>       ] 64%  ops 21,034  400/s  err 87 (0.41%)  drop 26  "
                  "in-flight 37  p95 28.24ms  checkout: ramping_vus stage 2/3 (50 VUs)");
    p.warming_up = true;
    p.planned.reset();
    p.dropped = 0;
    p.errors = 0;
    const std::string open_ended = loadkit::detail::progress_line(p, 200, ascii(200));
    CHECK(open_ended == "0:42  ops 21,034  400/s  err 0  in-flight 37  p95 28.24ms  warm-up  "
                        "checkout: ramping_vus stage 2/3 (50 VUs)");
    // Unicode: eighth blocks in the bar.
    p.planned = 65s;
    const std::string fancy = loadkit::detail::progress_line(p, 200, {false, true, 200});
    CHECK(contains(fancy, "\xE2\x96\x88\xE2\x96\x88"));
}

TEST_CASE("the progress line fits its width, dropping minor figures before the essential ones",
          "[report][progress]") {
    const loadkit::run_progress p = sample_progress();
    for (const std::size_t width : {20U, 40U, 60U, 80U, 100U, 120U}) {
        const std::string line = loadkit::detail::progress_line(p, width, ascii(width));
        INFO(width << ": " << line);
        CHECK(loadkit::detail::console_width(line) <= width);
        CHECK(line.rfind("0:42/1:05", 0) == 0);
        if (width >= 40) {
            CHECK(contains(line, "ops 21,034  400/s  err 87"));
        }
    }
    CHECK(!contains(loadkit::detail::progress_line(p, 60, ascii(60)), "in-flight"));
    // Text from the run cannot inject escape sequences.
    loadkit::run_progress evil = p;
    evil.phase = "x\x1b[2J\ny";
    CHECK(contains(loadkit::detail::progress_line(evil, 200, ascii(200)), "x\\x1b[2J\\ny"));
}

TEST_CASE("finish() clears the line once; copies share one state, as an engine's std::function copy does",
          "[report][progress]") {
    const manual_clock clock;
    std::uint64_t shared = 0;
    const std::string text = report_sample::capture_file([&](std::FILE* f) {
        const loadkit::progress_printer printer({.mode = loadkit::progress_mode::always,
                                                 .out = f,
                                                 .color = loadkit::color_mode::never,
                                                 .clock = clock.function()});
        const std::function<void(const loadkit::run_progress&)> on_progress =
            printer; // what the engine keeps
        on_progress(sample_progress());
        clock.advance(100ms);
        on_progress(sample_progress()); // throttled: the copy shares the original's last refresh
        shared = printer.refreshes();
        printer.finish();
        printer.finish(); // nothing left to clear
    });
    CHECK(shared == 1);
    CHECK(text.size() > 20);
    CHECK(text.substr(text.size() - 4) == "\r\x1b[K");
    CHECK(count_of(text, "\r\x1b[K") == 1);
    CHECK(count_of(text, "\x1b[K") == 2); // the drawn line's own clear, then finish()
}

TEST_CASE("progress_printer may be called from several threads", "[report][progress]") {
    const std::string text = report_sample::capture_file([&](std::FILE* f) {
        const loadkit::progress_printer printer(
            {.mode = loadkit::progress_mode::always, .out = f, .min_interval = 0ns});
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([printer] {
                loadkit::run_progress p = sample_progress();
                for (int i = 0; i < 200; ++i) {
                    p.completed = static_cast<std::uint64_t>(i);
                    printer(p);
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        CHECK(printer.refreshes() == 800); // min_interval 0: every call draws
    });
    CHECK(count_of(text, "\r") == 801);
}

TEST_CASE("progress_options are validated, naming the field and the value", "[report][progress]") {
    CHECK(invalid_argument_message([] { loadkit::progress_printer p({.min_interval = -1ns}); }) ==
          "loadkit::progress_options: min_interval = -1ns (expected >= 0)");
    CHECK(invalid_argument_message([] { loadkit::progress_printer p({.width = 5}); }) ==
          "loadkit::progress_options: width = 5 (expected 0 or 20 .. 1000)");
}

TEST_CASE("progress rate before the first interval closes is over the elapsed time, not a whole interval",
          "[report][progress]") {
    // Each progress call's figures come from one snapshot, so the identity holds whatever the
    // machine's speed: in the first (1 s) interval, rate = completed / elapsed. A rate over the whole
    // second would read 4 x low at 250 ms.
    loadkit::run_options o;
    o.sample_resources = false;
    o.report_stuck_to_stderr = false;
    o.progress_interval = 40ms;
    std::mutex m;
    std::vector<loadkit::run_progress> seen;
    o.on_progress = [&](const loadkit::run_progress& p) {
        const std::lock_guard<std::mutex> lock(m);
        seen.push_back(p);
    };
    const auto r = loadkit::run(
        loadkit::constant_vus{.vus = 2, .duration = 400ms},
        {"op", [](loadkit::op_context&) -> loadkit::task<void> { co_await loadkit::sleep_for(1ms); }}, o);
    CHECK(r.result.overall.count() > 0);
    std::size_t checked = 0;
    for (const auto& p : seen) {
        if (p.completed == 0 || p.elapsed >= 1s) {
            continue;
        }
        const double seconds = std::chrono::duration<double>(p.elapsed).count();
        CAPTURE(p.elapsed.count(), p.completed, p.rate);
        CHECK(p.rate == Approx(static_cast<double>(p.completed) / seconds).epsilon(1e-9));
        ++checked;
    }
    CHECK(checked >= 1);
}
