// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::process_probe and loadkit::process_sampler — this process's memory, CPU, threads and
// open files, read cheaply enough to sample throughout a soak test.
//
//   loadkit::process_probe probe;                       // opens /proc files once
//   loadkit::process_sample s = probe.sample();         // every field: ~15 us (bench/process.cpp)
//   auto heap = probe.heap_in_use_bytes();              // allocator counters alone: ~0.1 us
//
//   loadkit::process_sampler sampler{{.interval = 1s, .max_samples = 4096}};
//   sampler.start();                                    // its own thread; stop() or the destructor joins
//   ... run the load ...
//   sampler.stop();
//   std::vector<loadkit::process_sample> series = sampler.samples();
//   // to check_leak through loadkit::make_leak_series (leak.hpp): x = seconds, bytes = rss_bytes
//
// Every reading is a std::optional: empty when this platform or build cannot provide it (never a
// made-up 0). What each field means per platform:
//   rss_bytes          Linux: resident pages of /proc/self/statm x page size (kernel counters, exact
//                      to a few pages; smaps_rollup is exact but walks page tables: milliseconds per read
//                      at 1 GiB, so it is never used here). macOS: TASK_VM_INFO phys_footprint (what
//                      jetsam and Activity Monitor count). Windows: working set.
//   peak_rss_bytes     getrusage ru_maxrss (Linux KiB, macOS bytes), at least rss_bytes; Windows: peak
//                      working set.
//   heap_in_use_bytes  bytes the allocator has handed out and not taken back: glibc >= 2.33 mallinfo2
//                      (uordblks + hblkhd; sums every arena under their locks), the sanitizer allocator's
//                      own counter under ASan/TSan/MSan/HWASan (which replace malloc), macOS
//                      malloc_zone_statistics. Empty elsewhere (musl, Windows, glibc < 2.33).
//   cpu_user/system    getrusage (Linux, macOS; microseconds); Windows GetProcessTimes (100 ns units).
//   threads            Linux /proc/self/stat num_threads; macOS proc_pidinfo PROC_PIDTASKINFO.
//   open_fds           Linux entries of /proc/self/fd; macOS PROC_PIDLISTFDS; Windows: open handles.
//                      Linux counts the probe's own two /proc files.
// Only the Linux code runs in loadkit's CI; the macOS and Windows branches are written to their
// documented APIs (task_info, proc_pidinfo, malloc_zone_statistics, GetProcessMemoryInfo,
// GetProcessTimes, GetProcessHandleCount) but untested.
#ifndef LOADKIT_PROCESS_HPP
#define LOADKIT_PROCESS_HPP

#include <loadkit/config.hpp>
#include <loadkit/detail/platform/process_reader.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace loadkit {
inline namespace v0_1 {

// One reading of the process. `at` is taken when the reading starts.
struct process_sample {
    std::chrono::steady_clock::time_point at{};
    std::optional<std::uint64_t> rss_bytes;
    std::optional<std::uint64_t> peak_rss_bytes;
    std::optional<std::uint64_t> heap_in_use_bytes;
    std::optional<std::chrono::microseconds> cpu_user;
    std::optional<std::chrono::microseconds> cpu_system;
    std::optional<std::uint32_t> threads;
    std::optional<std::uint32_t> open_fds;
    // Bytes loadkit itself held at this reading (the engine's recorder: its per-thread histograms and
    // the time series it grows), when the sampler was given process_sampler_options::loadkit_bytes.
    // Leak checks and memory_growth subtract it, so loadkit's own memory never reads as a leak.
    std::optional<std::uint64_t> loadkit_bytes;
};

// Reads this process's counters. Construction opens what later reads need (Linux: /proc/self/statm,
// /proc/self/stat and /proc/self/fd), held open so that a read is one pread: 0.37 us for statm against
// 1.58 us with open/read/close in the research notes (bench/process.cpp: 1.7 against 9.7 us on a loaded
// CI VM). A probe is used by one thread at a time; make one per thread.
// Never throws; a file that cannot be opened leaves its fields empty.
class process_probe {
public:
    process_probe() noexcept = default;

    // Everything at once: ~15 us on Linux, most of it the stat read and listing /proc/self/fd.
    process_sample sample() noexcept;

    // Resident memory alone (Linux: one pread of statm).
    std::optional<std::uint64_t> rss_bytes() const noexcept { return reader_.rss_bytes(); }
    // Allocator bytes in use alone (glibc: one mallinfo2, ~0.06 us); see heap_source().
    static std::optional<std::uint64_t> heap_in_use_bytes() noexcept {
        return detail::process_reader::heap_in_use_bytes();
    }
    // Which counter heap_in_use_bytes() reads: "mallinfo2", "sanitizer", "malloc_zone_statistics" or
    // "none" (then it is always empty).
    static const char* heap_source() noexcept { return detail::process_reader::heap_source(); }
    std::optional<std::uint32_t> threads() const noexcept { return reader_.threads(); }
    std::optional<std::uint32_t> open_fds() noexcept { return reader_.open_fds(); }

private:
    detail::process_reader reader_;
};

// ---- process_sampler: a series of samples from its own thread ------------------------------------

struct process_sampler_options {
    // Time between samples, > 0. The sampler's thread sleeps in between; stop() wakes it at once.
    std::chrono::nanoseconds interval = std::chrono::milliseconds{100};
    // Memory bound, 2 .. 1,048,576: when full, every other sample is dropped and the interval
    // doubles, so a 24 h soak keeps at most max_samples evenly spaced samples. The storage is
    // allocated and written at construction (4096 x 136 B = 544 KiB), so it never grows.
    std::size_t max_samples = 4096;
    // Optional: what loadkit holds right now, read at every sample into process_sample::loadkit_bytes
    // (loadkit::run passes its recorder's memory_bytes()). Called on the sampler's thread.
    std::function<std::uint64_t()> loadkit_bytes{};
};

class process_sampler {
public:
    using options = process_sampler_options;

    process_sampler() : process_sampler(options{}) {}
    // Validates (std::invalid_argument naming the field and the value); does not start.
    explicit process_sampler(const options& opts);
    ~process_sampler();
    process_sampler(const process_sampler&) = delete;
    process_sampler& operator=(const process_sampler&) = delete;

    // Starts the thread, which samples at once and then every interval(). No-op while running;
    // after stop() it starts again, appending to the same series.
    void start();

    // Wakes the thread (no waiting out the interval), which takes a last sample, and joins it.
    // Idempotent.
    void stop();

    bool running() const;

    // A copy of the series so far, oldest first; safe while the sampler runs.
    std::vector<process_sample> samples() const;

    // The current interval: options.interval * 2^decimations().
    std::chrono::nanoseconds interval() const;
    std::size_t decimations() const;

private:
    void run();
    // Keeps samples 0, 2, 4, ... and doubles the interval: with an even max_samples the kept series
    // and the samples to come stay evenly spaced.
    void decimate();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::thread thread_;
    bool stop_requested_ = false;
    std::chrono::nanoseconds interval_;
    std::size_t max_samples_;
    std::size_t decimations_ = 0;
    std::function<std::uint64_t()> loadkit_bytes_;
    // All max_samples written at construction and filled in place (count_ in use): the sampler's own
    // storage is resident from the start and never grows, so it cannot look like the user's leak.
    std::vector<process_sample> samples_;
    std::size_t count_ = 0;
    process_probe probe_;
};

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/process.ipp>
#endif

#endif // LOADKIT_PROCESS_HPP
