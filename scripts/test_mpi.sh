#!/usr/bin/env bash
# scripts/test_mpi.sh - the MPI stage: install OpenMPI and Debian's openmpi
# HDF5 flavour, build sancsim + sancsim-mpi (-DSANCSIM_MPI=ON) in build-mpi/,
# and run the sweep tests there (test_sweep_mpi runs `mpirun -np 3
# --oversubscribe sancsim-mpi sweep` against `sancsim sweep`).
#
#   scripts/test_mpi.sh          build-mpi/ (or $SANCSIM_BUILD_DIR)
#
# Kept apart from scripts/test.sh: the packages and a second build of the
# engine cost a few minutes.  libhdf5-openmpi-dev co-installs with
# libhdf5-dev; the serial build keeps using hdf5-serial by name.
set -euo pipefail
SANCSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$SANCSIM_ROOT/scripts/deps.sh"

case "${1:-}" in
-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
"") ;;
*) echo "test_mpi.sh: unknown option $1" >&2; exit 2 ;;
esac

sancsim_install_deps libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
cd "$SANCSIM_ROOT"
build=${SANCSIM_BUILD_DIR:-build-mpi}
sancsim_build "$build" -DSANCSIM_MPI=ON
# OpenMPI refuses root without these (CI runs as root)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir "$build" --output-on-failure -R 'sweep' -j 1
