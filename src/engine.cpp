// loadkit's bodies, compiled once (separate compilation, include/loadkit/config.hpp):
// operations, the recorder, results and the run engine.
// One translation unit of CMake's loadkit::compiled and meson's loadkit_compiled_dep, which are cut
// by subsystem so that the parts build in parallel and a program links only those it uses.
// tools/check_layout.py checks that src/*.cpp compile every body exactly once.
#include <loadkit/loadkit.hpp>

#include <loadkit/impl/capacity.ipp>
#include <loadkit/impl/engine.ipp>
#include <loadkit/impl/error_category.ipp>
#include <loadkit/impl/interval_series.ipp>
#include <loadkit/impl/operation.ipp>
#include <loadkit/impl/recorder.ipp>
#include <loadkit/impl/result.ipp>
#include <loadkit/impl/run_report.ipp>
#include <loadkit/impl/scenario.ipp>
