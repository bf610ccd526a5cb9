// Soak-test a piece of code for leaks: run it 20,000 times, sample the allocator's bytes in use every
// 100 iterations, and ask for a trend verdict instead of "memory grew < 50 MB". The same loop runs
// twice: once clean, once leaking 64 bytes per iteration. Exits 0 when both verdicts are right.
#include <loadkit/loadkit.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {
// snippet-begin: leak_check
loadkit::leak_report soak(bool leak_on_purpose) {
    loadkit::process_probe probe;
    std::vector<loadkit::leak_sample> heap;
    std::vector<std::unique_ptr<char[]>> leaked;
    for (int i = 0; i < 20'000; ++i) {
        std::string work(200, 'x'); // the code under test
        if (leak_on_purpose)
            leaked.push_back(std::make_unique<char[]>(64));
        if (i % 100 == 0)
            heap.push_back({i, probe.heap_in_use_bytes().value_or(0)});
    }
    return loadkit::check_leak({}, heap, {.min_absolute_growth = 64 * 1024, .x_unit = "iter"});
}
// snippet-end
} // namespace

int main() {
    if (!loadkit::process_probe::heap_in_use_bytes()) {
        std::puts("heap-in-use counters are not available on this platform; nothing to check");
        return 0;
    }
    const loadkit::leak_report clean = soak(false);
    const loadkit::leak_report leaky = soak(true);
    std::printf("clean loop:   %s\nleaking loop: %s\n", clean.describe().c_str(), leaky.describe().c_str());
    const bool right =
        clean.verdict != loadkit::leak_verdict::leak && leaky.verdict == loadkit::leak_verdict::leak;
    std::printf("%s\n", right ? "PASS" : "FAIL");
    return right ? 0 : 1;
}
