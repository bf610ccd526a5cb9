// Small helpers shared by the test files.
#ifndef LOADKIT_TESTS_TEST_SUPPORT_HPP
#define LOADKIT_TESTS_TEST_SUPPORT_HPP

#include <stdexcept>
#include <string>

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
