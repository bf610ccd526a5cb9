// libFuzzer harness: the binary side of loadkit::read_hlog (report/hlog.hpp) — HdrHistogram's
// encodings (V0, V1, V2; compressed or not) and the zlib inflater under them — reached through the
// public reader: the input's bytes become one interval line's base64 payload, so the fuzzer mutates
// bytes rather than base64 text. The first byte chooses the framing:
//   even: the rest is the whole encoding (cookie first);
//   odd:  the rest is a zlib stream, framed as V2-compressed (cookie + length) so the fuzzer
//         reaches the inflater without having to find the framing first.
// Contract checked: as fuzz_hlog.cpp.
#include "fuzz_hlog_check.hpp"

#include <loadkit/detail/report/hlog/codec.hpp>
#include <loadkit/report/hlog.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    loadkit::detail::hlog_bytes payload;
    if ((data[0] & 1U) != 0) {
        loadkit::detail::put_be32(payload, 0x1c849314); // V2 compressed
        loadkit::detail::put_be32(payload, static_cast<std::uint32_t>(size - 1));
    }
    payload.insert(payload.end(), data + 1, data + size);
    std::string line = "0.000,1.000,0.000,";
    loadkit::detail::base64_encode(payload.data(), payload.size(), line);
    line += '\n';
    loadkit::hlog_log log;
    try {
        log = loadkit::read_hlog(line, loadkit_fuzz::read_options());
    } catch (const loadkit::hlog_error&) {
        return 0;
    }
    loadkit_fuzz::check_round_trip(log);
    return 0;
}
