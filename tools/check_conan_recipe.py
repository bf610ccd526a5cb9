#!/usr/bin/env python3
"""Prove what can be proven of packaging/conan without Conan (not installable here: no PyPI).

Byte-compiles the recipe and its test_package recipe, then runs the recipe's own export_sources(),
source(), package() and package_info() against a stand-in for the few Conan 2 APIs it calls
(conan.tools.files.copy with Conan's fnmatch semantics, basic_layout, check_min_cppstd), and checks:
the package holds every public header and body and the licence; cpp_info names the CMake package
loadkit and the target loadkit::loadkit, has no lib or bin dirs (a header library), and the
with_zlib option adds LOADKIT_WITH_ZLIB; package_id() clears the info; validate() asks for C++20.
Prints the package folder on success (tools/check_packaging.sh compiles test_package against it).
Usage: check_conan_recipe.py <work dir>
"""

import fnmatch
import os
import pathlib
import py_compile
import shutil
import sys
import types

REPO = pathlib.Path(__file__).resolve().parent.parent
RECIPE = REPO / "packaging" / "conan" / "conanfile.py"


def fail(message):
    sys.exit(f"check_conan_recipe.py: {message}")


def stand_in_conan(calls):
    """Modules conan, conan.tools.{build,files,layout,cmake} with what the recipes use."""

    class ConanFile:
        pass

    def copy(conanfile, pattern, src, dst, keep_path=True):
        copied = []
        for root, _, files in os.walk(src):
            for name in files:
                path = os.path.join(root, name)
                relative = os.path.relpath(path, src)
                if fnmatch.fnmatch(relative, pattern):  # Conan 2: * matches across folders
                    target = os.path.join(dst, relative if keep_path else name)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    shutil.copy2(path, target)
                    copied.append(target)
        return copied

    def get(conanfile, **kwargs):
        calls.append(("get", kwargs))

    def basic_layout(conanfile, src_folder="."):
        calls.append(("basic_layout", src_folder))

    def check_min_cppstd(conanfile, cppstd):
        calls.append(("check_min_cppstd", str(cppstd)))

    modules = {
        "conan": types.ModuleType("conan"),
        "conan.tools": types.ModuleType("conan.tools"),
        "conan.tools.build": types.ModuleType("conan.tools.build"),
        "conan.tools.files": types.ModuleType("conan.tools.files"),
        "conan.tools.layout": types.ModuleType("conan.tools.layout"),
        "conan.tools.cmake": types.ModuleType("conan.tools.cmake"),
    }
    modules["conan"].ConanFile = ConanFile
    modules["conan.tools.build"].check_min_cppstd = check_min_cppstd
    modules["conan.tools.build"].can_run = lambda conanfile: True
    modules["conan.tools.files"].copy = copy
    modules["conan.tools.files"].get = get
    modules["conan.tools.layout"].basic_layout = basic_layout
    modules["conan.tools.cmake"].CMake = object
    modules["conan.tools.cmake"].cmake_layout = basic_layout
    sys.modules.update(modules)


class Properties:
    def __init__(self):
        self.properties = {}
        self.bindirs = ["bin"]
        self.libdirs = ["lib"]
        self.system_libs = []
        self.defines = []

    def set_property(self, name, value):
        self.properties[name] = value


class Info:
    def __init__(self):
        self.cleared = False

    def clear(self):
        self.cleared = True


def main():
    if len(sys.argv) != 2:
        fail("usage: check_conan_recipe.py <work dir>")
    work = pathlib.Path(sys.argv[1]).resolve()
    shutil.rmtree(work, ignore_errors=True)
    for recipe in (RECIPE, RECIPE.parent / "test_package" / "conanfile.py"):
        py_compile.compile(str(recipe), doraise=True)

    calls = []
    stand_in_conan(calls)
    namespace = {"__file__": str(RECIPE), "__name__": "conanfile"}
    exec(compile(RECIPE.read_text(encoding="utf-8"), str(RECIPE), "exec"), namespace)
    recipe_class = namespace["LoadkitConan"]
    if recipe_class.package_type != "header-library":
        fail(f"package_type = {recipe_class.package_type!r} (expected 'header-library')")

    for with_zlib in (False, True):
        conanfile = recipe_class()
        conanfile.recipe_folder = str(RECIPE.parent)
        conanfile.export_sources_folder = str(work / "export_source")
        conanfile.source_folder = conanfile.export_sources_folder
        conanfile.package_folder = str(work / ("package-zlib" if with_zlib else "package"))
        conanfile.options = types.SimpleNamespace(with_asio=False, with_zlib=with_zlib)
        conanfile.settings = types.SimpleNamespace(os="Linux")
        conanfile.conan_data = {"sources": {}}
        conanfile.version = "0.0.0"
        conanfile.info = Info()
        conanfile.cpp_info = Properties()
        conanfile.export_sources()
        conanfile.layout()
        conanfile.source()
        if any(call[0] == "get" for call in calls):
            fail("source() downloaded although the sources came from this checkout")
        conanfile.validate()
        if ("check_min_cppstd", "20") not in calls:
            fail("validate() does not call check_min_cppstd(self, 20)")
        conanfile.package_id()
        if not conanfile.info.cleared:
            fail("package_id() does not clear the info (one package for every configuration)")
        conanfile.package()
        conanfile.package_info()

        package = pathlib.Path(conanfile.package_folder)
        wanted = sorted(p.relative_to(REPO) for p in (REPO / "include").rglob("*") if p.suffix in (".hpp", ".ipp"))
        packaged = sorted(p.relative_to(package) for p in (package / "include").rglob("*") if p.is_file())
        if packaged != wanted:
            missing = sorted(set(map(str, wanted)) - set(map(str, packaged)))
            extra = sorted(set(map(str, packaged)) - set(map(str, wanted)))
            fail(f"package() holds {len(packaged)} headers, the tree {len(wanted)}; missing {missing[:5]}, "
                 f"extra {extra[:5]}")
        if not (package / "licenses" / "LICENSE").is_file():
            fail("package() does not put LICENSE in licenses/")
        info = conanfile.cpp_info
        expected = {"cmake_file_name": "loadkit", "cmake_target_name": "loadkit::loadkit"}
        for name, value in expected.items():
            if info.properties.get(name) != value:
                fail(f"cpp_info {name} = {info.properties.get(name)!r} (expected {value!r})")
        if info.bindirs or info.libdirs:
            fail(f"cpp_info bindirs = {info.bindirs}, libdirs = {info.libdirs} (a header library has none)")
        if with_zlib != ("LOADKIT_WITH_ZLIB" in info.defines):
            fail(f"with_zlib = {with_zlib} but cpp_info.defines = {info.defines}")
    print(work / "package")


if __name__ == "__main__":
    main()
