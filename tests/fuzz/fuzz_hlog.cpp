// libFuzzer harness: loadkit::read_hlog (report/hlog.hpp) on arbitrary text.
// Contract checked: malformed input throws loadkit::hlog_error and nothing else, within the
// reader's bounds on memory (the fuzzer's -malloc_limit_mb catches one that is not); every
// interval it accepts writes back (hlog_writer) and reads again counter for counter.
#include "fuzz_hlog_check.hpp"

#include <loadkit/report/hlog.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    loadkit::hlog_log log;
    try {
        log = loadkit::read_hlog(text, loadkit_fuzz::read_options());
    } catch (const loadkit::hlog_error&) {
        return 0;
    }
    loadkit_fuzz::check_round_trip(log);
    return 0;
}
