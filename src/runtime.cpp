// loadkit's bodies, compiled once (separate compilation, include/loadkit/config.hpp):
// the runtime, histograms, process probes, profiles and the harnesses.
// One translation unit of CMake's loadkit::compiled and meson's loadkit_compiled_dep, which are cut
// by subsystem so that the parts build in parallel and a program links only those it uses.
// tools/check_layout.py checks that src/*.cpp compile every body exactly once.
#include <loadkit/loadkit.hpp>

#include <loadkit/impl/blocking_pool.ipp>
#include <loadkit/impl/contend.ipp>
#include <loadkit/impl/deadline.ipp>
#include <loadkit/impl/event_loop.ipp>
#include <loadkit/impl/histogram.ipp>
#include <loadkit/impl/histogram_layout.ipp>
#include <loadkit/impl/lock_probe.ipp>
#include <loadkit/impl/manual_clock_executor.ipp>
#include <loadkit/impl/pacer.ipp>
#include <loadkit/impl/process.ipp>
#include <loadkit/impl/profile.ipp>
#include <loadkit/impl/rate_schedule.ipp>
#include <loadkit/impl/runner.ipp>
#include <loadkit/impl/segment.ipp>
#include <loadkit/impl/sharded_histogram.ipp>
#include <loadkit/impl/spawn_report.ipp>
#include <loadkit/impl/text_units.ipp>
