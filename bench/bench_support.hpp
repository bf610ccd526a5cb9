// Small helpers shared by the benchmark programs.
#ifndef LOADKIT_BENCH_SUPPORT_HPP
#define LOADKIT_BENCH_SUPPORT_HPP

#include <cstdio>

namespace bench {
// The 1-minute load average, printed next to timings so a reader can tell a quiet run from a busy
// one; -1 where /proc/loadavg is unavailable.
inline double load_average() {
    double load = -1.0;
    if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &load) != 1) {
            load = -1.0;
        }
        std::fclose(f);
    }
    return load;
}
} // namespace bench

#endif // LOADKIT_BENCH_SUPPORT_HPP
