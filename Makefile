# Moonbox. `make test` is what CI runs (see .ci/run).
GO          ?= go
GUEST_GO    := go1.26.8
GUEST       := sandbox/guest.wasm
GUEST_FLAGS := -buildmode=c-shared -trimpath -buildvcs=false -ldflags=-buildid=
FUZZTIME    ?= 20s

.PHONY: all build guest check-guest test test-short vet fmt-check bench fuzz stress clean console-shots

all: build

build:
	$(GO) build -o bin/moonbox ./cmd/moonbox

# guest rebuilds the embedded wasm guest. The build is reproducible with the
# pinned Go release: same sources, same bytes.
guest:
	@test "$$($(GO) env GOVERSION)" = "$(GUEST_GO)" || { echo "make guest needs $(GUEST_GO) (have $$($(GO) env GOVERSION))"; exit 1; }
	GOOS=wasip1 GOARCH=wasm $(GO) build $(GUEST_FLAGS) -o $(GUEST) ./sandbox/guest

# check-guest fails if the committed guest differs from a fresh build.
check-guest:
	@test "$$($(GO) env GOVERSION)" = "$(GUEST_GO)" || { echo "check-guest needs $(GUEST_GO) (have $$($(GO) env GOVERSION))"; exit 1; }
	@tmp=$$(mktemp -d) && \
	GOOS=wasip1 GOARCH=wasm $(GO) build $(GUEST_FLAGS) -o $$tmp/guest.wasm ./sandbox/guest && \
	if cmp -s $$tmp/guest.wasm $(GUEST); then echo "guest.wasm: reproducible, matches the committed file"; rm -rf $$tmp; \
	else echo "guest.wasm differs from a rebuild of sandbox/guest: run 'make guest' and commit it"; rm -rf $$tmp; exit 1; fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# vet skips third_party/gopher-lua: upstream's code, kept close to its
# release (MOONBOX.md); go test still runs its tests and vet's test checks.
vet:
	$(GO) vet $$($(GO) list ./... | grep -v /third_party/)
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./sandbox/guest ./sandbox/vm ./abi

test: fmt-check vet check-guest
	$(GO) test -race -timeout 20m ./...

test-short:
	$(GO) test -short ./...

bench:
	$(GO) run ./cmd/moonbox bench --quick

fuzz:
	$(GO) test -run NONE -fuzz FuzzValidate -fuzztime $(FUZZTIME) ./abi/
	$(GO) test -run NONE -fuzz FuzzRecords -fuzztime $(FUZZTIME) ./abi/
	$(GO) test -run NONE -fuzz FuzzSplit -fuzztime $(FUZZTIME) ./sandbox/internal/memimage/
	$(GO) test -run NONE -fuzz FuzzExpose -fuzztime $(FUZZTIME) ./sandbox/internal/memimage/
	$(GO) test -run NONE -fuzz FuzzImports -fuzztime $(FUZZTIME) ./sandbox/
	$(GO) test -run NONE -fuzz FuzzSpawnRequest -fuzztime $(FUZZTIME) ./host/
	$(GO) test -run NONE -fuzz FuzzCompile -fuzztime $(FUZZTIME) ./sandbox/vm/
	$(GO) test -run NONE -fuzz FuzzDecodeWaits -fuzztime $(FUZZTIME) ./sandbox/vm/
	$(GO) test -run NONE -fuzz FuzzParseConfig -fuzztime $(FUZZTIME) ./tenants/
	$(GO) test -run NONE -fuzz FuzzParse -fuzztime $(FUZZTIME) ./policies/
	$(GO) test -run NONE -fuzz FuzzParseConfig -fuzztime $(FUZZTIME) ./server/
	$(GO) test -run NONE -fuzz FuzzUnpack -fuzztime $(FUZZTIME) ./server/
	$(GO) test -run NONE -fuzz FuzzIngressJSON -fuzztime $(FUZZTIME) ./server/
	$(GO) test -run NONE -fuzz FuzzValue -fuzztime $(FUZZTIME) .

clean:
	rm -rf bin

# stress runs every attacker of examples/hostile next to a well-behaved
# tenant and checks the isolation properties (minutes; not part of make test).
stress:
	MOONBOX_STRESS=1 $(GO) test -run TestStress -v -timeout 30m ./cmd/moonbox/

# console-shots retakes docs/console-*.png: the console's browser test, with
# the sparklines given CONSOLE_WAIT to fill (needs chromium).
CONSOLE_WAIT ?= 150s
console-shots:
	MOONBOX_CONSOLE_SHOTS=$(CURDIR)/docs MOONBOX_CONSOLE_SHOTS_WAIT=$(CONSOLE_WAIT) $(GO) test -run TestConsoleBrowser -count=1 -timeout 15m ./server/
