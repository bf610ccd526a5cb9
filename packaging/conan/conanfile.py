# loadkit's Conan 2 recipe: a header library (one package for every configuration).
#   conan create packaging/conan --version 0.1.0           # from a loadkit checkout
# Inside a checkout it packages that checkout (export_sources); conandata.yml holds the release
# tarballs (url + sha256, written by tools/release.sh) for a copy of the recipe outside it.
import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, get
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class LoadkitConan(ConanFile):
    name = "loadkit"
    description = "Header-only C++20 coroutine library for load, soak and concurrency testing"
    license = "MIT"
    topics = ("load-testing", "benchmark", "coroutines", "header-only", "hdrhistogram", "slo")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_asio": [True, False], "with_zlib": [True, False]}
    default_options = {"with_asio": False, "with_zlib": False}
    no_copy_source = True

    @property
    def _checkout(self):
        return os.path.normpath(os.path.join(self.recipe_folder, "..", ".."))

    def export_sources(self):
        if os.path.isfile(os.path.join(self._checkout, "include", "loadkit", "loadkit.hpp")):
            copy(self, "include/*", src=self._checkout, dst=self.export_sources_folder)
            copy(self, "LICENSE", src=self._checkout, dst=self.export_sources_folder)

    def layout(self):
        basic_layout(self, src_folder="src")

    def requirements(self):
        if self.options.with_asio:
            self.requires("asio/[>=1.24 <2]")
        if self.options.with_zlib:
            self.requires("zlib/[>=1.2.11 <2]")

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def source(self):
        if os.path.isfile(os.path.join(self.source_folder, "include", "loadkit", "loadkit.hpp")):
            return  # exported from a checkout
        get(self, **self.conan_data["sources"][self.version], strip_root=True)

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", src=os.path.join(self.source_folder, "include"),
             dst=os.path.join(self.package_folder, "include"))
        copy(self, "*.ipp", src=os.path.join(self.source_folder, "include"),
             dst=os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "loadkit")
        self.cpp_info.set_property("cmake_target_name", "loadkit::loadkit")
        self.cpp_info.set_property("pkg_config_name", "loadkit")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        if self.settings.os in ["Linux", "FreeBSD"]:
            self.cpp_info.system_libs = ["pthread"]
        if self.options.with_zlib:
            self.cpp_info.defines = ["LOADKIT_WITH_ZLIB"]
