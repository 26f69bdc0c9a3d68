#!/bin/sh
# `make fuzz`: every tests/fuzz/fuzz_*.c under libFuzzer with ASan and UBSan,
# FUZZ_SECONDS each (default 300), starting from tests/fuzz/corpus/NAME.
# New inputs go to build-fuzz/corpus/NAME; crashes to build-fuzz/crash-NAME-*;
# libFuzzer's output, ending with its final stats, to build-fuzz/NAME.log
# (bench/fuzz/results.py makes the table of bench/fuzz/RESULTS.md from them).
# A target that crashes does not stop the others; the exit status says.
# tests/fuzz/NAME.dict, when present, is the target's libFuzzer dictionary.
# `scripts/fuzz.sh NAME...` runs only those targets (e.g. `sig recovery`).
#
# A target that needs more than the core and the simulated device says so in
# lines of its source of the form
#     /* fuzz-extra: WORD... */
# where a WORD is a source file or a -I/-D flag (paths from the repository
# root), or pkg:NAME for a pkg-config package (e.g. pkg:yaml-0.1). The
# ctest smoke (tests/CMakeLists.txt) reads the same lines.
set -eu
seconds="${FUZZ_SECONDS:-300}"
out="${FUZZ_BUILD:-build-fuzz}"
mkdir -p "$out"
if [ $# -gt 0 ]; then
    targets=$(for name in "$@"; do echo "tests/fuzz/fuzz_$name.c"; done)
else
    targets=$(ls tests/fuzz/fuzz_*.c)
fi

# The extra compiler words of a target, pkg:NAME expanded by pkg-config.
extra_words() {
    for word in $(sed -n 's|.*fuzz-extra:\(.*\)\*/.*|\1|p' "$1"); do
        case "$word" in
        pkg:*) pkg-config --cflags --libs "${word#pkg:}" ;;
        *) echo "$word" ;;
        esac
    done
}

failed=""
for src in $targets; do
    name=$(basename "$src" .c | sed 's/^fuzz_//')
    echo "== fuzz $name for ${seconds}s"
    extra=$(extra_words "$src")
    # the simulated device (src/port/sim) is linked in for the targets that
    # run the engine on it; the extra words come last, libraries after sources
    # shellcheck disable=SC2086 # $extra is a list of words
    clang -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -Iinclude -Isrc/core -Isrc/port/sim "$src" src/core/*.c src/port/sim/*.c $extra \
        -o "$out/fuzz_$name"
    mkdir -p "$out/corpus/$name"
    dict=""
    if [ -f "tests/fuzz/$name.dict" ]; then
        dict="-dict=tests/fuzz/$name.dict"
    fi
    # the output is kept for the results table; the fuzzer's status (not
    # tee's: POSIX sh has no pipefail) goes through a file
    { status=0
      "$out/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 $dict \
          -artifact_prefix="$out/crash-$name-" "$out/corpus/$name" "tests/fuzz/corpus/$name" \
          2>&1 || status=$?
      echo "$status" >"$out/$name.status"; } | tee "$out/$name.log"
    [ "$(cat "$out/$name.status")" = 0 ] || failed="$failed $name"
done
if [ -n "$failed" ]; then
    echo "fuzz: crashes in:$failed (see $out/crash-*)" >&2
    exit 1
fi
