// loadkit's bodies, compiled once (separate compilation, include/loadkit/config.hpp):
// SLO objectives, the leak-trend checker and the test adapters' judgement (testing/judgement.hpp).
// One translation unit of CMake's loadkit::compiled and meson's loadkit_compiled_dep, which are cut
// by subsystem so that the parts build in parallel and a program links only those it uses.
// tools/check_layout.py checks that src/*.cpp compile every body exactly once.
#include <loadkit/loadkit.hpp>
#include <loadkit/testing/judgement.hpp>

#include <loadkit/impl/judgement.ipp>
#include <loadkit/impl/leak.ipp>
#include <loadkit/impl/objective.ipp>
#include <loadkit/impl/slo.ipp>
