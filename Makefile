# liveview: the two commands a developer needs are `make demo` and `make test`.
#
# npm installs the official JS client (phoenix, phoenix_live_view) and playwright-core from
# package-lock.json into node_modules/; the server serves the client from there.

CARGO ?= cargo
NPM ?= npm
NODE ?= node
# npm ci rewrites this file, so it is newer than the lock exactly when node_modules is fresh.
NODE_STAMP := node_modules/.package-lock.json

.PHONY: demo test npm-ci fmt-check clippy cargo-test doc layering examples browser-test bench bench-quick

## Serve the showcase on http://127.0.0.1:4000 (PORT overrides).
demo: $(NODE_STAMP)
	$(CARGO) run --release --example showcase

$(NODE_STAMP): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund

npm-ci:
	$(NPM) ci --no-audit --no-fund

## Everything CI checks, in order, stopping at the first failure.
test: npm-ci fmt-check clippy cargo-test doc layering examples browser-test

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

cargo-test:
	$(CARGO) test --workspace --all-features

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --all-features

# liveview-core does no network IO: no socket crates in its normal dependency tree.
# (The tree goes to a variable first so grep cannot cut cargo off mid-output.)
layering:
	@core_deps="$$($(CARGO) tree -p liveview-core -e normal)" || exit 1; \
	if printf '%s\n' "$$core_deps" | grep -E 'tiny_http|tungstenite'; then \
		echo "liveview-core must not depend on network IO crates" >&2; exit 1; \
	fi; \
	echo "layering: liveview-core has no network IO crates"

examples:
	$(CARGO) build --examples

# Drives /usr/bin/chromium against target/debug/examples/showcase (built by `examples`).
browser-test: $(NODE_STAMP)
	$(NODE) --test --test-concurrency=1 tests/browser/*.test.js

## Benchmarks: criterion (diff, render) and side-by-side load runs against the tungstenite
## echo floor and pyview; writes BENCHMARKS.md. `bench-quick` is a ~3 minute version.
bench:
	bash benches/run.sh

bench-quick:
	bash benches/run.sh --quick
