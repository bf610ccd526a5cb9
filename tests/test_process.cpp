#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/process.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <fcntl.h>
#include <unistd.h>
#endif

using namespace std::chrono_literals;

namespace {

// Storing a pointer here makes its block observable, so the compiler may not elide the allocation.
char* volatile escaped = nullptr;

// Polls until pred() holds or a generous deadline passes; the caller asserts pred() afterwards, so a
// slow (sanitized, shared) machine only makes the test slower, never flaky.
template <class Pred> bool eventually(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

} // namespace

#if defined(__linux__)

TEST_CASE("process probe: a Linux sample has every field, and plausible ones", "[process]") {
    loadkit::process_probe probe;
    const loadkit::process_sample s = probe.sample();
    REQUIRE(s.rss_bytes);
    REQUIRE(s.peak_rss_bytes);
    REQUIRE(s.cpu_user);
    REQUIRE(s.cpu_system);
    REQUIRE(s.threads);
    REQUIRE(s.open_fds);
    CHECK(*s.rss_bytes > 0);
    CHECK(*s.rss_bytes % static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) == 0);
    CHECK(*s.peak_rss_bytes >= *s.rss_bytes);
    CHECK(s.cpu_user->count() >= 0);
    CHECK(s.cpu_system->count() >= 0);
    CHECK(*s.threads >= 1);
    CHECK(*s.open_fds >= 3); // stdin, stdout, stderr (and the probe's own two)
    CHECK(s.at <= std::chrono::steady_clock::now());
    // glibc >= 2.33 (mallinfo2) or a sanitizer's allocator: both hold on loadkit's CI machines.
    CHECK(s.heap_in_use_bytes.has_value());
    CHECK(std::string(loadkit::process_probe::heap_source()) != "none");
}

TEST_CASE("process probe: threads counts a thread while it runs", "[process]") {
    loadkit::process_probe probe;
    std::thread([] {}).join(); // TSan starts a helper thread at the first pthread_create: get it going
    // A joined thread can stay visible in /proc for a moment after join() returns, so "before" is the
    // count once it has held still for 50 ms.
    std::uint32_t before = probe.threads().value();
    REQUIRE(eventually([&] {
        std::this_thread::sleep_for(50ms);
        const std::uint32_t now = probe.threads().value();
        const bool still = now == before;
        before = now;
        return still;
    }));
    std::atomic<bool> release{false};
    std::atomic<bool> started{false};
    std::thread worker([&] {
        started = true;
        while (!release) {
            std::this_thread::sleep_for(1ms);
        }
    });
    REQUIRE(eventually([&] { return started.load(); }));
    const bool counted = eventually([&] { return probe.threads().value() == before + 1; });
    release = true;
    worker.join();
    CHECK(counted);
    CHECK(eventually([&] { return probe.threads().value() == before; })); // the kernel reaps it
}

TEST_CASE("process probe: open_fds counts a file while it is open", "[process]") {
    loadkit::process_probe probe;
    const std::uint32_t before = probe.open_fds().value();
    const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const std::uint32_t during = probe.open_fds().value();
    ::close(fd);
    const std::uint32_t after = probe.open_fds().value();
    CHECK(during == before + 1);
    CHECK(after == before);
}

TEST_CASE("process probe: rss and heap in use rise by what a 64 MiB block touches, and fall after",
          "[process]") {
    loadkit::process_probe probe;
    constexpr std::size_t size = 64u << 20;
    const std::uint64_t rss_before = probe.rss_bytes().value();
    const std::uint64_t heap_before = loadkit::process_probe::heap_in_use_bytes().value();
    auto block = std::make_unique<char[]>(size);
    std::memset(block.get(), 1, size); // touches every page
    escaped = block.get();
    const std::uint64_t rss_during = probe.rss_bytes().value();
    const std::uint64_t heap_during = loadkit::process_probe::heap_in_use_bytes().value();
    block.reset();
    escaped = nullptr;
    const std::uint64_t heap_after = loadkit::process_probe::heap_in_use_bytes().value();
    CHECK(rss_during >= rss_before + size / 2);
    CHECK(heap_during >= heap_before + size);
    CHECK(heap_after < heap_during - size / 2);
}

TEST_CASE("process probe: CPU time advances while the thread computes", "[process]") {
    loadkit::process_probe probe;
    const auto cpu = [&] {
        const auto s = probe.sample();
        return s.cpu_user.value() + s.cpu_system.value();
    };
    const auto start = cpu();
    volatile std::uint64_t sink = 0;
    REQUIRE(eventually([&] {
        for (int i = 0; i < 100'000; ++i) {
            sink = sink + static_cast<std::uint64_t>(i);
        }
        return cpu() >= start + 20ms;
    }));
    CHECK(cpu() >= start + 20ms);
}

#endif // __linux__

TEST_CASE("process probe: a moved-from probe reads nothing it needs files for; the target reads on",
          "[process]") {
    loadkit::process_probe first;
    const bool has_rss = first.rss_bytes().has_value();
    loadkit::process_probe second = std::move(first);
    CHECK(second.rss_bytes().has_value() == has_rss);
#if defined(__linux__)
    CHECK_FALSE(first.rss_bytes().has_value()); // NOLINT(bugprone-use-after-move): documented state
    CHECK_FALSE(first.threads().has_value());
    CHECK_FALSE(first.open_fds().has_value());
#endif
    loadkit::process_probe third;
    third = std::move(second);
    CHECK(third.rss_bytes().has_value() == has_rss);
}

TEST_CASE(
    "process sampler options: invalid values throw std::invalid_argument naming the field and the value",
    "[process]") {
    CHECK(contains(invalid_argument_message([] { loadkit::process_sampler s{{.interval = 0ms}}; }),
                   "interval = 0ns"));
    CHECK(contains(invalid_argument_message([] { loadkit::process_sampler s{{.interval = -5ms}}; }),
                   "interval = -5000000ns"));
    CHECK(contains(invalid_argument_message([] { loadkit::process_sampler s{{.max_samples = 1}}; }),
                   "max_samples = 1"));
    CHECK(contains(invalid_argument_message([] { loadkit::process_sampler s{{.max_samples = 1u << 21}}; }),
                   "max_samples = 2097152 (expected 2 .. 1048576)"));
}

TEST_CASE("process sampler: every sample carries what loadkit said it held; the heap does not grow with "
          "the samples",
          "[process]") {
    std::atomic<std::uint64_t> held{1000};
    loadkit::process_sampler sampler{
        {.interval = 1ms, .max_samples = 64, .loadkit_bytes = [&] { return held.fetch_add(1000) + 1000; }}};
    loadkit::process_probe probe;
    const auto heap_before = probe.heap_in_use_bytes();
    sampler.start();
    REQUIRE(eventually([&] { return sampler.samples().size() >= 40; }));
    sampler.stop();
    const auto heap_after = probe.heap_in_use_bytes();
    const auto series = sampler.samples();
    for (std::size_t i = 0; i < series.size(); ++i) {
        REQUIRE(series[i].loadkit_bytes.has_value());
        if (i > 0) {
            CHECK(*series[i].loadkit_bytes > *series[i - 1].loadkit_bytes);
        }
    }
    if (heap_before && heap_after) { // the storage was allocated and written at construction
        CHECK(*heap_after < *heap_before + 4096);
    }
    loadkit::process_sampler plain{{.interval = 1h}};
    plain.start();
    plain.stop();
    REQUIRE_FALSE(plain.samples().empty());
    CHECK_FALSE(plain.samples().front().loadkit_bytes.has_value());
}

TEST_CASE("process sampler: samples at once on start and once more at stop; stop() wakes it from a 1 h "
          "interval (else this test would hang)",
          "[process]") {
    loadkit::process_sampler sampler{{.interval = 1h}};
    CHECK_FALSE(sampler.running());
    sampler.start();
    CHECK(sampler.running());
    sampler.start(); // no-op while running
    REQUIRE(eventually([&] { return sampler.samples().size() == 1; }));
    sampler.stop();
    CHECK_FALSE(sampler.running());
    CHECK(sampler.samples().size() == 2); // the first, and the last at stop()
    sampler.stop();                       // idempotent
    CHECK(sampler.samples().size() == 2);

    sampler.start(); // restart appends to the same series
    REQUIRE(eventually([&] { return sampler.samples().size() == 3; }));
    sampler.stop();
    const auto series = sampler.samples();
    REQUIRE(series.size() == 4);
    for (std::size_t i = 1; i < series.size(); ++i) {
        CHECK(series[i - 1].at <= series[i].at);
    }
}

TEST_CASE("process sampler: the destructor stops and joins a running sampler", "[process]") {
    {
        loadkit::process_sampler sampler{{.interval = 1h}};
        sampler.start();
        REQUIRE(eventually([&] { return !sampler.samples().empty(); }));
    } // would block for an hour if the destructor slept out the interval
    SUCCEED();
}

TEST_CASE("process sampler: a full buffer keeps every other sample and doubles the interval (memory stays "
          "bounded)",
          "[process]") {
    loadkit::process_sampler sampler{{.interval = 1ms, .max_samples = 8}};
    sampler.start();
    std::size_t largest = 0;
    REQUIRE(eventually([&] {
        largest = std::max(largest, sampler.samples().size()); // concurrent reads: TSan checks the locking
        return sampler.decimations() >= 3;
    }));
    sampler.stop();
    const auto series = sampler.samples();
    const std::size_t decimations = sampler.decimations();
    CHECK(largest <= 8);
    CHECK(series.size() <= 8);
    CHECK(series.size() >= 5); // 4 kept after the last decimation, plus the one that triggered it
    CHECK(sampler.interval() == 1ms * (std::int64_t{1} << decimations));
    for (std::size_t i = 1; i < series.size(); ++i) {
        CHECK(series[i - 1].at < series[i].at);
    }
}
