#!/bin/sh
# `make fuzz`: every tests/fuzz/fuzz_*.c under libFuzzer with ASan and UBSan,
# FUZZ_SECONDS each (default 300), starting from tests/fuzz/corpus/NAME.
# New inputs go to build-fuzz/corpus/NAME; crashes to build-fuzz/crash-NAME-*.
# A target that crashes does not stop the others; the exit status says.
# tests/fuzz/NAME.dict, when present, is the target's libFuzzer dictionary.
# `scripts/fuzz.sh NAME...` runs only those targets (e.g. `sig recovery`).
set -eu
seconds="${FUZZ_SECONDS:-300}"
out="${FUZZ_BUILD:-build-fuzz}"
mkdir -p "$out"
if [ $# -gt 0 ]; then
    targets=$(for name in "$@"; do echo "tests/fuzz/fuzz_$name.c"; done)
else
    targets=$(ls tests/fuzz/fuzz_*.c)
fi
failed=""
for src in $targets; do
    name=$(basename "$src" .c | sed 's/^fuzz_//')
    echo "== fuzz $name for ${seconds}s"
    # the simulated device (src/port/sim) is linked in for the targets that
    # run the engine on it
    clang -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -Iinclude -Isrc/core -Isrc/port/sim "$src" src/core/*.c src/port/sim/*.c \
        -o "$out/fuzz_$name"
    mkdir -p "$out/corpus/$name"
    dict=""
    if [ -f "tests/fuzz/$name.dict" ]; then
        dict="-dict=tests/fuzz/$name.dict"
    fi
    "$out/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 $dict \
        -artifact_prefix="$out/crash-$name-" "$out/corpus/$name" "tests/fuzz/corpus/$name" ||
        failed="$failed $name"
done
if [ -n "$failed" ]; then
    echo "fuzz: crashes in:$failed (see $out/crash-*)" >&2
    exit 1
fi
