#!/bin/sh
# Builds the core, the POSIX port and the `ota` command with clang, every
# warning an error (the targets' own -Wall -Wextra, and -Werror for all), so
# the build is warning-free with clang as well as gcc.
# Usage: scripts/check-clang.sh [OUTDIR]
set -eu
cd "$(dirname "$0")/.."
out="${1:-build-clang}"
cmake -S . -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS="-Werror" -DOTA_SANITIZE=OFF -DOTA_BUILD_TESTS=OFF >/dev/null
cmake --build "$out" -j "$(nproc 2>/dev/null || echo 2)" --target ota_core ota
echo "check-clang: core, POSIX port and ota command build warning-free with $(clang --version | head -1)"
