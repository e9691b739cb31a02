#!/usr/bin/env bash
# scripts/test.sh - install what is missing, build, run every test (ctest).
#
#   scripts/test.sh              the whole suite (unit + integration, with the
#                                MPI sweep test: builds sancsim-mpi too), build/
#   scripts/test.sh --sanitize   the same under AddressSanitizer + UBSan, build-asan/
#
# Tests that need ../shared/data skip (ctest SKIP) when it is absent.
set -euo pipefail
SANCSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$SANCSIM_ROOT/scripts/deps.sh"

mode=plain
for a in "$@"; do
    case "$a" in
    --sanitize) mode=sanitize ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $a" >&2; exit 2 ;;
    esac
done

# R and hdf5r for the check that R users can read the files; the netCDF
# readers every file must open (ncdump, netCDF4-python, xarray with both
# engines, R's ncdf4: test_netcdf); scipy for the oracle; OpenMPI and the
# openmpi HDF5 flavour for sancsim-mpi (the serial sancsim never links them)
sancsim_install_deps r-base-core r-cran-hdf5r netcdf-bin python3-netcdf4 python3-xarray python3-h5netcdf r-cran-ncdf4 python3-scipy libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
cd "$SANCSIM_ROOT"
if [ "$mode" = sanitize ]; then
    build=${SANCSIM_BUILD_DIR:-build-asan}
    sancsim_build "$build" -DSANCSIM_SANITIZE=ON
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
    build=${SANCSIM_BUILD_DIR:-build}
    sancsim_build "$build" -DSANCSIM_MPI=ON
    # test_sweep_mpi runs mpirun -np 3; OpenMPI refuses root without these
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
ctest --test-dir "$build" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"
