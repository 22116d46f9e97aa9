# make demo / make test work on a fresh machine with only Python >= 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: demo test install lint format bench lock clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing llmwatch and its pinned dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# llmwatch on PATH: a link to the virtualenv's command in $(BINDIR) (default ~/.local/bin)
BINDIR ?= $(HOME)/.local/bin
install: $(STAMP)
	@mkdir -p "$(BINDIR)" && ln -sf "$(CURDIR)/$(BIN)/llmwatch" "$(BINDIR)/llmwatch"
	@echo "linked $(BINDIR)/llmwatch -> $(CURDIR)/$(BIN)/llmwatch"
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; *) echo "note: $(BINDIR) is not on PATH; add it, or run $(CURDIR)/$(BIN)/llmwatch";; esac

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run.py

lock: $(STAMP)  # after changing a pin in pyproject.toml: re-resolve and record every version
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check > constraints.txt

clean:
	rm -rf $(VENV) .demo .pytest_cache .ruff_cache .mypy_cache
