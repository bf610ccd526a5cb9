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

#include <loadkit/config.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/version.hpp>

#include <span>

namespace loadkit {
inline namespace v0_1 {

// The reports of shards that ran side by side, as one (see the header comment for each part).
// Throws std::invalid_argument naming the shard if results cannot merge (open vs closed model,
// histograms of different precision).
[[nodiscard]] LOADKIT_DECL run_report merge_reports(std::span<const run_report> shards);

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_merge.ipp>
#endif

#endif // LOADKIT_REPORT_MERGE_HPP
