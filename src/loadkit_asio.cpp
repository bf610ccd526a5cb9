// loadkit-requires: asio
// The Asio layer's bodies, compiled once: the source of CMake's loadkit::compiled_asio and meson's
// loadkit_compiled_asio_dep (separate compilation, see include/loadkit/config.hpp).
#include <loadkit/impl/src_asio.hpp>
