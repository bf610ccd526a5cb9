// Small helpers shared by the test files.
#ifndef LOADKIT_TESTS_TEST_SUPPORT_HPP
#define LOADKIT_TESTS_TEST_SUPPORT_HPP

#include "catch.hpp"

#include <loadkit/result.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

// Whether real-time figures (rates, latencies, clock agreement) can be held to tight bounds here:
// an optimized build without sanitizers. Sanitizers slow the code 2-15x and a debug build more;
// on a loaded 2-core machine either turns a tight timing bound into a coin toss. Tests that can
// run on loadkit::manual_clock_executor do so instead, with exact assertions.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOADKIT_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define LOADKIT_TEST_SANITIZED 1
#endif
#endif
#ifndef LOADKIT_TEST_SANITIZED
#define LOADKIT_TEST_SANITIZED 0
#endif
#if defined(__OPTIMIZE__) && !LOADKIT_TEST_SANITIZED
constexpr bool tight_timing = true;
#else
constexpr bool tight_timing = false;
#endif

// ok + errors + timeouts + dropped: every operation the profile scheduled, in a tag or overall.
inline std::uint64_t accounted(const loadkit::op_stats& s) {
    return s.ok + s.errors + s.timeouts + s.dropped;
}
// Over the whole run (warm-up + steady state): an operation in flight at the warm-up's end is
// scheduled in one window and ends in the other.
inline std::uint64_t scheduled_in_run(const loadkit::tag_result& t) {
    return t.scheduled + (t.warmup ? t.warmup->scheduled : 0);
}
inline std::uint64_t accounted_in_run(const loadkit::tag_result& t) {
    return accounted(t) + (t.warmup ? accounted(*t.warmup) : 0);
}
// In each tag and overall, the operations the engine counted as it issued them (scheduled,
// counted apart) each ended in exactly one outcome bucket.
inline bool issued_all_ended(const loadkit::run_result& r) {
    bool ok = scheduled_in_run(r.overall) == accounted_in_run(r.overall);
    UNSCOPED_INFO("overall: scheduled " << scheduled_in_run(r.overall) << ", accounted "
                                        << accounted_in_run(r.overall));
    for (const auto& t : r.tags) {
        if (scheduled_in_run(t) != accounted_in_run(t)) {
            UNSCOPED_INFO("tag " << t.name << ": scheduled " << scheduled_in_run(t) << ", accounted "
                                 << accounted_in_run(t));
            ok = false;
        }
    }
    return ok;
}
// The tags (operations only, no steps) add up to overall, and issued_all_ended.
inline bool tags_add_up(const loadkit::run_result& r) {
    std::uint64_t sum = 0;
    for (const auto& t : r.tags) {
        sum += accounted(t);
    }
    return sum == accounted(r.overall) && issued_all_ended(r);
}

// The message of the std::invalid_argument that f() throws, or a marker when it throws none:
// configuration errors must name the field and the value, and tests check the text.
template <class F> std::string invalid_argument_message(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no std::invalid_argument thrown)";
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// tests/data in the source tree: the build passes its absolute path (a path derived from __FILE__
// is relative to the build directory, not to where ctest runs the tests).
inline std::string test_data_dir() {
#if defined(LOADKIT_TEST_DATA_DIR)
    return LOADKIT_TEST_DATA_DIR;
#else
    const std::string file = __FILE__;
    const std::size_t slash = file.find_last_of("/\\");
    return (slash == std::string::npos ? std::string(".") : file.substr(0, slash)) + "/data";
#endif
}

#endif // LOADKIT_TESTS_TEST_SUPPORT_HPP
