// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// The platform readings behind loadkit::process_probe (process.hpp): one class, one implementation
// per platform, every reading a std::optional (empty: not available here). Only the Linux branch is
// exercised by loadkit's CI; the macOS and Windows branches follow the documented APIs, untested.
#ifndef LOADKIT_DETAIL_PLATFORM_PROCESS_READER_HPP
#define LOADKIT_DETAIL_PLATFORM_PROCESS_READER_HPP

#include <loadkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <charconv>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <libproc.h>
#include <mach/mach.h>
#include <malloc/malloc.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>
#elif defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

// After <windows.h>, which they need for DWORD, HANDLE and BOOL (the blank line keeps clang-format from
// sorting them above it). With the default Windows 7+ target (PSAPI_VERSION 2) GetProcessMemoryInfo is
// K32GetProcessMemoryInfo from kernel32 and nothing else is linked; a build for an older target
// (PSAPI_VERSION 1) needs psapi.lib: MSVC links it through the pragma, MinGW users add -lpsapi.
#include <psapi.h>
#include <tlhelp32.h>
#if defined(_MSC_VER)
#pragma comment(lib, "psapi.lib")
#endif
#endif

// Which allocator counter heap_in_use_bytes() reads. Sanitizers replace malloc, so glibc's counters
// would describe an arena nobody uses; their own counter is the one that moves.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOADKIT_DETAIL_SANITIZER_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                                   \
    __has_feature(memory_sanitizer) || __has_feature(hwaddress_sanitizer)
#define LOADKIT_DETAIL_SANITIZER_HEAP 1
#endif
#endif

#if defined(LOADKIT_DETAIL_SANITIZER_HEAP)
// Declared by <sanitizer/allocator_interface.h>, which GCC 12 does not ship; every sanitizer runtime
// defines it.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define LOADKIT_DETAIL_MALLINFO2 1
#endif

namespace loadkit {
inline namespace v0 {
namespace detail {

struct process_usage {
    std::optional<std::chrono::microseconds> cpu_user;
    std::optional<std::chrono::microseconds> cpu_system;
    std::optional<std::uint64_t> peak_rss_bytes;
};

class process_reader {
public:
    process_reader() noexcept { open(); }
    ~process_reader() { close(); }
    process_reader(const process_reader&) = delete;
    process_reader& operator=(const process_reader&) = delete;
    process_reader(process_reader&& other) noexcept { steal(other); }
    process_reader& operator=(process_reader&& other) noexcept {
        if (this != &other) {
            close();
            steal(other);
        }
        return *this;
    }

    std::optional<std::uint64_t> rss_bytes() const noexcept;
    static std::optional<std::uint64_t> heap_in_use_bytes() noexcept;
    static const char* heap_source() noexcept;
    std::optional<std::uint32_t> threads() const noexcept;
    std::optional<std::uint32_t> open_fds() noexcept;
    process_usage usage() const noexcept;

private:
    void open() noexcept;
    void close() noexcept;
    void steal(process_reader& other) noexcept {
#if defined(__linux__)
        statm_fd_ = std::exchange(other.statm_fd_, -1);
        stat_fd_ = std::exchange(other.stat_fd_, -1);
        fd_dir_ = std::exchange(other.fd_dir_, nullptr);
        page_size_ = other.page_size_;
#else
        (void)other;
#endif
    }

#if defined(__linux__)
    // Reads a whole small /proc file at offset 0 into buf (NUL-terminated); false on failure.
    static bool read_at_start(int fd, char* buf, std::size_t size) noexcept {
        if (fd < 0) {
            return false;
        }
        const ssize_t n = ::pread(fd, buf, size - 1, 0);
        if (n <= 0) {
            return false;
        }
        buf[n] = '\0';
        return true;
    }
    static const char* skip_field(const char* p, const char* end) noexcept {
        while (p < end && *p != ' ') {
            ++p;
        }
        while (p < end && *p == ' ') {
            ++p;
        }
        return p;
    }

    int statm_fd_ = -1;
    int stat_fd_ = -1;
    DIR* fd_dir_ = nullptr;
    std::uint64_t page_size_ = 4096;
#endif
};

inline std::optional<std::uint64_t> process_reader::heap_in_use_bytes() noexcept {
#if defined(LOADKIT_DETAIL_SANITIZER_HEAP)
    return static_cast<std::uint64_t>(__sanitizer_get_current_allocated_bytes());
#elif defined(LOADKIT_DETAIL_MALLINFO2)
    const struct mallinfo2 info = ::mallinfo2();
    return static_cast<std::uint64_t>(info.uordblks) + static_cast<std::uint64_t>(info.hblkhd);
#elif defined(__APPLE__)
    malloc_statistics_t stats{};
    malloc_zone_statistics(nullptr, &stats); // nullptr: every zone
    return static_cast<std::uint64_t>(stats.size_in_use);
#else
    return std::nullopt;
#endif
}

inline const char* process_reader::heap_source() noexcept {
#if defined(LOADKIT_DETAIL_SANITIZER_HEAP)
    return "sanitizer";
#elif defined(LOADKIT_DETAIL_MALLINFO2)
    return "mallinfo2";
#elif defined(__APPLE__)
    return "malloc_zone_statistics";
#else
    return "none";
#endif
}

#if defined(__linux__)

inline void process_reader::open() noexcept {
    statm_fd_ = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    stat_fd_ = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    fd_dir_ = ::opendir("/proc/self/fd");
    const long page = ::sysconf(_SC_PAGESIZE);
    page_size_ = page > 0 ? static_cast<std::uint64_t>(page) : 4096;
}

inline void process_reader::close() noexcept {
    if (statm_fd_ >= 0) {
        ::close(statm_fd_);
    }
    if (stat_fd_ >= 0) {
        ::close(stat_fd_);
    }
    if (fd_dir_ != nullptr) {
        ::closedir(fd_dir_);
    }
    statm_fd_ = stat_fd_ = -1;
    fd_dir_ = nullptr;
}

// proc(5): statm is "size resident shared text lib data dt", in pages.
inline std::optional<std::uint64_t> process_reader::rss_bytes() const noexcept {
    char buf[128];
    if (!read_at_start(statm_fd_, buf, sizeof buf)) {
        return std::nullopt;
    }
    const char* end = buf + std::strlen(buf);
    const char* p = skip_field(buf, end);
    std::uint64_t pages = 0;
    if (std::from_chars(p, end, pages).ec != std::errc{}) {
        return std::nullopt;
    }
    return pages * page_size_;
}

// proc(5): stat is "pid (comm) state ppid ...", num_threads the 20th field. comm may hold spaces and
// parentheses, so fields are counted from the last ')': state is the 3rd field, num_threads 17 later.
inline std::optional<std::uint32_t> process_reader::threads() const noexcept {
    char buf[1024];
    if (!read_at_start(stat_fd_, buf, sizeof buf)) {
        return std::nullopt;
    }
    const char* end = buf + std::strlen(buf);
    const char* p = std::strrchr(buf, ')');
    if (p == nullptr || p + 2 >= end) {
        return std::nullopt;
    }
    p += 2; // the state field
    for (int field = 3; field < 20 && p < end; ++field) {
        p = skip_field(p, end);
    }
    std::uint32_t threads = 0;
    if (p >= end || std::from_chars(p, end, threads).ec != std::errc{}) {
        return std::nullopt;
    }
    return threads;
}

inline std::optional<std::uint32_t> process_reader::open_fds() noexcept {
    if (fd_dir_ == nullptr) {
        return std::nullopt;
    }
    ::rewinddir(fd_dir_); // procfs lists the fds afresh from offset 0
    std::uint32_t count = 0;
    while (const dirent* entry = ::readdir(fd_dir_)) {
        if (entry->d_name[0] != '.') {
            ++count;
        }
    }
    return count > 0 ? count - 1 : 0; // the directory's own descriptor is listed too
}

inline process_usage process_reader::usage() const noexcept {
    process_usage s;
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) != 0) {
        return s;
    }
    const auto micros = [](const timeval& tv) {
        return std::chrono::microseconds{static_cast<std::int64_t>(tv.tv_sec) * 1'000'000 +
                                         static_cast<std::int64_t>(tv.tv_usec)};
    };
    s.cpu_user = micros(usage.ru_utime);
    s.cpu_system = micros(usage.ru_stime);
    s.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024; // KiB on Linux
    return s;
}

#elif defined(__APPLE__)

inline void process_reader::open() noexcept {}
inline void process_reader::close() noexcept {}

inline std::optional<std::uint64_t> process_reader::rss_bytes() const noexcept {
    task_vm_info_data_t info{};
    mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
    if (task_info(mach_task_self(), TASK_VM_INFO, reinterpret_cast<task_info_t>(&info), &count) !=
        KERN_SUCCESS) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(info.phys_footprint);
}

inline std::optional<std::uint32_t> process_reader::threads() const noexcept {
    proc_taskinfo info{};
    if (proc_pidinfo(getpid(), PROC_PIDTASKINFO, 0, &info, sizeof info) != static_cast<int>(sizeof info)) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(info.pti_threadnum);
}

inline std::optional<std::uint32_t> process_reader::open_fds() noexcept {
    const int bytes = proc_pidinfo(getpid(), PROC_PIDLISTFDS, 0, nullptr, 0); // an upper bound
    if (bytes <= 0) {
        return std::nullopt;
    }
    std::vector<proc_fdinfo> fds(static_cast<std::size_t>(bytes) / sizeof(proc_fdinfo) + 16);
    const int used = proc_pidinfo(getpid(), PROC_PIDLISTFDS, 0, fds.data(),
                                  static_cast<int>(fds.size() * sizeof(proc_fdinfo)));
    if (used < 0) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(static_cast<std::size_t>(used) / sizeof(proc_fdinfo));
}

inline process_usage process_reader::usage() const noexcept {
    process_usage s;
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0) {
        return s;
    }
    const auto micros = [](const timeval& tv) {
        return std::chrono::microseconds{static_cast<std::int64_t>(tv.tv_sec) * 1'000'000 +
                                         static_cast<std::int64_t>(tv.tv_usec)};
    };
    s.cpu_user = micros(usage.ru_utime);
    s.cpu_system = micros(usage.ru_stime);
    s.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss); // bytes on macOS
    return s;
}

#elif defined(_WIN32)

inline void process_reader::open() noexcept {}
inline void process_reader::close() noexcept {}

inline std::optional<std::uint64_t> process_reader::rss_bytes() const noexcept {
    PROCESS_MEMORY_COUNTERS counters{};
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(counters.WorkingSetSize);
}

// Windows has no per-process thread count call: a Toolhelp snapshot lists every thread of the system,
// and we count ours (O(system threads), so sample it at sampler intervals, not per operation).
inline std::optional<std::uint32_t> process_reader::threads() const noexcept {
    const HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snapshot == INVALID_HANDLE_VALUE) {
        return std::nullopt;
    }
    const DWORD self = GetCurrentProcessId();
    // Thread32First/Next may fill fewer bytes than dwSize says: reset it before each call and read the
    // owner only when the entry reaches it (the documented Toolhelp idiom).
    constexpr std::size_t owner_end =
        offsetof(THREADENTRY32, th32OwnerProcessID) + sizeof(THREADENTRY32::th32OwnerProcessID);
    THREADENTRY32 entry{};
    entry.dwSize = sizeof entry;
    std::uint32_t count = 0;
    for (BOOL more = Thread32First(snapshot, &entry); more; more = Thread32Next(snapshot, &entry)) {
        if (entry.dwSize >= owner_end && entry.th32OwnerProcessID == self) {
            ++count;
        }
        entry.dwSize = sizeof entry;
    }
    CloseHandle(snapshot);
    if (count == 0) { // the snapshot failed part-way: this thread at least is running
        return std::nullopt;
    }
    return count;
}

inline std::optional<std::uint32_t> process_reader::open_fds() noexcept {
    DWORD handles = 0;
    if (!GetProcessHandleCount(GetCurrentProcess(), &handles)) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(handles);
}

inline process_usage process_reader::usage() const noexcept {
    process_usage s;
    PROCESS_MEMORY_COUNTERS counters{};
    if (GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)) {
        s.peak_rss_bytes = static_cast<std::uint64_t>(counters.PeakWorkingSetSize);
    }
    FILETIME created{}, exited{}, kernel{}, user{};
    if (GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user)) {
        const auto micros = [](const FILETIME& t) { // 100 ns units
            const std::uint64_t ticks =
                (static_cast<std::uint64_t>(t.dwHighDateTime) << 32) | t.dwLowDateTime;
            return std::chrono::microseconds{static_cast<std::int64_t>(ticks / 10)};
        };
        s.cpu_user = micros(user);
        s.cpu_system = micros(kernel);
    }
    return s;
}

#else // other platforms: every reading empty

inline void process_reader::open() noexcept {}
inline void process_reader::close() noexcept {}
inline std::optional<std::uint64_t> process_reader::rss_bytes() const noexcept { return std::nullopt; }
inline std::optional<std::uint32_t> process_reader::threads() const noexcept { return std::nullopt; }
inline std::optional<std::uint32_t> process_reader::open_fds() noexcept { return std::nullopt; }
inline process_usage process_reader::usage() const noexcept { return {}; }

#endif

} // namespace detail
} // namespace v0
} // namespace loadkit

#endif // LOADKIT_DETAIL_PLATFORM_PROCESS_READER_HPP
