// libFuzzer harness: loadkit's HTTP/1.1 response parser (detail/http/parser.hpp), fed as the Asio
// client feeds it: unconsumed bytes stay at the front of the buffer, more arrive behind them, and
// a keep-alive connection parses the next response from what is left. The first input byte picks
// the size of each read (1..64 bytes); the rest is what the server sent.
// Contract checked: no read out of the buffer (ASan), every consumed count within what was given,
// and the same responses — status, reason, body, keep-alive, success or failure — whether the
// bytes arrive in one read or in many: a parser whose verdict depends on how TCP segments the
// stream would make a load test's error counts depend on the network.
#include <loadkit/detail/http/parser.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct response {
    int status = 0;
    std::string reason;
    std::string body;
    bool keep_alive = false;
    bool done = false;
    bool failed = false;
    std::string error;
    friend bool operator==(const response&, const response&) = default;
};

// Small bounds, so short inputs reach them.
constexpr std::size_t max_head = 512;

std::vector<response> parse_stream(std::string_view stream, std::size_t read_size) {
    std::vector<response> out;
    loadkit::detail::http_response_parser parser(max_head);
    std::string buffer;
    std::size_t sent = 0;
    response current;
    bool have_reason = false;
    for (;;) {
        const std::size_t n = std::min(read_size, stream.size() - sent);
        buffer.append(stream.substr(sent, n));
        sent += n;
        const bool eof = sent == stream.size();
        for (;;) {
            const std::size_t used =
                parser.parse(buffer.data(), buffer.size(),
                             [&](const char* p, std::size_t k) { current.body.append(p, k); });
            if (used > buffer.size()) {
                std::fprintf(stderr, "parse consumed %zu of %zu bytes\n", used, buffer.size());
                std::abort();
            }
            if (parser.has_head() && !have_reason) {
                current.reason = std::string(parser.reason()); // a view into buffer: copy before erasing
                have_reason = true;
            }
            buffer.erase(0, used);
            if (!parser.done() && !parser.failed()) {
                break;
            }
            current.status = parser.status();
            current.keep_alive = parser.keep_alive();
            current.done = parser.done();
            current.failed = parser.failed();
            current.error = parser.error() != nullptr ? parser.error() : "";
            if (current.body.size() != parser.body_bytes()) {
                std::fprintf(stderr, "body_bytes() %llu but %zu body bytes delivered\n",
                             static_cast<unsigned long long>(parser.body_bytes()), current.body.size());
                std::abort();
            }
            out.push_back(current);
            if (parser.failed() || !parser.keep_alive()) {
                return out;
            }
            current = {};
            have_reason = false;
            parser.reset();
            if (buffer.empty()) {
                break;
            }
        }
        if (eof) {
            break;
        }
    }
    if (!buffer.empty() || parser.current() != loadkit::detail::http_response_parser::state::head ||
        sent == 0) {
        parser.finish_at_eof();
        current.status = parser.status();
        current.keep_alive = parser.keep_alive();
        current.done = parser.done();
        current.failed = parser.failed();
        current.error = parser.error() != nullptr ? parser.error() : "";
        out.push_back(current);
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t read_size = data[0] % 64U + 1U;
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::vector<response> whole = parse_stream(stream, stream.size() + 1);
    const std::vector<response> pieces = parse_stream(stream, read_size);
    if (whole != pieces) {
        std::fprintf(stderr, "read in one piece: %zu responses; in %zu-byte reads: %zu\n", whole.size(),
                     read_size, pieces.size());
        for (std::size_t i = 0; i < std::max(whole.size(), pieces.size()); ++i) {
            const auto show = [](const char* how, const std::vector<response>& v, std::size_t k) {
                if (k < v.size()) {
                    std::fprintf(
                        stderr,
                        "  %s #%zu: status %d done %d failed %d keep_alive %d body %zu error \"%s\"\n", how,
                        k, v[k].status, v[k].done, v[k].failed, v[k].keep_alive, v[k].body.size(),
                        v[k].error.c_str());
                }
            };
            show("whole ", whole, i);
            show("pieces", pieces, i);
        }
        std::abort();
    }
    return 0;
}
