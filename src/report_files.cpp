// loadkit's bodies, compiled once (separate compilation, include/loadkit/config.hpp):
// JSON, .hlog, HTML, merging and comparing reports, and writing report files.
// One translation unit of CMake's loadkit::compiled and meson's loadkit_compiled_dep, which are cut
// by subsystem so that the parts build in parallel and a program links only those it uses.
// tools/check_layout.py checks that src/*.cpp compile every body exactly once.
#include <loadkit/loadkit.hpp>
#include <loadkit/report/all.hpp>

#include <loadkit/impl/report_compare.ipp>
#include <loadkit/impl/report_file.ipp>
#include <loadkit/impl/report_hlog.ipp>
#include <loadkit/impl/report_html.ipp>
#include <loadkit/impl/report_json.ipp>
#include <loadkit/impl/report_merge.ipp>
