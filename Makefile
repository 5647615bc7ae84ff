# rotor — every set-up step is in these targets and the scripts they call; all are idempotent.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_TEST := node --test --test-concurrency=1

RUST_SRC := $(shell find src -name '*.rs') Cargo.toml Cargo.lock .cargo/config.toml
PKG_STAMP := pkg/gen/.stamp

.PHONY: help pkg test test-rust lint test-package test-node test-runtimes test-workerd test-browser demo bench fuzz fuzz-smoke soak setup clean

help:
	@echo "make demo   — build everything and run the demo on workerd (prints the URL)"
	@echo "make test   — install what is missing, build, and run every test"
	@echo "make pkg    — build the npm package into pkg/"
	@echo "make bench  — benchmarks against the peers (prints a table)"
	@echo "make fuzz   — run each fuzz target for a bounded time"
	@echo "make soak   — 60 s sustained load against the workerd issuer (memory, 5xx, purge)"

setup:
	@source scripts/lib.sh && ensure_node_modules && ensure_chromium

pkg: $(PKG_STAMP) pkg/README.md pkg/LICENSE-MIT pkg/LICENSE-APACHE

# The package's README and licences are the repository's (copied; git-ignored in pkg/).
pkg/README.md pkg/LICENSE-MIT pkg/LICENSE-APACHE: pkg/%: %
	cp $< $@

$(PKG_STAMP): $(wildcard $(RUST_SRC)) scripts/build-wasm.sh scripts/lib.sh package-lock.json
	scripts/build-wasm.sh
	scripts/pkg-size.sh
	@touch $@

test: lint test-rust fuzz-smoke pkg test-package test-node test-runtimes test-workerd test-browser
	@echo "rotor: all test suites passed"

lint:
	cargo fmt --all -- --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --lib --no-default-features -- -D warnings
	cargo clippy --quiet --lib --features lint-wasm -- -D warnings
	cargo clippy --quiet --lib --no-default-features --features lint-wasm -- -D warnings
	cargo clippy --quiet --lib --no-default-features --features jwt,lint-wasm -- -D warnings
	cargo clippy --quiet --lib --no-default-features --features dpop,lint-wasm -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps
	scripts/typecheck.sh

# The tarball as published: README and licences in it, publint --strict, attw --profile esm-only.
test-package: pkg
	scripts/check-package.sh

test-rust:
	cargo test --quiet
	cargo test --quiet --lib --no-default-features
	cargo test --quiet --lib --no-default-features --features lint-wasm wasm::

# tests/js: Node only; tests/workerd: real workerd; tests/browser: headless Chromium / Firefox.
test-node: pkg
	@source scripts/lib.sh && ensure_node_modules
	$(NODE_TEST) tests/js/
	# The issuer suites again with refresh tokens delivered as cookies (tests/support/delivery.mjs).
	ROTOR_REFRESH_DELIVERY=cookie $(NODE_TEST) tests/js/issuer.test.mjs

# The vector suites in Deno (no permission flags) and Bun.
test-runtimes: pkg
	@source scripts/lib.sh && ensure_node_modules && ensure_runtimes
	$(NODE_TEST) tests/runtimes/

test-workerd: pkg
	@source scripts/lib.sh && ensure_node_modules
	$(NODE_TEST) tests/workerd/
	ROTOR_REFRESH_DELIVERY=cookie $(NODE_TEST) tests/workerd/issuer.test.mjs

test-browser: pkg setup
	$(NODE_TEST) tests/browser/

demo: pkg setup
	node www/serve.mjs

bench: pkg setup
	bench/run.sh

fuzz:
	scripts/fuzz.sh $${FUZZ_SECONDS:-60}

soak: pkg setup
	ROTOR_SOAK_SECONDS=$${ROTOR_SOAK_SECONDS:-60} $(NODE_TEST) tests/workerd/load.test.mjs

fuzz-smoke:
	scripts/fuzz.sh 10

clean:
	rm -rf target pkg/gen pkg/README.md pkg/LICENSE-MIT pkg/LICENSE-APACHE www/dist
