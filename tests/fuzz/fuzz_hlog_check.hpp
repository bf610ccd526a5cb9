// What the .hlog harnesses check on a log read_hlog accepted.
#ifndef LOADKIT_FUZZ_HLOG_CHECK_HPP
#define LOADKIT_FUZZ_HLOG_CHECK_HPP

#include <loadkit/report/hlog.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace loadkit_fuzz {

inline std::vector<std::pair<std::int64_t, std::uint64_t>> counters(const loadkit::histogram& h) {
    std::vector<std::pair<std::int64_t, std::uint64_t>> out;
    h.for_each_bucket(
        [&](const loadkit::histogram_bucket& b) { out.emplace_back(b.lowest.count(), b.count); });
    return out;
}

// Each interval, written with hlog_writer and read back with its own layout as the precision
// (report/hlog.hpp: "read it back with hlog_read_options::precision = the original options to get
// the same counters"), has the same counters and count.
inline void check_round_trip(const loadkit::hlog_log& log) {
    for (const loadkit::hlog_interval& interval : log.intervals) {
        const loadkit::histogram& h = interval.latency;
        loadkit::hlog_writer writer(std::chrono::system_clock::time_point{}, {.comment = ""});
        writer.add("", std::chrono::nanoseconds{0}, std::chrono::seconds{1}, h);
        const loadkit::histogram_options precision{.max_relative_error = h.max_relative_error(),
                                                   .highest = h.highest()};
        const loadkit::hlog_log back = loadkit::read_hlog(writer.str(), {.precision = precision});
        if (back.intervals.size() != 1 || back.intervals.front().latency.count() != h.count() ||
            counters(back.intervals.front().latency) != counters(h)) {
            std::fprintf(stderr,
                         "an accepted interval does not write back and read again counter for counter\n");
            std::abort();
        }
    }
}

} // namespace loadkit_fuzz

#endif // LOADKIT_FUZZ_HLOG_CHECK_HPP
