# churnd: `make run` sets up and runs the main job in this checkout; `make test` runs every test.
SWIFT ?= swift
BIN := .build/debug/churnd

.PHONY: run test deps build release demo clean

run: deps build demo

deps:
	@scripts/install-deps

build:
	$(SWIFT) build --product churnd

release:
	$(SWIFT) build -c release --product churnd

# The main job on the embedded default: sample data in watch/data, a trained model, a scored inbox file.
demo:
	$(BIN) init .
	$(BIN) gen-data --rows 50000 --seed 1 -o watch/data/sample.csv
	$(BIN) train
	$(BIN) gen-data --rows 10000 --seed 2 --unlabeled -o inbox/customers.csv
	$(BIN) score inbox/customers.csv
	$(BIN) status
	@echo "scored file: outbox/customers.scored.csv (newest outbox/customers*.scored.csv when run again)"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

clean:
	rm -rf .build state outbox/*.csv inbox/*.csv watch/data/*.csv
