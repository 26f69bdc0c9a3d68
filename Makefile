# Thin wrapper over CMake for the common commands. See README.md.
BUILD      ?= build
BUILD_TYPE ?= Debug
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

# What a fresh Debian 12 machine needs to build, test and demo.
DEPS = build-essential cmake pkg-config git python3 ca-certificates \
       libcurl4-openssl-dev libssl-dev libyaml-dev gcc-arm-none-eabi libnewlib-arm-none-eabi

# clang: `make test` also checks that the build is warning-free with it.
DEPS += clang
# nginx: the mirror tests serve `ota publish`'s output with a real web server.
DEPS += nginx
# The 32-bit targets of `make cross-test`: big-endian PowerPC, ARM hard-float.
CROSS_DEPS = gcc-powerpc-linux-gnu libc6-dev-powerpc-cross gcc-arm-linux-gnueabihf \
             libc6-dev-armhf-cross qemu-user

.PHONY: all deps build demo test bench fuzz powercut-all clean
.PHONY: size cross-test

all: build

deps:
	@scripts/install-deps.sh $(DEPS)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DOTA_SANITIZE=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	python3 tests/support/demo.py --ota $(BUILD)/ota

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Benchmarks measure an optimised build without sanitizers.
bench: deps
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DOTA_SANITIZE=OFF \
	      -DOTA_BUILD_TESTS=OFF
	cmake --build build-release -j $(JOBS)
	python3 bench/run.py --ota build-release/ota
	python3 bench/delta/run.py --ota build-release/ota
	@scripts/install-deps.sh nginx wrk
	python3 bench/fleet/run.py --ota build-release/ota

# Every cut point of every power-cut scenario, every second cut during the
# recovery, six crash seeds each: an optimised build, a few minutes. CI runs it.
powercut-all: deps
	cmake -S . -B build-powercut -DCMAKE_BUILD_TYPE=Release -DOTA_SANITIZE=OFF \
	      -DOTA_BUILD_POSIX=OFF -DOTA_BUILD_TESTS=ON
	cmake --build build-powercut -j $(JOBS) --target test_powercut
	build-powercut/tests/powercut/test_powercut --all

fuzz: deps
	@scripts/install-deps.sh clang
	scripts/fuzz.sh

# Flash, RAM and stack of the core on Cortex-M0+ and Cortex-M4, written to
# bench/size/RESULTS.md (arm-none-eabi-gcc; clang reads the call graph).
size: deps
	python3 bench/size/run.py

# The unit tests and a power-cut run on 32-bit big- and little-endian
# targets under qemu-user (a few minutes). CI runs it.
cross-test: deps
	@scripts/install-deps.sh $(CROSS_DEPS)
	scripts/cross-test.sh

clean:
	rm -rf $(BUILD) build-release build-fuzz build-powercut build-size build-cross build-clang
