#!/bin/sh
# Runs the unit tests, the simulator's self-test, the bare-metal example's
# file store test and the power-cut suite (its sampled run) on 32-bit targets
# under qemu-user: big-endian PowerPC and little-endian ARM (hard float).
# Debian's cross compilers, static binaries, UBSan in trap mode (it needs no
# run-time library on the target). Tests that need OpenSSL build without
# their comparisons with it (OTA_TEST_NO_OPENSSL) where they allow it, and
# are left out otherwise: no cross OpenSSL is installed.
# Usage: scripts/cross-test.sh [OUTDIR]     (`make cross-test` installs the tools)
#        OTA_CROSS_TARGETS="powerpc-linux-gnu:ppc"  OTA_CROSS_SHARD=1/4
set -eu
cd "$(dirname "$0")/.."
out="${1:-build-cross}"
targets="${OTA_CROSS_TARGETS:-powerpc-linux-gnu:ppc arm-linux-gnueabihf:arm}"
shard="${OTA_CROSS_SHARD:-1/1}"
checks="-O2 -g -Wall -Wextra -Werror -fsanitize=undefined -fsanitize-undefined-trap-on-error"
passed=0
failed=0
left_out=""

# compile CC DIR STD EXTRA_FLAGS SOURCES...: objects into DIR, their names on stdout
compile() {
    cc="$1" dir="$2" std="$3" extra="$4"
    shift 4
    mkdir -p "$dir"
    for src in "$@"; do
        obj="$dir/$(basename "$src" .c).o"
        # shellcheck disable=SC2086
        "$cc" -std="$std" $checks $extra -Iinclude -Isrc/core -c "$src" -o "$obj"
        echo "$obj"
    done
}

# run NAME QEMU BINARY ARGS...: one test under qemu-user
run() {
    name="$1"
    shift
    if "$@" >"$log_dir/$name.log" 2>&1; then
        passed=$((passed + 1))
        echo "  pass  $name"
    else
        failed=$((failed + 1))
        echo "  FAIL  $name (exit $?)"
        tail -20 "$log_dir/$name.log"
    fi
}

# shellcheck disable=SC2046 # object lists: paths without spaces
for target in $targets; do
    triple="${target%%:*}"
    qemu="qemu-${target##*:}"
    cc="$triple-gcc"
    dir="$out/$triple"
    log_dir="$dir/logs"
    mkdir -p "$log_dir"
    echo "== $triple ($qemu)"
    core=$(compile "$cc" "$dir/core" c99 "-Wconversion -Wsign-conversion -pedantic" src/core/*.c)
    sim=$(compile "$cc" "$dir/sim" c99 "-Isrc/port/sim" src/port/sim/*.c)
    rm -f "$dir/libota.a" "$dir/libsim.a"
    # shellcheck disable=SC2086
    "$triple-ar" rcs "$dir/libota.a" $core
    # shellcheck disable=SC2086
    "$triple-ar" rcs "$dir/libsim.a" $sim
    link() { # link BINARY OBJECTS...
        bin="$1"
        shift
        "$cc" -static -fsanitize=undefined -fsanitize-undefined-trap-on-error "$@" \
            "$dir/libsim.a" "$dir/libota.a" -o "$bin"
    }

    for src in tests/unit/test_*.c; do
        name=$(basename "$src" .c)
        extra="-Itests/unit"
        if grep -q '<openssl/' "$src"; then
            if ! grep -q OTA_TEST_NO_OPENSSL "$src"; then
                left_out="$left_out $triple/$name"
                continue
            fi
            extra="$extra -DOTA_TEST_NO_OPENSSL"
        fi
        link "$dir/$name" $(compile "$cc" "$dir/unit" gnu11 "$extra" "$src")
        run "$name" "$qemu" "$dir/$name"
    done

    link "$dir/test_simfs" $(compile "$cc" "$dir/powercut" gnu11 \
        "-Itests/unit -Isrc/port/sim" tests/powercut/test_simfs.c)
    run test_simfs "$qemu" "$dir/test_simfs"
    link "$dir/test_powercut" $(compile "$cc" "$dir/powercut" gnu11 \
        "-Isrc/port/sim" tests/powercut/test_powercut.c)
    run test_powercut "$qemu" "$dir/test_powercut" --shard "$shard"
    link "$dir/test_file_store" $(compile "$cc" "$dir/baremetal" gnu11 \
        "-Itests/unit -Isrc/port/sim -Iexamples/baremetal" \
        tests/baremetal/test_file_store.c examples/baremetal/file_store.c)
    run test_file_store "$qemu" "$dir/test_file_store"
done

[ -z "$left_out" ] || echo "left out (they need OpenSSL for the target):$left_out"
echo "cross-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
