# claude-trace: `make run` starts the pipeline, `make test` runs every test.
# Each target first installs what is missing (scripts/install-deps.sh).
BUILD ?= build
JOBS  ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test unit-test system-test bench run demo stop clean asan tsan

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

unit-test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE system

system-test: build
	@cd $(BUILD) && ctest --output-on-failure -L system

# Sanitizer build and full test run in its own build directory.
asan:
	@$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DTRACE_SANITIZE=address -DCMAKE_BUILD_TYPE=RelWithDebInfo"

tsan:
	@TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp $(TSAN_OPTIONS)" \
	  $(MAKE) test BUILD=build-tsan CMAKE_FLAGS="-DTRACE_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo"

bench: build
	@scripts/install-deps.sh --bench
	@scripts/bench.sh $(BUILD)

run: build
	@scripts/run.sh $(BUILD)

demo: build
	@scripts/run.sh $(BUILD) --demo

stop:
	@scripts/run.sh $(BUILD) --stop

clean:
	rm -rf $(BUILD) build-asan build-tsan
