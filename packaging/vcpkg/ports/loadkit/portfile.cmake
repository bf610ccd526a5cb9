# loadkit's vcpkg port: header-only (release layout only), CMake package in share/loadkit.
#   vcpkg install loadkit --overlay-ports=<loadkit checkout>/packaging/vcpkg/ports
# Inside a loadkit checkout the overlay port packages that checkout; copied into a registry it
# downloads the release tarball that tools/release.sh made and hashed (URL and SHA512 below).
set(VCPKG_BUILD_TYPE release) # header-only: no debug tree

get_filename_component(LOADKIT_CHECKOUT "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
if(EXISTS "${LOADKIT_CHECKOUT}/include/loadkit/loadkit.hpp")
    set(SOURCE_PATH "${LOADKIT_CHECKOUT}")
else()
    vcpkg_download_distfile(ARCHIVE
        URLS "https://github.com/loadkit/loadkit/releases/download/v${VERSION}/loadkit-${VERSION}.tar.gz"
        FILENAME "loadkit-${VERSION}.tar.gz"
        SHA512 895d425f3e839e311b3816ddcbf0c7b3c4eba61dbff152d912b4081a3405897cde42311a4f7ff40ef93930440acaef85e3f63d6f603b2e5ffad8e7d244c878f6 # tools/release.sh writes the release tarball's SHA512 here
    )
    vcpkg_extract_source_archive(SOURCE_PATH ARCHIVE "${ARCHIVE}")
endif()

# Options tools/check_packaging.sh replays to prove the layout (keep them on these lines).
vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DLOADKIT_INSTALL=ON
        -DLOADKIT_BUILD_TESTS=OFF
        -DLOADKIT_BUILD_EXAMPLES=OFF
        -DLOADKIT_BUILD_BENCH=OFF
        -DLOADKIT_CMAKE_DIR=share/loadkit
        -DLOADKIT_PKGCONFIG_DIR=share/pkgconfig
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME loadkit CONFIG_PATH share/loadkit)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug" "${CURRENT_PACKAGES_DIR}/lib"
                    "${CURRENT_PACKAGES_DIR}/share/doc")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
