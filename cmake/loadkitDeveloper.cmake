# Settings for loadkit's own targets (tests, examples, benchmarks) — never for loadkit::loadkit,
# so consumers never inherit our warnings or sanitizers (libcoro 277467f fixed exactly that leak).
#
# Provides:
#   loadkit_developer       INTERFACE target: warnings as errors, consumer-strict flags, sanitizers
#   loadkit_filter_optional() drops the optional Asio adapter's files unless LOADKIT_WITH_ASIO
#   asio::asio              (LOADKIT_WITH_ASIO) standalone Asio, header-only

# Standard C++20, not gnu++20, for everything we compile (a directory-scope default: loadkit::loadkit
# itself only asks consumers for cxx_std_20).
if(NOT DEFINED CMAKE_CXX_EXTENSIONS)
    set(CMAKE_CXX_EXTENSIONS OFF)
endif()

add_library(loadkit_developer INTERFACE)
# -Wshadow/-Wconversion/-Wsign-conversion are what strict consumers turn on; the headers must be
# clean under them, so every file we compile gets them too.
target_compile_options(loadkit_developer INTERFACE
    -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wsign-conversion)

if(LOADKIT_SANITIZE)
    set(_loadkit_sanitize_flags -fsanitize=${LOADKIT_SANITIZE} -fno-omit-frame-pointer)
    if(LOADKIT_SANITIZE MATCHES "address|undefined")
        list(APPEND _loadkit_sanitize_flags -fno-sanitize-recover=all)
    endif()
    target_compile_options(loadkit_developer INTERFACE ${_loadkit_sanitize_flags})
    target_link_options(loadkit_developer INTERFACE ${_loadkit_sanitize_flags})
endif()

if(LOADKIT_WITH_ASIO AND NOT TARGET asio::asio)
    find_path(LOADKIT_ASIO_INCLUDE_DIR asio.hpp DOC "Directory holding standalone Asio's asio.hpp")
    if(NOT LOADKIT_ASIO_INCLUDE_DIR)
        message(FATAL_ERROR "LOADKIT_WITH_ASIO=ON but standalone Asio (asio.hpp) was not found; "
                            "install libasio-dev or set LOADKIT_ASIO_INCLUDE_DIR")
    endif()
    add_library(asio::asio INTERFACE IMPORTED)
    set_target_properties(asio::asio PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${LOADKIT_ASIO_INCLUDE_DIR}"
        INTERFACE_COMPILE_DEFINITIONS ASIO_STANDALONE
        INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
if(LOADKIT_WITH_ASIO)
    target_link_libraries(loadkit_developer INTERFACE asio::asio)
    # ASIO_STANDALONE again for an asio::asio target of someone else's that lacks it; Asio < 1.24
    # does not detect clang's C++20 coroutines (it looks for <experimental/coroutine>), so say so:
    # asio::awaitable and loadkit::as_task need ASIO_HAS_CO_AWAIT (newer Asio detects it itself).
    target_compile_definitions(loadkit_developer INTERFACE LOADKIT_HAS_ASIO=1 ASIO_STANDALONE
        $<$<CXX_COMPILER_ID:Clang>:ASIO_HAS_CO_AWAIT=1>)
endif()

# Drop the Asio adapter's files from a list of sources unless LOADKIT_WITH_ASIO is on: any file with
# "asio" in its name or, for headers, in its path under include/ (loadkit/asio.hpp, detail/asio/*,
# tests/test_asio*.cpp), and any file whose first 30 lines carry the marker `// loadkit-requires: asio`
# (examples/http_load.cpp, http/client.hpp).
# meson.build's glob script applies the same rule.
function(loadkit_filter_optional list_var)
    if(LOADKIT_WITH_ASIO)
        return()
    endif()
    set(_kept "")
    foreach(_file IN LISTS ${list_var})
        get_filename_component(_name "${_file}" NAME)
        if(NOT IS_ABSOLUTE "${_file}")
            set(_name "${_file}") # a header, relative to include/
        endif()
        if(_name MATCHES "asio")
            continue()
        endif()
        set(_path "${_file}")
        if(NOT IS_ABSOLUTE "${_path}")
            # Header lists are relative to include/ (tests/CMakeLists.txt); sources are absolute.
            set(_path "${PROJECT_SOURCE_DIR}/include/${_file}")
        endif()
        if(EXISTS "${_path}")
            file(STRINGS "${_path}" _head LIMIT_COUNT 30)
            if(_head MATCHES "// loadkit-requires: asio")
                continue()
            endif()
        endif()
        list(APPEND _kept "${_file}")
    endforeach()
    set(${list_var} "${_kept}" PARENT_SCOPE)
endfunction()
