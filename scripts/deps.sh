# scripts/deps.sh - sourced by test.sh and demo.sh: install what is missing.
# Debian 12 packages only; as root they are installed with apt-get, otherwise
# the exact command is printed and the script stops.

SANCSIM_DEPS="build-essential cmake pkg-config git time bc libgsl-dev libconfig-dev libcmocka-dev libhdf5-dev
 python3 python3-numpy python3-h5py python3-matplotlib python3-xarray python3-h5netcdf"

sancsim_missing_packages() {
    local missing="" p
    for p in $SANCSIM_DEPS "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    echo $missing
}

# usage: sancsim_install_deps [extra packages...]
sancsim_install_deps() {
    local missing
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "sancsim: not a Debian system; install the equivalents of: $SANCSIM_DEPS $*" >&2
        return 0
    fi
    missing=$(sancsim_missing_packages "$@")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "sancsim: missing packages:$missing" >&2
        echo "Run as root:  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing" >&2
        exit 1
    fi
    echo "sancsim: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || { echo "sancsim: apt-get update failed" >&2; exit 1; }
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/dev/null ||
        { echo "sancsim: apt-get install failed" >&2; exit 1; }
}

# usage: sancsim_build BUILD_DIR [cmake args...]
sancsim_build() {
    local dir=$1
    shift
    cmake -S "$SANCSIM_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null &&
        cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)"
}
