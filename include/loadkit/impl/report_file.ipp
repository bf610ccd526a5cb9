// SPDX-License-Identifier: MIT
// write_file's body (report/file.hpp): POSIX open/write/fsync/close/rename, each checked; C stdio
// and std::filesystem::rename elsewhere (Windows).
#ifndef LOADKIT_IMPL_REPORT_FILE_IPP
#define LOADKIT_IMPL_REPORT_FILE_IPP

#include <loadkit/config.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#if defined(_WIN32)
#include <process.h>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace loadkit {
inline namespace v0_1 {
namespace detail {

[[noreturn]] inline void write_file_failed(int error, const std::string& what) {
    throw std::system_error(error, std::generic_category(), "loadkit::write_file: " + what);
}

// "out/.run.json.tmp-<pid>-<n>": hidden, in the target's folder, unique within the process (n) and
// across processes (pid); created exclusively, so a clash fails instead of overwriting.
inline std::filesystem::path write_file_temporary(const std::filesystem::path& path) {
    static std::atomic<unsigned long> next{0};
#if defined(_WIN32)
    const auto pid = static_cast<unsigned long>(::_getpid());
#else
    const auto pid = static_cast<unsigned long>(::getpid());
#endif
    std::filesystem::path out = path;
    out.replace_filename("." + path.filename().string() + ".tmp-" + std::to_string(pid) + "-" +
                         std::to_string(next.fetch_add(1, std::memory_order_relaxed)));
    return out;
}

#if !defined(_WIN32)
class write_file_posix {
public:
    write_file_posix(const std::filesystem::path& path, const write_file_options& options)
        : path_(path), options_(options) {}
    write_file_posix(const write_file_posix&) = delete;
    write_file_posix& operator=(const write_file_posix&) = delete;
    ~write_file_posix() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        if (!temporary_.empty()) {
            ::unlink(temporary_.c_str());
        }
    }

    void run(std::string_view text) {
        struct stat existing {};
        const bool exists = ::stat(path_.c_str(), &existing) == 0;
        const bool in_place = !options_.atomic || (exists && !S_ISREG(existing.st_mode));
        if (in_place) {
            fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
            if (fd_ < 0) {
                fail("cannot open " + path_.string());
            }
        } else {
            const std::filesystem::path temporary = write_file_temporary(path_);
            fd_ = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd_ < 0) {
                fail("cannot create a file in the folder of " + path_.string() + " (temporary " +
                     temporary.string() + ")");
            }
            temporary_ = temporary;
            if (exists) {
                static_cast<void>(::fchmod(fd_, existing.st_mode & 07777)); // best effort
            }
        }
        const char* at = text.data();
        std::size_t left = text.size();
        while (left > 0) {
            const ::ssize_t n = ::write(fd_, at, left);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                fail("cannot write " + path_.string() + " (" + std::to_string(text.size() - left) + " of " +
                     std::to_string(text.size()) + " bytes written)");
            }
            at += n;
            left -= static_cast<std::size_t>(n);
        }
        struct stat written {};
        if (options_.sync && ::fstat(fd_, &written) == 0 && S_ISREG(written.st_mode) && ::fsync(fd_) != 0) {
            fail("cannot sync " + current());
        }
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) { // NFS and quotas may report a failed write only here
            fail("cannot close " + current());
        }
        if (!temporary_.empty()) {
            if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
                fail("cannot rename " + temporary_.string() + " to " + path_.string());
            }
            temporary_.clear();
        }
    }

private:
    std::string current() const { return temporary_.empty() ? path_.string() : temporary_.string(); }
    [[noreturn]] void fail(const std::string& what) {
        const int error = errno == 0 ? EIO : errno;
        write_file_failed(error, what);
    }

    const std::filesystem::path& path_;
    write_file_options options_;
    int fd_ = -1;
    std::filesystem::path temporary_;
};
#endif

} // namespace detail

LOADKIT_DECL void write_file(const std::filesystem::path& path, std::string_view text,
                             const write_file_options& options) {
#if !defined(_WIN32)
    detail::write_file_posix(path, options).run(text);
#else
    // No fsync here: FlushFileBuffers would need <windows.h>; the rename still never exposes a part.
    std::error_code ec;
    const bool regular = !std::filesystem::exists(path, ec) || std::filesystem::is_regular_file(path, ec);
    const std::filesystem::path target =
        options.atomic && regular ? detail::write_file_temporary(path) : path;
    std::FILE* out = ::_wfopen(target.c_str(), L"wb");
    if (out == nullptr) {
        detail::write_file_failed(errno, "cannot create " + target.string());
    }
    const bool written =
        std::fwrite(text.data(), 1, text.size(), out) == text.size() && std::fflush(out) == 0;
    const int error = errno;
    if (std::fclose(out) != 0 || !written) {
        std::filesystem::remove(target, ec);
        detail::write_file_failed(written ? errno : error, "cannot write " + target.string());
    }
    if (target != path) {
        std::filesystem::rename(target, path, ec);
        if (ec) {
            std::filesystem::remove(target, ec);
            throw std::system_error(ec, "loadkit::write_file: cannot rename " + target.string() + " to " +
                                            path.string());
        }
    }
#endif
}

} // namespace v0_1
} // namespace loadkit

#endif // LOADKIT_IMPL_REPORT_FILE_IPP
