# Shared by the scripts: install missing Debian packages, build the native tree.

# ensure_packages PKG... installs (with apt-get) the packages that are not installed yet.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

NATIVE_PACKAGES=(cmake make g++ libeigen3-dev nlohmann-json3-dev zlib1g-dev libgtest-dev nodejs)
# What scripts/fuzz.sh needs: clang and its libFuzzer and sanitizer runtimes.
FUZZ_PACKAGES=(cmake make clang-14 libclang-rt-14-dev libeigen3-dev nlohmann-json3-dev)
# What scripts/build-wasm.sh needs: Emscripten, and Eigen and nlohmann_json as headers.
WASM_PACKAGES=(cmake make libeigen3-dev nlohmann-json3-dev emscripten nodejs)

# What the Python package (python/) and its tests need: pybind11, the Python headers, NumPy,
# pytest, Dask with pandas, PyTorch (the converter round trip) and Node (the npm package's HTML).
PYTHON_PACKAGES=(cmake g++ pybind11-dev python3-dev python3-numpy python3-pytest python3-dask
  python3-distributed python3-pandas python3-torch nodejs)

# What the reference fixture generators (tests/reference/) need: PyTorch, h5py, numpy.
REFERENCE_PACKAGES=(python3-torch python3-h5py python3-numpy)

# build_native DIR [cmake options...] configures and builds the C++ tree into DIR.
build_native() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}
