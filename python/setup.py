"""Builds the extension han._core with CMake from the repository around this directory.

CMake, a C++17 compiler, Eigen, nlohmann/json, zlib and pybind11 must be installed (Debian:
cmake g++ libeigen3-dev nlohmann-json3-dev zlib1g-dev pybind11-dev python3-dev). HAN_CMAKE_ARGS
adds CMake options, e.g. -DHAN_NATIVE_ARCH=OFF for a wheel that runs on any x86-64.
"""

import os
import shlex
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent.parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = Path(self.build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
            "-DHAN_BUILD_PYTHON=ON", "-DHAN_BUILD_TESTS=OFF", "-DHAN_BUILD_CLI=OFF",
            f"-DPython3_EXECUTABLE={sys.executable}",
            *shlex.split(os.environ.get("HAN_CMAKE_ARGS", "")),
        ]
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build), "--target", "han_python", "-j", jobs],
                       check=True)
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        built = next((build / "python" / "han").glob("_core*.so"))
        self.copy_file(str(built), str(target))


setup(ext_modules=[Extension("han._core", sources=[])], cmdclass={"build_ext": CMakeBuild})
