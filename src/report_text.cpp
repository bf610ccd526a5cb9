// loadkit's bodies, compiled once (separate compilation, include/loadkit/config.hpp):
// the console summary, the progress line, JUnit and CSV.
// One translation unit of CMake's loadkit::compiled and meson's loadkit_compiled_dep, which are cut
// by subsystem so that the parts build in parallel and a program links only those it uses.
// tools/check_layout.py checks that src/*.cpp compile every body exactly once.
#include <loadkit/loadkit.hpp>
#include <loadkit/report/all.hpp>

#include <loadkit/impl/report_console.ipp>
#include <loadkit/impl/report_csv.ipp>
#include <loadkit/impl/report_junit.ipp>
#include <loadkit/impl/report_progress.ipp>
