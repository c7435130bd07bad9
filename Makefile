# roomcast: `make run` starts the all-in-one server, `make test` runs every
# test. Both install what is missing first (scripts/install-deps.sh).

GO      ?= go
BIN     := bin/roomcast
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LISTEN  ?= 127.0.0.1:8080
DATA    ?= ./data
export PATH := $(PATH):$(shell $(GO) env GOPATH)/bin

.PHONY: run test build deps test-deps lint bench soak fuzz clean vendor-hlsjs

# The all-in-one trial listens on loopback, so its WebRTC stays there too;
# a deployment sets webrtc.loopback_only: false and nat_1to1_ips instead.
# It may also stream to an RTMP server on this machine, which the outbound
# policy refuses by default (egress.allowed_networks).
run: deps build
	ROOMCAST_WEBRTC_LOOPBACK_ONLY=$${ROOMCAST_WEBRTC_LOOPBACK_ONLY:-true} \
	ROOMCAST_EGRESS_ALLOWED_NETWORKS=$${ROOMCAST_EGRESS_ALLOWED_NETWORKS-127.0.0.0/8,::1/128} \
	./$(BIN) serve --listen $(LISTEN) --data $(DATA)

deps:
	@./scripts/install-deps.sh

# The test peers built from source: MinIO (pinned in the script).
test-deps: deps
	@./scripts/install-minio.sh

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/roomcast

# The API, its job types (api/types) and the Go client (client) build
# without cgo: nothing under api or client may reach go-astiav or the codecs.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@deps=$$(CGO_ENABLED=0 $(GO) list -deps ./api/... ./client/...) || exit 1; \
	bad=$$(echo "$$deps" | grep -E '^(github.com/asticode/go-astiav|github.com/roomcast/roomcast/pipeline/codec)(/|$$)'); \
	if [ -n "$$bad" ]; then echo "api or client links cgo through:"; echo "$$bad"; exit 1; fi
	CGO_ENABLED=0 $(GO) build ./api/... ./client/...
	$(GO) mod tidy -diff

# Package tests run in parallel; the end-to-end tests then run alone, since
# they measure real-time delivery and a 2-core machine busy with other
# packages' tests would starve them. They never come from the test cache
# (-count=1): they build and run the roomcast binary, which the cache does
# not see change.
test: test-deps lint
	$(GO) test -race -timeout 10m $$($(GO) list ./... | grep -v /test/e2e)
	$(GO) test -race -count=1 -timeout 18m ./test/e2e/

# The control-API benchmark (about 20 s) runs last: it exits 1 when a
# key or token check's p99 is over 50 µs. Its JSON lands in bench/results.
bench: test-deps build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 150m ./bench/...
	$(GO) test -run '^$$' -bench RecordingUploads -benchtime 1x -timeout 10m ./egress/record/
	$(GO) run ./bench/controlapi -out bench/results/controlapi.json

# The long runs that make test does shortened: lip sync over ten minutes,
# an RTMP target's server down for 90 s, NATS down for 3 minutes under webhooks.
soak: test-deps
	ROOMCAST_SOAK=1 $(GO) test -count=1 -timeout 30m -run 'TestCompositeLipSync|TestEgressTargetOutage|TestWebhooksNATSOutage|TestRecordS3OutageSpool' -v ./test/e2e/

# A short fuzzing pass over every parser and depacketizer: each Fuzz target
# of every package, FUZZTIME each. Seed corpora live in testdata/fuzz.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# The console's player library, vendored and committed (web/static/vendor);
# this fetches it again from the npm registry (HLSJS_VERSION to change it).
vendor-hlsjs:
	./scripts/vendor-hlsjs.sh

clean:
	rm -rf bin
