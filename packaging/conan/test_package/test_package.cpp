// Conan's test_package (and tools/check_packaging.sh): the packaged headers compile, link and run.
#include <loadkit/loadkit.hpp>

#include <cstdio>

int main() {
    loadkit::histogram h;
    h.record(std::chrono::milliseconds{3});
    const auto report = loadkit::run(loadkit::burst{.n = 10}, {"op", [](loadkit::op_context&) {}});
    std::printf("loadkit %d.%d.%d: %llu operations ok\n", loadkit::version.major, loadkit::version.minor,
                loadkit::version.patch, static_cast<unsigned long long>(report.result.overall.ok));
    return report.result.overall.ok == 10 && h.count() == 1 ? 0 : 1;
}
