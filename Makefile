# Servin build, test, conformance and benchmark entry points.
GO        ?= go
PREFIX    ?= /usr/local
BINDIR    := bin
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/servin/servin/libservin/version.Version=$(VERSION)
TOOLS     := $(notdir $(wildcard cmd/*))
CROSS_OS  := linux darwin windows

.PHONY: all build install demo test unit conformance conformance-runtime conformance-registry cross bench bench-runtime bench-image bench-unpack bench-registry bench-frontend clean

all: build

build:
	@mkdir -p $(BINDIR)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BINDIR)/ ./cmd/...
	# servin itself is static: `run --init` copies it into containers as their init
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BINDIR)/ ./cmd/servin
	# servin-run is static too (cgo, glibc): no dynamic loader or libc.so to map
	# in each of its two processes per container (~0.5 ms and ~0.5 MB each)
	$(GO) build -trimpath -tags osusergo,netgo -ldflags '$(LDFLAGS) -linkmode external -extldflags -static' -o $(BINDIR)/ ./cmd/servin-run

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(addprefix $(BINDIR)/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/

# the README's main job: run a container from a busybox bundle
demo: build
	BINDIR=$(CURDIR)/$(BINDIR) bash scripts/demo.sh

# unit + root integration tests, then the conformance suites with their ratchet floors
test: build unit conformance

unit:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) -C conformance/runtime test

conformance: conformance-runtime conformance-registry

conformance-runtime: build
	$(MAKE) -C conformance/runtime run RUNTIME=$(CURDIR)/$(BINDIR)/servin-run

conformance-registry: build
	$(MAKE) -C conformance/registry run SERVIN_REGISTRY=$(CURDIR)/$(BINDIR)/servin-registry

cross:
	@for os in $(CROSS_OS); do \
		echo "GOOS=$$os GOARCH=amd64 go build ./cmd/..."; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=amd64 $(GO) build -o /dev/null ./cmd/... || exit 1; \
	done

bench: bench-runtime bench-image bench-unpack bench-registry bench-frontend

bench-runtime: build
	bash bench/runtime.sh

bench-image: build
	bash bench/image.sh

bench-unpack: build
	bash bench/unpack.sh

bench-registry: build
	bash bench/registry.sh

bench-frontend: build
	bash bench/frontend.sh

clean:
	rm -rf $(BINDIR) conformance/runtime/work conformance/registry/work
