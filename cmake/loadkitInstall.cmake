# Install rules: headers, the exported target, a CMake package and a pkg-config file.
# Header-only, so everything goes to architecture-independent places (share/, as nlohmann_json),
# unless LOADKIT_INSTALL_COMPILED adds the static library loadkit::compiled (then the package is
# no longer architecture-independent).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LOADKIT_CMAKE_DIR "${CMAKE_INSTALL_DATADIR}/cmake/loadkit"
    CACHE STRING "Install directory of loadkit's CMake package files, relative to the prefix")
set(LOADKIT_PKGCONFIG_DIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
    CACHE STRING "Install directory of loadkit.pc, relative to the prefix")

set(_loadkit_installed loadkit)
if(LOADKIT_INSTALL_COMPILED)
    list(APPEND _loadkit_installed loadkit_compiled)
    set(_loadkit_arch "")
else()
    set(_loadkit_arch ARCH_INDEPENDENT)
endif()
install(TARGETS ${_loadkit_installed} EXPORT loadkitTargets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.ipp")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/loadkit")
install(EXPORT loadkitTargets NAMESPACE loadkit:: DESTINATION "${LOADKIT_CMAKE_DIR}")

# The same config file serves the install tree and the build tree (export(TARGETS) below), so
# `-Dloadkit_DIR=<build dir>` works without installing.
configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/loadkitConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/loadkitConfig.cmake"
    INSTALL_DESTINATION "${LOADKIT_CMAKE_DIR}")
# While the major version is 0 a minor bump may break (README "Versions"): find_package(loadkit 0.1)
# accepts 0.1.x only. From 1.0 on, any later release of the same major.
if(PROJECT_VERSION_MAJOR EQUAL 0)
    set(_loadkit_compatibility SameMinorVersion)
else()
    set(_loadkit_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/loadkitConfigVersion.cmake"
    COMPATIBILITY ${_loadkit_compatibility}
    ${_loadkit_arch})
install(FILES "${PROJECT_BINARY_DIR}/loadkitConfig.cmake" "${PROJECT_BINARY_DIR}/loadkitConfigVersion.cmake"
        DESTINATION "${LOADKIT_CMAKE_DIR}")
export(TARGETS ${_loadkit_installed} NAMESPACE loadkit:: FILE "${PROJECT_BINARY_DIR}/loadkitTargets.cmake")

# loadkit.pc finds its prefix relative to itself (${pcfiledir}), so an installed tree can be moved
# (or installed with `cmake --install --prefix`) and still resolve.
if(IS_ABSOLUTE "${LOADKIT_PKGCONFIG_DIR}")
    set(LOADKIT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
    file(RELATIVE_PATH _loadkit_pc_up "/prefix/${LOADKIT_PKGCONFIG_DIR}" "/prefix")
    string(REGEX REPLACE "/$" "" _loadkit_pc_up "${_loadkit_pc_up}")
    set(LOADKIT_PC_PREFIX "\${pcfiledir}/${_loadkit_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(LOADKIT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
    set(LOADKIT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/loadkit.pc.in" "${PROJECT_BINARY_DIR}/loadkit.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/loadkit.pc" DESTINATION "${LOADKIT_PKGCONFIG_DIR}")
