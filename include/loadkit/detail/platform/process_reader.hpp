// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The platform readings behind loadkit::process_probe (process.hpp): one class, one implementation
// per platform, every reading a std::optional (empty: not available here). Only the Linux branch is
// exercised by loadkit's CI; the macOS and Windows branches follow the documented APIs, untested.
#ifndef LOADKIT_DETAIL_PLATFORM_PROCESS_READER_HPP
#define LOADKIT_DETAIL_PLATFORM_PROCESS_READER_HPP

#include <loadkit/config.hpp>
#include <loadkit/version.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace loadkit {
inline namespace v0_1 {
namespace detail {

struct process_usage {
    std::optional<std::chrono::microseconds> cpu_user;
    std::optional<std::chrono::microseconds> cpu_system;
    std::optional<std::uint64_t> peak_rss_bytes;
};

// Bodies and platform headers: impl/process.ipp. What the class holds is plain (descriptors, a
// directory handle as void*), so this declaration needs no system header.
class process_reader {
public:
    process_reader() noexcept;
    ~process_reader();
    process_reader(const process_reader&) = delete;
    process_reader& operator=(const process_reader&) = delete;
    process_reader(process_reader&& other) noexcept;
    process_reader& operator=(process_reader&& other) noexcept;

    std::optional<std::uint64_t> rss_bytes() const noexcept;
    static std::optional<std::uint64_t> heap_in_use_bytes() noexcept;
    static const char* heap_source() noexcept;
    std::optional<std::uint32_t> threads() const noexcept;
    std::optional<std::uint32_t> open_fds() noexcept;
    process_usage usage() const noexcept;

private:
    void open() noexcept;
    void close() noexcept;
    void steal(process_reader& other) noexcept;

#if defined(__linux__)
    int statm_fd_ = -1;
    int stat_fd_ = -1;
    void* fd_dir_ = nullptr; // DIR* of /proc/self/fd
    std::uint64_t page_size_ = 4096;
#endif
};

} // namespace detail
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_DETAIL_PLATFORM_PROCESS_READER_HPP
