#!/bin/sh
# `make fuzz`: every tests/fuzz/fuzz_*.c under libFuzzer with ASan and UBSan,
# FUZZ_SECONDS each (default 300), starting from tests/fuzz/corpus/NAME.
# New inputs go to build-fuzz/corpus/NAME; crashes to build-fuzz/crash-NAME-*.
set -eu
seconds="${FUZZ_SECONDS:-300}"
out="${FUZZ_BUILD:-build-fuzz}"
mkdir -p "$out"
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c | sed 's/^fuzz_//')
    echo "== fuzz $name for ${seconds}s"
    clang -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -Iinclude -Isrc/core "$src" src/core/*.c -o "$out/fuzz_$name"
    mkdir -p "$out/corpus/$name"
    "$out/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$out/crash-$name-" "$out/corpus/$name" "tests/fuzz/corpus/$name"
done
