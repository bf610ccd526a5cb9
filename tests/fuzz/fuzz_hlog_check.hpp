// What the .hlog harnesses check on a log read_hlog accepted.
#ifndef LOADKIT_FUZZ_HLOG_CHECK_HPP
#define LOADKIT_FUZZ_HLOG_CHECK_HPP

#include <loadkit/report/hlog.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace loadkit_fuzz {

// The harnesses read with bounds 64x below the defaults (512 KiB per interval: 3 significant digits
// at any range; 8 MiB in all: the seeds' 62-interval logs): the same code decides, and zeroing the
// counters of the layouts the defaults admit (a 4-digit 1 h interval is 3.7 MB, 50 ms under ASan
// and coverage, twice with the round trip) would cost the fuzzer most of its executions.
// tests/test_report_hlog.cpp checks the defaults.
inline loadkit::hlog_read_options read_options() {
    loadkit::hlog_read_options o;
    o.max_counters_per_interval = std::size_t{1} << 16;
    o.max_counters_total = std::size_t{1} << 20;
    return o;
}

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
        loadkit::hlog_read_options options = read_options();
        options.precision = precision;
        const loadkit::hlog_log back = loadkit::read_hlog(writer.str(), options);
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
