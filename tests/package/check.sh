#!/bin/sh
# Installs the project into a scratch prefix, checks the command came with its
# man page and bash completion, then builds an integrator's program against
# it twice: with find_package(ota) and with pkg-config.
# Usage: tests/package/check.sh BUILD_DIR WORK_DIR [CFLAGS]
# CFLAGS: what a library built with sanitizers needs its users to add.
set -eu
build="$1"
work="$2"
flags="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
prefix="$work/prefix"
"$prefix/bin/ota" --version >/dev/null
"$prefix/bin/ota" manpage | cmp -s - "$prefix/share/man/man1/ota.1" ||
    { echo "package: share/man/man1/ota.1 missing or stale" >&2; exit 1; }
"$prefix/bin/ota" completion bash | cmp -s - "$prefix/share/bash-completion/completions/ota" ||
    { echo "package: share/bash-completion/completions/ota missing or stale" >&2; exit 1; }
cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer"
PKG_CONFIG_PATH="$(find "$work/prefix" -name pkgconfig -type d | tr '\n' ':')"
export PKG_CONFIG_PATH
# shellcheck disable=SC2086
cc $flags "$here/consumer.c" $(pkg-config --cflags --libs ota) -o "$work/consumer-pc"
"$work/consumer-pc"
echo "package: ota, its man page and completion installed; find_package(ota) and"
echo "pkg-config ota both build and run"
