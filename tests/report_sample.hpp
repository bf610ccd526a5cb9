// Run reports for the reporter tests (console, progress, JUnit): built with a real recorder on a
// manual time base and seeded random latencies, so every figure is deterministic.
#ifndef LOADKIT_TESTS_REPORT_SAMPLE_HPP
#define LOADKIT_TESTS_REPORT_SAMPLE_HPP

#include <loadkit/leak.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>
#endif

namespace report_sample {

using namespace std::chrono_literals;
using time_point = loadkit::recorder::time_point;
inline const time_point t0{};

// 2024-05-01 12:00:00 UTC.
inline std::chrono::system_clock::time_point fixed_start() {
    return std::chrono::system_clock::time_point{std::chrono::seconds{1714564800}};
}

// Process samples every 500 ms for `seconds`: flat RSS and heap with seeded noise, CPU growing.
inline std::vector<loadkit::process_sample> resources(int seconds, double heap_growth_per_s = 0.0) {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 64.0 * 1024);
    std::vector<loadkit::process_sample> out;
    for (int i = 0; i <= seconds * 2; ++i) {
        loadkit::process_sample s;
        s.at = t0 + std::chrono::milliseconds{500 * i};
        const double t = i / 2.0;
        s.rss_bytes = static_cast<std::uint64_t>(48.0 * 1024 * 1024 + noise(rng) + heap_growth_per_s * t);
        s.peak_rss_bytes = static_cast<std::uint64_t>(55.0 * 1024 * 1024);
        s.heap_in_use_bytes =
            static_cast<std::uint64_t>(12.5 * 1024 * 1024 + noise(rng) + heap_growth_per_s * t);
        s.cpu_user = std::chrono::microseconds{static_cast<std::int64_t>(i) * 350'000};
        s.cpu_system = std::chrono::microseconds{static_cast<std::int64_t>(i) * 50'000};
        s.threads = static_cast<std::uint32_t>(i < 4 ? 5 : 9);
        s.open_fds = static_cast<std::uint32_t>(14 + (i % 7 == 0 ? 3 : 0));
        out.push_back(s);
    }
    return out;
}

// An open-model checkout run of 65 s (5 s warm-up) over three tags at ~400 ops/s, with errors,
// timeouts and dropped operations, four SLO verdicts (p99 < 50ms fails), resources, a leak verdict and one
// stuck operation.
inline loadkit::run_report rich(std::uint64_t seed = 42) {
    loadkit::recorder rec{t0, {.model = loadkit::latency_model::open, .interval = 1s, .warmup = 5s}};
    const loadkit::tag_id tags[] = {rec.tag("checkout"), rec.tag("login"), rec.tag("search")};
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> service(std::log(12e6), 0.5); // median 12 ms
    std::uniform_int_distribution<int> roll(0, 999);
    auto& w = rec.local();
    for (int s = 0; s < 65; ++s) {
        for (int i = 0; i < 400; ++i) {
            const auto intended = t0 + std::chrono::seconds{s} + std::chrono::microseconds{i * 2500};
            const int which = roll(rng) % 10;
            const loadkit::tag_id tag = tags[which < 2 ? 0 : (which < 4 ? 1 : 2)];
            w.record_scheduled(tag); // as the engine does, before the outcome
            double svc = service(rng) * (s < 5 ? 3.0 : 1.0) * (which < 2 ? 2.0 : 1.0);
            const int r = roll(rng);
            if (tag == tags[2] && r < 2) {
                w.record_dropped(tag);
                continue;
            }
            const auto queued = std::chrono::nanoseconds{static_cast<std::int64_t>(rng() % 2'000'000)};
            const auto start = intended + queued;
            loadkit::outcome what = loadkit::outcome::ok();
            if (tag == tags[0] && r < 12) {
                what = loadkit::outcome::error("http", r < 8 ? "503 service unavailable" : "502 bad gateway");
            } else if (tag == tags[0] && r < 15) {
                what = loadkit::outcome::timeout();
                svc = 1e9;
            } else if (tag == tags[2] && r < 5) {
                what = loadkit::outcome::error("db", "connection reset by peer");
            }
            const auto end = start + std::chrono::nanoseconds{static_cast<std::int64_t>(svc)};
            w.record(tag, what, intended, start, end);
        }
        rec.tick(t0 + std::chrono::seconds{s + 1});
    }
    loadkit::run_report report;
    report.title = "checkout soak";
    report.started = fixed_start();
    report.result = rec.finish(t0 + 65s);
    report.scenarios.push_back({"checkout",
                                "constant_rate 400/s for 65s, max_in_flight 256",
                                loadkit::latency_model::open,
                                {},
                                {"checkout (weight 2)", "login (weight 2)", "search (weight 6)"}});
    const loadkit::slo_policy policy{"p95 < 200ms", "p99 < 50ms", "error_rate < 0.5%", "checkout: p99 < 1s"};
    report.slo = policy.evaluate(report.result);
    report.resources = resources(65);
    const auto heap = loadkit::make_leak_series(
        report.resources,
        [](const loadkit::process_sample& p) { return std::chrono::duration<double>(p.at - t0).count(); },
        [](const loadkit::process_sample& p) { return p.heap_in_use_bytes; });
    report.leak = loadkit::check_leak({}, heap, {.x_unit = "s"});
    report.stuck.push_back({"checkout", "checkout", 17, 342, 31200ms, true});
    return report;
}

// A closed-model run with exactly known figures: tag "fast" 1,000 operations at 1..1000 us (990 ok,
// 10 errors "http"/"500 internal"), tag "slow" 500 at 10 ms each, all within 10 s; no warm-up.
inline loadkit::run_report known() {
    loadkit::recorder rec{t0, {.interval = 1s}};
    const loadkit::tag_id fast = rec.tag("fast");
    const loadkit::tag_id slow = rec.tag("slow");
    auto& w = rec.local();
    for (int i = 1; i <= 1000; ++i) {
        w.record(fast,
                 i % 100 == 0 ? loadkit::outcome::error("http", "500 internal") : loadkit::outcome::ok(),
                 std::chrono::microseconds{i});
    }
    for (int i = 0; i < 500; ++i) {
        w.record(slow, loadkit::outcome::ok(), 10ms);
    }
    loadkit::run_report report;
    report.result = rec.finish(t0 + 10s);
    return report;
}

// Sets (or, with nullptr, unsets) an environment variable for one scope.
class env_guard {
public:
    env_guard(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) {
            old_ = old;
            had_ = true;
        }
        set(value);
    }
    env_guard(const env_guard&) = delete;
    env_guard& operator=(const env_guard&) = delete;
    ~env_guard() { set(had_ ? old_.c_str() : nullptr); }

private:
    void set(const char* value) {
#if defined(_WIN32)
        _putenv_s(name_.c_str(), value == nullptr ? "" : value);
#else
        if (value == nullptr) {
            unsetenv(name_.c_str());
        } else {
            setenv(name_.c_str(), value, 1);
        }
#endif
    }
    std::string name_;
    std::string old_;
    bool had_ = false;
};

#if defined(__unix__) || defined(__APPLE__)
#define LOADKIT_TEST_HAVE_PTY 1
// A pseudo-terminal: `out` is a FILE* for which isatty() is true; what is written to it is read
// back on another thread (a pty buffers only a few KiB) and returned by close().
class pseudo_terminal {
public:
    pseudo_terminal() {
        master_ = posix_openpt(O_RDWR | O_NOCTTY);
        if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) {
            return;
        }
        const char* name = ptsname(master_);
        const int slave = name == nullptr ? -1 : open(name, O_RDWR | O_NOCTTY);
        if (slave < 0) {
            return;
        }
        termios raw{};
        if (tcgetattr(slave, &raw) == 0) {
            cfmakeraw(&raw); // no "\n" -> "\r\n", no echo
            tcsetattr(slave, TCSANOW, &raw);
        }
        out = fdopen(slave, "w");
        reader_ = std::thread([this] {
            char buffer[4096];
            for (;;) {
                const ssize_t n = read(master_, buffer, sizeof buffer);
                if (n <= 0) {
                    break; // EIO once the slave side is closed
                }
                captured_.append(buffer, static_cast<std::size_t>(n));
            }
        });
    }
    pseudo_terminal(const pseudo_terminal&) = delete;
    pseudo_terminal& operator=(const pseudo_terminal&) = delete;
    ~pseudo_terminal() { static_cast<void>(close()); }

    [[nodiscard]] bool ok() const noexcept { return out != nullptr; }
    // Closes the terminal; everything written to it.
    std::string close() {
        if (out != nullptr) {
            std::fflush(out);
            std::fclose(out);
            out = nullptr;
        }
        if (reader_.joinable()) {
            reader_.join();
        }
        if (master_ >= 0) {
            ::close(master_);
            master_ = -1;
        }
        return captured_;
    }

    std::FILE* out = nullptr;

private:
    int master_ = -1;
    std::thread reader_;
    std::string captured_;
};
#endif

// Everything written to a temporary file (not a terminal) by f(FILE*).
template <class F> std::string capture_file(F&& f) {
    std::FILE* file = std::tmpfile();
    if (file == nullptr) {
        return "(tmpfile failed)";
    }
    f(file);
    std::fflush(file);
    std::rewind(file);
    std::string text;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) {
        text.append(buffer, n);
    }
    std::fclose(file);
    return text;
}

} // namespace report_sample

#endif // LOADKIT_TESTS_REPORT_SAMPLE_HPP
