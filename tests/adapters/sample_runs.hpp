// Runs the adapter tests judge, the same for every framework: built by hand (a recorder fed fixed
// latencies, verdicts filled in as loadkit::run fills them), so the verdict lines are exact.
#ifndef LOADKIT_TESTS_ADAPTERS_SAMPLE_RUNS_HPP
#define LOADKIT_TESTS_ADAPTERS_SAMPLE_RUNS_HPP

#include <loadkit/loadkit.hpp>

#include <chrono>
#include <cstddef>
#include <vector>

namespace sample_runs {

// 1,000 operations over 10 s, latencies 10 .. 59 ms (p50 34 ms), 3 failed.
inline loadkit::run_result result() {
    using namespace std::chrono_literals;
    const loadkit::recorder::time_point t0{};
    loadkit::recorder rec{t0};
    const auto op = rec.tag("op");
    for (int i = 0; i < 1000; ++i) {
        const auto what = i % 400 == 7 ? loadkit::outcome::error("http", "503") : loadkit::outcome::ok();
        rec.local().record(op, what, std::chrono::milliseconds{10 + i % 50});
    }
    return rec.finish(t0 + 10s);
}

// A run with objectives, as loadkit::run reports it.
inline loadkit::run_report with_slo(const loadkit::slo_policy& policy) {
    loadkit::run_report report;
    report.title = "checkout";
    report.result = result();
    report.slo = policy.evaluate(report.result);
    return report;
}

// Objectives met, but one operation never came back.
inline loadkit::run_report stuck() {
    loadkit::run_report report = with_slo(loadkit::slo_policy{"p95 < 200ms"});
    report.stuck.push_back({.scenario = "checkout",
                            .tag = "pay",
                            .virtual_user = 3,
                            .iteration = 12,
                            .elapsed = std::chrono::seconds{31},
                            .abandoned = true,
                            .finished = false});
    return report;
}

// Objectives met, heap grows 1 KiB per iteration: a leak.
inline loadkit::run_report leaking() {
    loadkit::run_report report = with_slo(loadkit::slo_policy{"p95 < 200ms"});
    std::vector<loadkit::leak_sample> heap;
    for (std::size_t i = 0; i < 200; ++i) {
        heap.emplace_back(static_cast<double>(i) * 100.0, 64e6 + 1024.0 * 100.0 * static_cast<double>(i));
    }
    report.leak = loadkit::check_leak({}, heap);
    return report;
}

} // namespace sample_runs

#endif // LOADKIT_TESTS_ADAPTERS_SAMPLE_RUNS_HPP
