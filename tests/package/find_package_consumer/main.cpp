// Package consumer: includes the umbrella header of an installed loadkit and prints its version.
#include <loadkit/loadkit.hpp>

#include <cstdio>

int main() {
    const auto& v = loadkit::version;
    std::printf("loadkit %d.%d.%d\n", v.major, v.minor, v.patch);
    return LOADKIT_VERSION == v.major * 10000 + v.minor * 100 + v.patch ? 0 : 1;
}
