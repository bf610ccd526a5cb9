// libFuzzer harness: loadkit::from_json (report/json.hpp) on arbitrary text.
// Contract checked: malformed input throws loadkit::json_error and nothing else; input it accepts
// writes back (to_json) and reads again into an equal result, as report/json.hpp promises.
#include <loadkit/report/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    loadkit::run_report report;
    try {
        report = loadkit::from_json(text);
    } catch (const loadkit::json_error&) {
        return 0;
    }
    const std::string again = loadkit::to_json(report, {.indent = 0});
    if (!(loadkit::from_json(again).result == report.result)) {
        std::fprintf(stderr, "from_json(to_json(r)).result != r.result for an accepted input\n");
        std::abort();
    }
    return 0;
}
