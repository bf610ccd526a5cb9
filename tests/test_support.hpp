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

#endif // LOADKIT_TESTS_TEST_SUPPORT_HPP
