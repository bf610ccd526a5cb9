// SPDX-License-Identifier: MIT
// The bodies of process.hpp and detail/platform/process_reader.hpp: the platform readings (Linux
// /proc and getrusage, macOS task_info and proc_pidinfo, Windows psapi and Toolhelp, the allocator's
// counter), the probe's full sample and the sampler's thread. The platform headers are included here
// only. Included at the end of process.hpp in header-only mode, by impl/src.hpp otherwise.
#ifndef LOADKIT_IMPL_PROCESS_IPP
#define LOADKIT_IMPL_PROCESS_IPP

#include <loadkit/detail/platform/process_reader.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
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
inline namespace v0_1 {
namespace detail {

#if defined(__linux__)
// Reads a whole small /proc file at offset 0 into buf (NUL-terminated); false on failure.
inline bool process_read_at_start(int fd, char* buf, std::size_t size) noexcept {
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
inline const char* process_skip_field(const char* p, const char* end) noexcept {
    while (p < end && *p != ' ') {
        ++p;
    }
    while (p < end && *p == ' ') {
        ++p;
    }
    return p;
}
#endif

LOADKIT_DECL process_reader::process_reader() noexcept { open(); }
LOADKIT_DECL process_reader::~process_reader() { close(); }
LOADKIT_DECL process_reader::process_reader(process_reader&& other) noexcept { steal(other); }
LOADKIT_DECL process_reader& process_reader::operator=(process_reader&& other) noexcept {
    if (this != &other) {
        close();
        steal(other);
    }
    return *this;
}

LOADKIT_DECL void process_reader::steal(process_reader& other) noexcept {
#if defined(__linux__)
    statm_fd_ = std::exchange(other.statm_fd_, -1);
    stat_fd_ = std::exchange(other.stat_fd_, -1);
    fd_dir_ = std::exchange(other.fd_dir_, nullptr);
    page_size_ = other.page_size_;
#else
    (void)other;
#endif
}

LOADKIT_DECL std::optional<std::uint64_t> process_reader::heap_in_use_bytes() noexcept {
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

LOADKIT_DECL const char* process_reader::heap_source() noexcept {
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

LOADKIT_DECL void process_reader::open() noexcept {
    statm_fd_ = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    stat_fd_ = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    fd_dir_ = ::opendir("/proc/self/fd");
    const long page = ::sysconf(_SC_PAGESIZE);
    page_size_ = page > 0 ? static_cast<std::uint64_t>(page) : 4096;
}

LOADKIT_DECL void process_reader::close() noexcept {
    if (statm_fd_ >= 0) {
        ::close(statm_fd_);
    }
    if (stat_fd_ >= 0) {
        ::close(stat_fd_);
    }
    if (fd_dir_ != nullptr) {
        ::closedir(static_cast<DIR*>(fd_dir_));
    }
    statm_fd_ = stat_fd_ = -1;
    fd_dir_ = nullptr;
}

// proc(5): statm is "size resident shared text lib data dt", in pages.
LOADKIT_DECL std::optional<std::uint64_t> process_reader::rss_bytes() const noexcept {
    char buf[128];
    if (!process_read_at_start(statm_fd_, buf, sizeof buf)) {
        return std::nullopt;
    }
    const char* end = buf + std::strlen(buf);
    const char* p = process_skip_field(buf, end);
    std::uint64_t pages = 0;
    if (std::from_chars(p, end, pages).ec != std::errc{}) {
        return std::nullopt;
    }
    return pages * page_size_;
}

// proc(5): stat is "pid (comm) state ppid ...", num_threads the 20th field. comm may hold spaces and
// parentheses, so fields are counted from the last ')': state is the 3rd field, num_threads 17 later.
LOADKIT_DECL std::optional<std::uint32_t> process_reader::threads() const noexcept {
    char buf[1024];
    if (!process_read_at_start(stat_fd_, buf, sizeof buf)) {
        return std::nullopt;
    }
    const char* end = buf + std::strlen(buf);
    const char* p = std::strrchr(buf, ')');
    if (p == nullptr || p + 2 >= end) {
        return std::nullopt;
    }
    p += 2; // the state field
    for (int field = 3; field < 20 && p < end; ++field) {
        p = process_skip_field(p, end);
    }
    std::uint32_t threads = 0;
    if (p >= end || std::from_chars(p, end, threads).ec != std::errc{}) {
        return std::nullopt;
    }
    return threads;
}

LOADKIT_DECL std::optional<std::uint32_t> process_reader::open_fds() noexcept {
    if (fd_dir_ == nullptr) {
        return std::nullopt;
    }
    ::rewinddir(static_cast<DIR*>(fd_dir_)); // procfs lists the fds afresh from offset 0
    std::uint32_t count = 0;
    while (const dirent* entry = ::readdir(static_cast<DIR*>(fd_dir_))) {
        if (entry->d_name[0] != '.') {
            ++count;
        }
    }
    return count > 0 ? count - 1 : 0; // the directory's own descriptor is listed too
}

LOADKIT_DECL process_usage process_reader::usage() const noexcept {
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

LOADKIT_DECL void process_reader::open() noexcept {}
LOADKIT_DECL void process_reader::close() noexcept {}

LOADKIT_DECL std::optional<std::uint64_t> process_reader::rss_bytes() const noexcept {
    task_vm_info_data_t info{};
    mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
    if (task_info(mach_task_self(), TASK_VM_INFO, reinterpret_cast<task_info_t>(&info), &count) !=
        KERN_SUCCESS) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(info.phys_footprint);
}

LOADKIT_DECL std::optional<std::uint32_t> process_reader::threads() const noexcept {
    proc_taskinfo info{};
    if (proc_pidinfo(getpid(), PROC_PIDTASKINFO, 0, &info, sizeof info) != static_cast<int>(sizeof info)) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(info.pti_threadnum);
}

LOADKIT_DECL std::optional<std::uint32_t> process_reader::open_fds() noexcept {
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

LOADKIT_DECL process_usage process_reader::usage() const noexcept {
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

LOADKIT_DECL void process_reader::open() noexcept {}
LOADKIT_DECL void process_reader::close() noexcept {}

LOADKIT_DECL std::optional<std::uint64_t> process_reader::rss_bytes() const noexcept {
    PROCESS_MEMORY_COUNTERS counters{};
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(counters.WorkingSetSize);
}

// Windows has no per-process thread count call: a Toolhelp snapshot lists every thread of the system,
// and we count ours (O(system threads), so sample it at sampler intervals, not per operation).
LOADKIT_DECL std::optional<std::uint32_t> process_reader::threads() const noexcept {
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

LOADKIT_DECL std::optional<std::uint32_t> process_reader::open_fds() noexcept {
    DWORD handles = 0;
    if (!GetProcessHandleCount(GetCurrentProcess(), &handles)) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(handles);
}

LOADKIT_DECL process_usage process_reader::usage() const noexcept {
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

LOADKIT_DECL void process_reader::open() noexcept {}
LOADKIT_DECL void process_reader::close() noexcept {}
LOADKIT_DECL std::optional<std::uint64_t> process_reader::rss_bytes() const noexcept { return std::nullopt; }
LOADKIT_DECL std::optional<std::uint32_t> process_reader::threads() const noexcept { return std::nullopt; }
LOADKIT_DECL std::optional<std::uint32_t> process_reader::open_fds() noexcept { return std::nullopt; }
LOADKIT_DECL process_usage process_reader::usage() const noexcept { return {}; }

#endif

} // namespace detail

LOADKIT_DECL process_sample process_probe::sample() noexcept {
    process_sample s;
    s.at = std::chrono::steady_clock::now();
    s.rss_bytes = reader_.rss_bytes();
    s.heap_in_use_bytes = reader_.heap_in_use_bytes();
    const detail::process_usage usage = reader_.usage();
    s.cpu_user = usage.cpu_user;
    s.cpu_system = usage.cpu_system;
    s.peak_rss_bytes = usage.peak_rss_bytes;
    if (s.rss_bytes && s.peak_rss_bytes && *s.peak_rss_bytes < *s.rss_bytes) {
        s.peak_rss_bytes = s.rss_bytes; // the kernel updates its high-water mark lazily
    }
    s.threads = reader_.threads();
    s.open_fds = reader_.open_fds();
    return s;
}

LOADKIT_DECL process_sampler::process_sampler(const options& opts)
    : interval_(opts.interval), max_samples_(opts.max_samples), loadkit_bytes_(opts.loadkit_bytes) {
    if (opts.interval <= std::chrono::nanoseconds::zero()) {
        throw std::invalid_argument("loadkit::process_sampler_options: interval = " +
                                    std::to_string(opts.interval.count()) + "ns (expected > 0)");
    }
    if (opts.max_samples < 2 || opts.max_samples > (std::size_t{1} << 20)) {
        throw std::invalid_argument("loadkit::process_sampler_options: max_samples = " +
                                    std::to_string(opts.max_samples) + " (expected 2 .. 1048576)");
    }
    samples_.resize(max_samples_);
}

LOADKIT_DECL process_sampler::~process_sampler() { stop(); }

LOADKIT_DECL void process_sampler::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) {
        return;
    }
    stop_requested_ = false;
    thread_ = std::thread([this] { run(); });
}

LOADKIT_DECL void process_sampler::stop() {
    std::thread finished;
    {
        std::lock_guard lock(mutex_);
        stop_requested_ = true;
        finished = std::move(thread_);
    }
    wake_.notify_all();
    if (finished.joinable()) {
        finished.join();
    }
}

LOADKIT_DECL bool process_sampler::running() const {
    std::lock_guard lock(mutex_);
    return thread_.joinable();
}

LOADKIT_DECL std::vector<process_sample> process_sampler::samples() const {
    std::lock_guard lock(mutex_);
    return {samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(count_)};
}

LOADKIT_DECL std::chrono::nanoseconds process_sampler::interval() const {
    std::lock_guard lock(mutex_);
    return interval_;
}

LOADKIT_DECL std::size_t process_sampler::decimations() const {
    std::lock_guard lock(mutex_);
    return decimations_;
}

LOADKIT_DECL void process_sampler::run() {
    auto next = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    // One sample at once, one each interval, and a last one at stop(): a run shorter than the
    // interval still has where it started and where it ended.
    for (;;) {
        lock.unlock();
        process_sample s = probe_.sample(); // the probe belongs to this thread
        if (loadkit_bytes_) {
            s.loadkit_bytes = loadkit_bytes_();
        }
        lock.lock();
        if (count_ >= max_samples_) {
            decimate();
        }
        samples_[count_++] = s;
        if (stop_requested_) {
            break;
        }
        next += interval_;
        const auto now = std::chrono::steady_clock::now();
        if (next <= now) { // fell behind (a stalled machine): skip what was missed, keep the pace
            next = now + interval_;
        }
        wake_.wait_until(lock, next, [this] { return stop_requested_; });
    }
}

LOADKIT_DECL void process_sampler::decimate() {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < count_; i += 2) {
        samples_[kept++] = samples_[i];
    }
    count_ = kept;
    interval_ *= 2;
    ++decimations_;
}
} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_PROCESS_IPP
