# The README's two commands are `make run` and `make test`; both call `make install`,
# which skips every step that is already done (stamp files under .venv/ and var/).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint eval bench demo es-install browser-install clean

install: $(STAMP) es-install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Java (if missing) and the Elasticsearch server from Maven Central; a no-op when present.
es-install: $(STAMP)
	$(BIN)/labourwatch es install

# Debian's Chromium and a CJK font for the browser tests (apt-get, never a downloaded
# browser); a no-op when present.
browser-install: $(STAMP)
	$(BIN)/python -m tests.chromium

run: install
	$(BIN)/labourwatch run

test: install browser-install
	$(BIN)/ruff check .
	$(BIN)/pytest

# Quality on the shared real data, beside the reference tools (floors: bench/eval_floors.yaml).
eval: $(STAMP)
	$(BIN)/python -m bench.eval

# Offline demo: serve the fixture website on loopback, crawl it, search it (data in var/demo).
demo: install
	$(BIN)/python -m tests.site.demo

# Throughput with in-run baselines; BENCH_DOCS=300 BENCH_INDEX_DOCS=2000 for a quick look.
BENCH_DOCS ?= 3000
BENCH_PAGES ?= 5000
BENCH_INDEX_DOCS ?= 100000
BENCH_TRACE_ARTICLES ?= 100000
bench: install
	$(BIN)/python -m bench.bench_pipeline --docs $(BENCH_DOCS)
	$(BIN)/python -m bench.bench_crawl --pages $(BENCH_PAGES)
	$(BIN)/python -m bench.bench_nlp
	$(BIN)/python -m bench.bench_index --docs $(BENCH_INDEX_DOCS)
	$(BIN)/python -m bench.bench_trace --articles $(BENCH_TRACE_ARTICLES)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build *.egg-info
