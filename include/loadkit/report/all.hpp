// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// Every reporter at once (each is also usable alone): console summary and live progress, JSON (and
// merging), CSV, JUnit XML, HdrHistogram interval logs and the HTML report, and write_file to save
// any of them, failing loudly. Opt-in: loadkit.hpp never includes it. Its single-header form is
// single_include/loadkit/loadkit_report.hpp.
#ifndef LOADKIT_REPORT_ALL_HPP
#define LOADKIT_REPORT_ALL_HPP

#include <loadkit/report/compare.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/report/csv.hpp>
#include <loadkit/report/file.hpp>
#include <loadkit/report/hlog.hpp>
#include <loadkit/report/html.hpp>
#include <loadkit/report/json.hpp>
#include <loadkit/report/junit.hpp>
#include <loadkit/report/merge.hpp>
#include <loadkit/report/progress.hpp>
#include <loadkit/report/terminal.hpp>

#endif // LOADKIT_REPORT_ALL_HPP
