// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::merge_reports — one report from the reports of processes (or machines) that ran the
// same test side by side, e.g. read back with from_json (report/json.hpp):
//
//   std::vector<loadkit::run_report> shards;
//   for (const char* path : paths) { std::ifstream in(path); shards.push_back(loadkit::read_json(in)); }
//   loadkit::run_report all = loadkit::merge_reports(shards);
//   return all.exit_code();
//
// What merges, and how (examples/loadkit_merge.cpp is the command-line tool):
//  - result: exactly, with run_result::operator+= (every count, histogram counter and interval; the
//    longer duration, the more severe stop reason). N shards fed disjoint parts of one workload
//    merge into the result one recorder fed all of it would give (tests/test_report_json.cpp).
//  - slo: the objectives of all shards, united by text() in order of appearance, re-evaluated on the
//    merged result — percentiles of the merged histograms, never averages of shard percentiles.
//    memory_growth and no_leak objectives judge one process's memory: each keeps the verdict of
//    the first shard where it failed (else the first where it was inconclusive, else the first).
//  - leak: per process. The most severe shard's leak_report is kept (leak > inconclusive >
//    no_leak), so passed() fails when any process leaked; its figures are that process's.
//  - resources: per process, and their steady_clock times do not compare across processes: kept
//    only when a single shard has samples, otherwise dropped (read them from the shard reports).
//  - capacity: a search is one process's; kept when a single shard has one, otherwise dropped.
//  - scenarios united by name (the first shard's description, operations united); stuck
//    operations concatenated; title the first non-empty one; started the earliest.
#ifndef LOADKIT_REPORT_MERGE_HPP
#define LOADKIT_REPORT_MERGE_HPP

#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace loadkit {
inline namespace v0 {
namespace detail {

inline int leak_severity(leak_verdict v) noexcept {
    return v == leak_verdict::leak ? 2 : (v == leak_verdict::inconclusive ? 1 : 0);
}

// The merged verdict of a per-process objective (memory_growth, no_leak).
inline objective_verdict per_process_verdict(std::span<const run_report> shards, const std::string& text,
                                             const objective_verdict& first) {
    const objective_verdict* inconclusive = nullptr;
    for (const auto& shard : shards) {
        if (!shard.slo) {
            continue;
        }
        for (const auto& v : shard.slo->verdicts) {
            if (v.target.text() != text) {
                continue;
            }
            if (!v.passed) {
                return v;
            }
            if (inconclusive == nullptr && v.statistical == verdict::inconclusive) {
                inconclusive = &v;
            }
        }
    }
    return inconclusive != nullptr ? *inconclusive : first;
}

} // namespace detail

// The reports of shards that ran side by side, as one (see the header comment for each part).
// Throws std::invalid_argument naming the shard if results cannot merge (open vs closed model,
// histograms of different precision).
[[nodiscard]] inline run_report merge_reports(std::span<const run_report> shards) {
    run_report out;
    std::size_t with_resources = 0;
    std::size_t with_capacity = 0;
    for (std::size_t i = 0; i < shards.size(); ++i) {
        const run_report& s = shards[i];
        if (out.title.empty()) {
            out.title = s.title;
        }
        if (s.started.time_since_epoch().count() != 0 &&
            (out.started.time_since_epoch().count() == 0 || s.started < out.started)) {
            out.started = s.started;
        }
        for (const auto& sc : s.scenarios) {
            scenario_summary* mine = nullptr;
            for (auto& m : out.scenarios) {
                mine = m.name == sc.name ? &m : mine;
            }
            if (mine == nullptr) {
                out.scenarios.push_back(sc);
                continue;
            }
            for (const auto& op : sc.operations) {
                bool known = false;
                for (const auto& o : mine->operations) {
                    known = known || o == op;
                }
                if (!known) {
                    mine->operations.push_back(op);
                }
            }
        }
        try {
            out.result += s.result;
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("loadkit::merge_reports: shard " + std::to_string(i) + ": " +
                                        e.what());
        }
        if (s.leak && (!out.leak ||
                       detail::leak_severity(s.leak->verdict) > detail::leak_severity(out.leak->verdict))) {
            out.leak = s.leak;
        }
        if (!s.resources.empty() && ++with_resources == 1) {
            out.resources = s.resources;
        }
        if (s.capacity && ++with_capacity == 1) {
            out.capacity = s.capacity;
        }
        out.stuck.insert(out.stuck.end(), s.stuck.begin(), s.stuck.end());
    }
    if (with_resources > 1) {
        out.resources.clear();
    }
    if (with_capacity > 1) {
        out.capacity.reset();
    }

    std::vector<std::string> seen;
    for (const auto& s : shards) {
        if (!s.slo) {
            continue;
        }
        if (!out.slo) {
            out.slo.emplace();
        }
        for (const auto& v : s.slo->verdicts) {
            std::string text = v.target.text();
            bool known = false;
            for (const auto& t : seen) {
                known = known || t == text;
            }
            if (known) {
                continue;
            }
            const bool per_process =
                v.target.metric == slo_metric::memory_growth || v.target.metric == slo_metric::leak;
            out.slo->verdicts.push_back(per_process ? detail::per_process_verdict(shards, text, v)
                                                    : evaluate(v.target, out.result));
            seen.push_back(std::move(text));
        }
    }
    return out;
}

} // namespace v0
} // namespace loadkit

#endif // LOADKIT_REPORT_MERGE_HPP
