// write_file: every step checked, failures thrown with the path and the OS's reason, nothing
// half-written left behind.
#include "catch.hpp"

#include <loadkit/report/file.hpp>
#include <loadkit/report/json.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#if !defined(_WIN32)
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace {

namespace fs = std::filesystem;

// A fresh folder under the system's temporary folder, removed with what it holds.
struct scratch_folder {
    fs::path path;
    scratch_folder() {
        path = fs::temp_directory_path() /
               ("loadkit-write-file-" + std::to_string(static_cast<long>(::getpid())) + "-" +
                std::to_string(counter()++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    scratch_folder(const scratch_folder&) = delete;
    scratch_folder& operator=(const scratch_folder&) = delete;
    ~scratch_folder() {
        std::error_code ec;
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path, ec);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t entries(const fs::path& folder) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(folder)) {
        ++n;
    }
    return n;
}

// Calls write_file and returns the std::system_error it throws (REQUIREs one).
std::system_error failure(const fs::path& p, const std::string& text, loadkit::write_file_options o = {}) {
    try {
        loadkit::write_file(p, text, o);
    } catch (const std::system_error& e) {
        return e;
    }
    FAIL("write_file did not throw for " << p.string());
    return std::system_error(std::error_code());
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("write_file writes the text, replaces an older file whole and leaves no temporary file",
          "[report][file]") {
    const scratch_folder dir;
    const fs::path target = dir.path / "run.json";
    const std::string json = loadkit::to_json(loadkit::run_report{});
    loadkit::write_file(target, json);
    CHECK(read_all(target) == json);
    CHECK(loadkit::from_json(read_all(target)).result == loadkit::run_report{}.result);
    loadkit::write_file(target, "short");
    CHECK(read_all(target) == "short");
    loadkit::write_file(target, "");
    CHECK(read_all(target).empty());
    CHECK(entries(dir.path) == 1); // the rename consumed every temporary file
    loadkit::write_file(target, "in place", {.atomic = false, .sync = false});
    CHECK(read_all(target) == "in place");
    CHECK(entries(dir.path) == 1);
}

TEST_CASE("write_file into a missing folder throws naming the path and ENOENT", "[report][file]") {
    const scratch_folder dir;
    const fs::path target = dir.path / "no-such-folder" / "run.json";
    const std::system_error e = failure(target, "{}");
    CHECK(e.code() == std::errc::no_such_file_or_directory);
    const std::string what = e.what();
    CHECK(contains(what, "loadkit::write_file: cannot create a file in the folder of " + target.string()));
    CHECK(contains(what, std::generic_category().message(ENOENT)));
    CHECK_FALSE(fs::exists(target));
    const std::system_error in_place = failure(target, "{}", {.atomic = false});
    CHECK(in_place.code() == std::errc::no_such_file_or_directory);
    CHECK(contains(in_place.what(), "cannot open " + target.string()));
}

TEST_CASE("write_file onto a folder throws EISDIR and leaves nothing behind", "[report][file]") {
    const scratch_folder dir;
    const fs::path target = dir.path / "taken";
    fs::create_directory(target);
    const std::system_error e = failure(target, "{}");
    CHECK(e.code() == std::errc::is_a_directory);
    CHECK(contains(e.what(), "cannot open " + target.string()));
    CHECK(entries(dir.path) == 1); // the folder only
    CHECK(fs::is_directory(target));
}

#if !defined(_WIN32)
TEST_CASE("write_file to a full device (/dev/full) throws ENOSPC and writes in place, not by rename",
          "[report][file]") {
    if (!fs::exists("/dev/full")) {
        SUCCEED("no /dev/full here");
        return;
    }
    const std::system_error e = failure("/dev/full", std::string(100000, 'x'));
    CHECK(e.code() == std::errc::no_space_on_device);
    CHECK(contains(e.what(), "cannot write /dev/full (0 of 100000 bytes written)"));
    CHECK(fs::is_character_file("/dev/full")); // a device is never renamed over
}

TEST_CASE("write_file into a read-only folder throws EACCES (skipped as root, who ignores permissions)",
          "[report][file]") {
    if (::geteuid() == 0) {
        SUCCEED("running as root: permissions are not enforced");
        return;
    }
    const scratch_folder dir;
    fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
    const std::system_error e = failure(dir.path / "run.json", "{}");
    CHECK(e.code() == std::errc::permission_denied);
    CHECK(contains(e.what(), (dir.path / "run.json").string()));
}

TEST_CASE("write_file keeps an existing file's permission bits", "[report][file]") {
    const scratch_folder dir;
    const fs::path target = dir.path / "report.html";
    loadkit::write_file(target, "old");
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read,
                    fs::perm_options::replace);
    loadkit::write_file(target, "new");
    CHECK(read_all(target) == "new");
    CHECK((fs::status(target).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
}
#endif
