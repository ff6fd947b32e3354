# churnd: `make run` sets up this checkout and runs the daemon on it; `make test` runs every test.
SWIFT ?= swift
BIN := .build/debug/churnd

.PHONY: run test deps build release demo setup install uninstall bench validate clean

# The main job: the daemon on this checkout (embedded defaults: SQLite registry, ./watch, ./inbox, ./outbox),
# trained on sample data at start.
run: deps build setup
	$(BIN) run

deps:
	@scripts/install-deps

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
# test uses Swift Testing, so XCTest's empty "Executed 0 tests" summary is left out.
SWIFTFLAGS ?=
test: deps
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	$(SWIFT) test --skip-build --no-parallel --disable-xctest

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
