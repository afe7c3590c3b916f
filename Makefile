# Thin wrapper over meson/ninja; `make run` and `make test` are the README's two commands.
BUILD      ?= build
ASAN_BUILD ?= build-asan
PORT       ?= 7000
# `make run` starts 3 masters + 3 replicas on BASE_PORT..BASE_PORT+5.
BASE_PORT  ?= $(PORT)

# Sanitizer findings must fail the run, not scroll by.
export UBSAN_OPTIONS = halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS = detect_leaks=1:abort_on_error=0

.PHONY: all deps build run stop run-node stop-node test unit asan-unit integration integration-asan bench clean

all: build

# Debian packages, then the npm packages of tests/js (ioredis) when missing.
deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	@scripts/run-cluster $(BUILD) $(BASE_PORT)

stop:
	@scripts/stop-cluster $(BASE_PORT)

# One standalone node, as `make run` did before the cluster.
run-node: build
	@scripts/run-node $(BUILD)/node/shoal-server $(PORT)

stop-node:
	@scripts/stop-node $(PORT)

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Djemalloc=false

unit: build
	meson test -C $(BUILD) --suite unit --suite fuzz --print-errorlogs

asan-unit: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	meson test -C $(ASAN_BUILD) --suite unit --suite fuzz --print-errorlogs

integration: build
	SHOAL_SERVER=$(CURDIR)/$(BUILD)/node/shoal-server /usr/bin/python3 -m pytest -q tests/integration

# The same suite against the ASan+UBSan server: memory errors and leaks at
# exit fail the run (each test checks the server exits 0).
integration-asan: asan-unit
	SHOAL_SERVER=$(CURDIR)/$(ASAN_BUILD)/node/shoal-server /usr/bin/python3 -m pytest -q tests/integration

test: build unit asan-unit integration integration-asan

bench: build
	tools/bench/compare

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
