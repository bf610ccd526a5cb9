// loadkit — header-only C++20 library for load, soak and concurrency testing.
// SPDX-License-Identifier: MIT
//
// loadkit::write_file — writes a report (or any text) to a file, or throws saying why it could not:
//
//   #include <loadkit/report/file.hpp>                  // opt-in: not part of loadkit.hpp
//   loadkit::write_file("out/run.json", loadkit::to_json(report));
//   // std::system_error: "loadkit::write_file: cannot create a file in the folder of out/run.json
//   //                     (temporary out/.run.json.tmp-4242-0): No such file or directory"
//
// Why. `std::ofstream(path) << text` drops every failure (a missing folder, no permission, a full
// disk): a CI job then reads an old report, or none, as the run's. Here each step is checked
// (create, write, sync, close, rename) and a failure throws std::system_error whose code() is the
// OS's (errno) and whose what() names the step, the path and the reason. Nothing half-written
// stays behind: an atomic write goes to a temporary file in the target's folder (so the rename
// stays on one file system), synced, then renamed over the target: a reader sees the old file or
// the whole new one, never a part (the classic write-rename pattern, rename(2) in POSIX.1-2017).
// A target that exists and is not a regular file (/dev/stdout, a FIFO, /dev/full) is written in
// place: renaming over a device would replace it. An existing file's permission bits carry over.
#ifndef LOADKIT_REPORT_FILE_HPP
#define LOADKIT_REPORT_FILE_HPP

#include <loadkit/config.hpp>
#include <loadkit/version.hpp>

#include <filesystem>
#include <string_view>

namespace loadkit {
inline namespace v0_1 {

struct write_file_options {
    bool atomic = true; // temporary file + rename; false: truncate and write the target in place
    bool sync = true;   // fsync before the rename, so that a crash leaves the old file or the new one
};

// Writes text to path (replacing it), or throws std::system_error naming the step, the path and
// the OS's reason (the temporary file is removed first).
LOADKIT_DECL void write_file(const std::filesystem::path& path, std::string_view text,
                             const write_file_options& options = {});

} // namespace v0_1
} // namespace loadkit

#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)
#include <loadkit/impl/report_file.ipp>
#endif

#endif // LOADKIT_REPORT_FILE_HPP
