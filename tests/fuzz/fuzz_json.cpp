// libFuzzer harness: loadkit::from_json (report/json.hpp) on arbitrary text.
// Contract checked: malformed input throws loadkit::json_error and nothing else, within the
// reader's bounds on memory; input it accepts writes back (to_json) and reads again into an equal
// result, as report/json.hpp promises.
#include <loadkit/report/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // Bounds 64x below the defaults (512 KiB per histogram: 3 significant digits at any range;
    // 8 MiB in all: the seeds' dozen histograms): the same code decides, and zeroing the counters
    // of the layouts the defaults admit would cost the fuzzer most of its executions
    // (fuzz_hlog_check.hpp). tests/test_report_json.cpp checks the defaults.
    const loadkit::json_read_options options{.max_counters_per_histogram = std::size_t{1} << 16,
                                             .max_counters_total = std::size_t{1} << 20};
    std::optional<loadkit::run_report> report; // not a default one: its histogram would cost 270 KB
    try {
        report.emplace(loadkit::from_json(text, options));
    } catch (const loadkit::json_error&) {
        return 0;
    }
    const std::string again = loadkit::to_json(*report, {.indent = 0});
    if (!(loadkit::from_json(again, options).result == report->result)) {
        std::fprintf(stderr, "from_json(to_json(r)).result != r.result for an accepted input\n");
        std::abort();
    }
    return 0;
}
