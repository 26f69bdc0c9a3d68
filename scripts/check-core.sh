#!/bin/sh
# Builds the portable core for a Cortex-M0+ (Raspberry Pi Pico class) with
# arm-none-eabi-gcc, warnings as errors, and checks what the rules promise:
# no writable globals (no .data/.bss symbols), and nothing called outside the
# core but the C library's string functions and the compiler's helpers (so
# no malloc, no stdio, no OS). Prints the code size. No function's frame
# may exceed 4 KB: the largest holds the streaming manifest reader (about
# 2.3 KB, on the stack only while a manifest is read).
# Usage: scripts/check-core.sh [OUTDIR]
set -eu
cd "$(dirname "$0")/.."
out="${1:-build/cortex-m0plus}"
cc="${CROSS_CC:-arm-none-eabi-gcc}"
prefix="${cc%gcc}"
mkdir -p "$out"
objs=""
for src in src/core/*.c; do
    obj="$out/$(basename "$src" .c).o"
    "$cc" -mcpu=cortex-m0plus -mthumb -Os -std=c99 -ffreestanding -ffunction-sections -fdata-sections \
        -Wall -Wextra -Werror -Wconversion -Wsign-conversion -pedantic -Wstack-usage=4096 \
        -Iinclude -c "$src" -o "$obj"
    objs="$objs $obj"
done
rm -f "$out/libota.a"
# shellcheck disable=SC2086
"${prefix}ar" rcs "$out/libota.a" $objs

globals=$("${prefix}nm" "$out/libota.a" | awk '$2 ~ /^[DdBbCc]$/ {print $3}')
if [ -n "$globals" ]; then
    echo "check-core: writable globals in the core: $globals" >&2
    exit 1
fi

allowed='^(memcpy|memmove|memset|memcmp|memchr|strlen|strcmp|strncmp|strchr|strrchr|strcpy|strncpy|strcat|strstr|strspn|strcspn|__aeabi_[a-z0-9_]+|__gnu_thumb1_case_[a-z0-9]+)$'
# core functions defined in one object and used in another are fine
defined=$("${prefix}nm" "$out/libota.a" | awk '$2 ~ /^[TR]$/ {print $3}' | sort -u)
undefined=$("${prefix}nm" -u "$out/libota.a" | awk 'NF==2 {print $2}' | sort -u)
bad=""
for sym in $undefined; do
    if echo "$defined" | grep -qx "$sym"; then continue; fi
    if echo "$sym" | grep -Eq "$allowed"; then continue; fi
    bad="$bad $sym"
done
if [ -n "$bad" ]; then
    echo "check-core: the core calls outside itself:$bad" >&2
    exit 1
fi
"${prefix}size" -t "$out/libota.a" | tail -1 | awk '{printf "check-core: Cortex-M0+ core OK: text %d bytes, data %d, bss %d\n", $1, $2, $3}'
