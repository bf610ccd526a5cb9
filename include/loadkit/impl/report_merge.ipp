// SPDX-License-Identifier: MIT
//
// loadkit::merge_reports' body (declared in report/merge.hpp): results added exactly, SLO
// objectives re-evaluated on the merged result, per-process parts kept from one shard.
// The body of report/merge.hpp: included at its end in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_REPORT_MERGE_IPP
#define LOADKIT_IMPL_REPORT_MERGE_IPP

#include <loadkit/run_report.hpp>
#include <loadkit/slo.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loadkit {
inline namespace v0_1 {
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

LOADKIT_DECL run_report merge_reports(std::span<const run_report> shards) {
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
        out.past_hang_limit += s.past_hang_limit;
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

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_MERGE_IPP
