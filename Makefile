# Rounds: `make demo` runs the product; `make test` passes the tests. Both set up a bare machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
LS_VENV := .venv-labelstudio
LS_VERSION := 1.23.2
CHROMIUM ?= /usr/bin/chromium
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
TEST_WORKERS ?= 2

.PHONY: demo test lint format bench install browser labelstudio clean

$(STAMP): requirements/dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements/dev.txt
	touch $@

install: $(STAMP)

# Debian's Chromium drives the browser tests (Playwright's own download cannot be used here).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian chromium"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "Chromium not found: install it with 'sudo apt-get install -y chromium'"; exit 1; fi; }

# Label Studio pins its own Django: it lives in a venv of its own, used only by the bridge tests.
labelstudio: $(LS_VENV)/.installed-$(LS_VERSION)
$(LS_VENV)/.installed-$(LS_VERSION):
	test -x $(LS_VENV)/bin/python || $(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install -q --upgrade pip uv
	$(LS_VENV)/bin/uv pip install -q --python $(LS_VENV)/bin/python "label-studio==$(LS_VERSION)"
	touch $@

demo: $(STAMP)
	@$(BIN)/python scripts/demo.py --host $(DEMO_HOST) --port $(DEMO_PORT)

# Two passes: most tests on both cores, then the ones that restart services or share one
# Label Studio server, alone. PYTEST_ARGS narrows both (e.g. PYTEST_ARGS=tests/curation).
test: $(STAMP) browser labelstudio
	@eval "$$(scripts/services.sh)" && export CHROMIUM=$(CHROMIUM) LABEL_STUDIO_VENV=$(LS_VENV) && \
	  $(BIN)/pytest -n $(TEST_WORKERS) -m "not faults and not labelstudio" $(PYTEST_ARGS); a=$$?; \
	  $(BIN)/pytest -m "faults or labelstudio" $(PYTEST_ARGS); b=$$?; \
	  for rc in $$a $$b; do [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@eval "$$(scripts/services.sh)" && $(BIN)/python benchmarks/run.py

clean:
	rm -rf var .pytest_cache
