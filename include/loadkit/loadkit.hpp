// SPDX-License-Identifier: MIT
// loadkit — header-only C++20 coroutine library for load, soak and concurrency testing.
// The umbrella header: every core header, and the console summary (loadkit/report/console.hpp:
// what a run prints, so that the single header alone runs the README's first example). The other
// reporters (loadkit/report/all.hpp) and the optional adapters (loadkit/catch2.hpp, loadkit/asio.hpp)
// are never included from here.
#ifndef LOADKIT_LOADKIT_HPP
#define LOADKIT_LOADKIT_HPP

#include <loadkit/blocking_pool.hpp>
#include <loadkit/cancellation.hpp>
#include <loadkit/capacity.hpp>
#include <loadkit/contend.hpp>
#include <loadkit/core_types.hpp>
#include <loadkit/deadline.hpp>
#include <loadkit/engine.hpp>
#include <loadkit/error_category.hpp>
#include <loadkit/event_loop.hpp>
#include <loadkit/executor.hpp>
#include <loadkit/histogram.hpp>
#include <loadkit/interval_series.hpp>
#include <loadkit/leak.hpp>
#include <loadkit/lock_probe.hpp>
#include <loadkit/manual_clock_executor.hpp>
#include <loadkit/objective.hpp>
#include <loadkit/operation.hpp>
#include <loadkit/pacer.hpp>
#include <loadkit/process.hpp>
#include <loadkit/profile.hpp>
#include <loadkit/random.hpp>
#include <loadkit/rate_schedule.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/report/console.hpp>
#include <loadkit/result.hpp>
#include <loadkit/run_report.hpp>
#include <loadkit/runner.hpp>
#include <loadkit/scenario.hpp>
#include <loadkit/segment.hpp>
#include <loadkit/semaphore.hpp>
#include <loadkit/sharded_histogram.hpp>
#include <loadkit/sleep.hpp>
#include <loadkit/slo.hpp>
#include <loadkit/spawn_report.hpp>
#include <loadkit/sync_wait.hpp>
#include <loadkit/task.hpp>
#include <loadkit/task_pool.hpp>
#include <loadkit/timeout.hpp>
#include <loadkit/token_bucket.hpp>
#include <loadkit/version.hpp>
#include <loadkit/when_all.hpp>
#include <loadkit/when_any.hpp>

#endif // LOADKIT_LOADKIT_HPP
