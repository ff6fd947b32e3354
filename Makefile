# churnd: `make run` sets up this checkout and runs the daemon on it; `make test` runs every test.
SWIFT ?= swift
BIN := .build/debug/churnd

.PHONY: run test deps test-deps build release demo setup install uninstall bench validate clean crash-sweep fuzz \
	sanitize sanitize-address sanitize-thread

# The main job: the daemon on this checkout (embedded defaults: SQLite registry, ./watch, ./inbox, ./outbox),
# trained on sample data at start.
run: deps build setup
	$(BIN) run

deps:
	@scripts/install-deps

# What the tests need besides: a headless browser, strace, and Python tools in .venv-test/.
test-deps:
	@scripts/install-deps --test

build:
	$(SWIFT) build --product churnd

release:
	$(SWIFT) build -c release --product churnd

# Folders, config and labeled sample data in watch/data (the daemon trains on it at start).
setup:
	$(BIN) init .
	@[ -e watch/data/sample.csv ] || $(BIN) gen-data --rows 50000 --seed 1 -o watch/data/sample.csv

# The tour in one go: daemon up, one file dropped, its scored file waited for, daemon stopped.
demo: deps build
	B=$(BIN) scripts/demo

# CI sets SWIFTFLAGS='-Xswiftc -warnings-as-errors' (.ci/run): a compiler warning in Sources/ or Tests/ fails the
# build. SwiftPM leaves the flag off dependencies, which it builds with warnings suppressed. --disable-xctest: every
# test uses Swift Testing, so XCTest's empty "Executed 0 tests" summary is left out. OMP_WAIT_POLICY=PASSIVE: the
# tests that train XGBoost in the test process get the waiting policy `churnd run` and `churnd train` set for
# themselves (with XGBoost's threads spinning, CrossValidationTests took 434 s beside other work at load 11; with
# passive waiting 29 s at the same load, 26 processor seconds, its tests run in parallel).
SWIFTFLAGS ?=
test: test-deps
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	OMP_WAIT_POLICY=PASSIVE $(SWIFT) test --skip-build --no-parallel --disable-xctest

# Kills the daemon with SIGKILL at the k-th call of each file-system syscall (k = 1…K, strace fault injection)
# and checks that every input ends with exactly one complete output (docs/operations.md#crash-safety).
# The test suite runs a short sweep; this is the full one.
K ?= 10
crash-sweep: test-deps build
	scripts/crash-sweep --k $(K)

# libFuzzer targets for the input parsers (fuzz/, seeds in fuzz/corpus/): each runs FUZZ_SECONDS. Inputs it
# finds go to $(FUZZ_SCRATCH)/corpus/, crashes to $(FUZZ_SCRATCH)/crashes/ (reproduce: the binary, then the file).
# FuzzConfigTOML runs without leak detection: TOMLKit leaks every parsed table, and checking for leaks after
# every input would slow it a hundredfold.
FUZZ_SECONDS ?= 60
FUZZ_SCRATCH ?= .build-fuzz
FUZZ_FLAGS ?=
FUZZ_TARGETS := FuzzCSVReader FuzzConfigTOML FuzzPredictionRecord FuzzLabelBatch
# The fuzz manifest names only ChurnCore's packages, so SwiftPM rewrites Package.resolved with those alone: the
# checkout's own is put back after the build (a later `make test` would otherwise resolve every package again).
fuzz: deps
	mkdir -p $(FUZZ_SCRATCH); rm -f $(FUZZ_SCRATCH)/main-Package.resolved; \
		[ ! -e Package.resolved ] || cp -p Package.resolved $(FUZZ_SCRATCH)/main-Package.resolved; \
		CHURND_FUZZ=1 $(SWIFT) build --scratch-path $(FUZZ_SCRATCH) --sanitize fuzzer --sanitize address \
			-Xswiftc -sanitize=fuzzer,address; status=$$?; \
		if [ -e $(FUZZ_SCRATCH)/main-Package.resolved ]; then mv $(FUZZ_SCRATCH)/main-Package.resolved Package.resolved; \
		else rm -f Package.resolved; fi; \
		exit $$status
	for target in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_SCRATCH)/corpus/$$target $(FUZZ_SCRATCH)/crashes; \
		leaks=1; [ $$target = FuzzConfigTOML ] && leaks=0; \
		$(FUZZ_SCRATCH)/debug/$$target -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
			-detect_leaks=$$leaks $(FUZZ_FLAGS) \
			-artifact_prefix=$(FUZZ_SCRATCH)/crashes/$$target- $(FUZZ_SCRATCH)/corpus/$$target \
			fuzz/corpus/$$target || exit 1; \
	done

# The whole suite under AddressSanitizer and ThreadSanitizer, each in its own build folder (the daemons the
# end-to-end tests start are the sanitized build too). Slow: the first build of each takes a while.
# ThreadSanitizer reads scripts/tsan-suppressions.txt, LeakSanitizer (part of AddressSanitizer)
# scripts/lsan-suppressions.txt (each line says why); the daemons the tests start inherit them. print_suppressions=0:
# LeakSanitizer would otherwise print its table of suppressions used to the standard error of every process that
# matched one at exit, after churnd's own last line (tests compare a command's standard error exactly and check
# that every journald line carries a priority). OMP_WAIT_POLICY as in `make test`. SANITIZE_TESTFLAGS runs part of
# the suite (`SANITIZE_TESTFLAGS="--filter EndToEndTests"`).
SANITIZE_SCRATCH ?= .build
SANITIZE_TESTFLAGS ?=
SANITIZE_ENV_thread := TSAN_OPTIONS="suppressions=$(CURDIR)/scripts/tsan-suppressions.txt $(TSAN_OPTIONS)"
SANITIZE_ENV_address := LSAN_OPTIONS="suppressions=$(CURDIR)/scripts/lsan-suppressions.txt print_suppressions=0 \
	$(LSAN_OPTIONS)"
sanitize: sanitize-address sanitize-thread
sanitize-address sanitize-thread: sanitize-%: test-deps
	$(SWIFT) build --scratch-path $(SANITIZE_SCRATCH)-$* --build-tests --sanitize $* $(SWIFTFLAGS)
	OMP_WAIT_POLICY=PASSIVE $(SANITIZE_ENV_$*) $(SWIFT) test --scratch-path $(SANITIZE_SCRATCH)-$* --skip-build \
		--sanitize $* --no-parallel --disable-xctest $(SANITIZE_TESTFLAGS)

install:
	scripts/install

# Stops and removes the service, binary and unit; keeps /etc/churnd and /var/lib/churnd
# (scripts/install --uninstall --purge removes them too).
uninstall:
	scripts/install --uninstall

# Formats with .swift-format and fails on a diff or a lint finding.
validate:
	scripts/validate

bench: release
	bench/latency.sh

clean:
	rm -rf .build state outbox/*.csv inbox/*.csv watch/data/*.csv
