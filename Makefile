# Quick start: `make demo` summarizes the bundled example story; `make test` runs the whole test suite.
# Both create .venv with Python 3.11 and install what they need, so they work on a fresh machine.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test lint bench eval train train-stories clean chromium bench-service bench-stories bench-shapes bench-learning

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/tomtat summarize examples/story --format markdown

test: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench

# The browser test drives Debian's chromium (Playwright cannot download browsers here); CI runs this first.
chromium:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# Core benchmarks: latency, whole-process speed and memory against sumy, ROUGE table against the
# baselines; rewrites its section of docs/benchmarks.md (a few minutes).
bench: $(STAMP_DEV)
	$(BIN)/python bench/bench_core.py

# Refit the shipped sentence ranker on AbMuSu train (deterministic; see docs/model.md).
train: $(STAMP_RUN)
	OMP_NUM_THREADS=1 $(BIN)/tomtat train --data ../shared/data/abmusu/train.jsonl -o src/tomtat/models/ranker.txt

# Refit the story-grouping pair score on AbMuSu train (deterministic; see docs/stories.md).
train-stories: $(STAMP_RUN)
	OMP_NUM_THREADS=1 $(BIN)/tomtat train-stories --data ../shared/data/abmusu/train.jsonl -o src/tomtat/models/pairs.json

# Validation ROUGE of tomtat and lead per input shape (as given, no line breaks, no title/sapo, both);
# rewrites its section of docs/benchmarks.md (under a minute).
bench-shapes: $(STAMP_DEV)
	$(BIN)/python bench/bench_shapes.py

# Learning curve of the ranker: 5-fold CV on train with a quarter .. all of the training stories, two
# splits; rewrites its section of docs/benchmarks.md (about 10 minutes on 2 cores).
bench-learning: $(STAMP_DEV)
	$(BIN)/python bench/bench_learning.py

# Load benchmark of the HTTP service; rewrites its section of docs/benchmarks.md (about 140 s).
bench-service: $(STAMP_DEV)
	$(BIN)/python bench/bench_service.py

# Stories: grouping quality on pooled AbMuSu (5 shuffles) and ingest throughput / peak memory at
# 1k, 10k and 100k synthetic articles; rewrites its section of docs/benchmarks.md (about 10 minutes).
bench-stories: $(STAMP_DEV)
	$(BIN)/python bench/bench_stories.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
