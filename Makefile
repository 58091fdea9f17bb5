# claude-trace: `make run` starts the pipeline, `make test` runs every test.
# Each target first installs what is missing (scripts/install-deps.sh).
BUILD ?= build
JOBS  ?= $(shell nproc)
CMAKE_FLAGS ?=

# What BUILD is configured with. CMake runs only when BUILD has no cache yet or
# these arguments differ from the ones it was configured with (each build
# directory remembers its own, so `make asan` and `make test` do not undo each
# other); otherwise `cmake --build` re-runs CMake itself when a CMakeLists.txt
# changed. A change configures afresh: a flag left out is reset, not kept.
CONFIGURE_ARGS := $(strip -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS))
shell_quote = '$(subst ','\'',$(1))'

.PHONY: all deps configure build test unit-test system-test bench fuzz run demo stop clean asan tsan FORCE

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/configure-args: FORCE
	@mkdir -p $(BUILD)
	@printf '%s\n' $(call shell_quote,$(CONFIGURE_ARGS)) > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(BUILD)/CMakeCache.txt: $(BUILD)/configure-args | deps
	@rm -f $@
	@cmake -S . -B $(BUILD) $(CONFIGURE_ARGS) >/dev/null || { rm -f $<; exit 1; }

configure: $(BUILD)/CMakeCache.txt

build: configure
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

# libFuzzer (clang) build of tests/fuzz in its own dir; every target runs
# FUZZ_SECONDS over its seeds and the corpus kept in build-fuzz/fuzz/corpus.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh --fuzz
	@$(MAKE) --no-print-directory configure BUILD=build-fuzz \
	  CMAKE_FLAGS="-DTRACE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo"
	@cmake --build build-fuzz --target fuzz_targets -j $(JOBS)
	@scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

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
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
