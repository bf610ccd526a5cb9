// loadkit's bodies, compiled once: the source of CMake's loadkit::compiled and meson's
// loadkit_compiled_dep (separate compilation, see include/loadkit/config.hpp).
#include <loadkit/impl/src.hpp>
