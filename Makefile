# orgpick — see README.md. `make run` serves http://localhost:3000 on the embedded Stytch
# emulator; `make test` runs every test (the browser suite too when Chromium is installed).
GO ?= go
export CGO_ENABLED := 1

.PHONY: run test check generate vet fuzz bench emulator build e2e-instances

# run: quiet unless something needs doing (templ's info lines read like instructions).
run:
	@$(GO) tool templ generate -log-level error
	@$(GO) run ./cmd/web

emulator:
	$(GO) run ./cmd/stytch-emulator

build: generate
	$(GO) build -o bin/orgpick ./cmd/web
	$(GO) build -o bin/stytch-emulator ./cmd/stytch-emulator

generate:
	$(GO) tool templ generate -log-level error

vet:
	$(GO) vet ./...

# test: generated templ code must be in sync with the .templ files (checked by content, so it
# works outside a git checkout too), vet clean, then every test with
# the race detector (fuzz seed corpora run as ordinary tests), then the browser suite verbosely so
# each journey shows its JS-on and JS-off runs (it says so when it skips for lack of Chromium).
# The browser suite runs without -race, and so does the server binary it builds: the handler
# tests above already run the same server code under the race detector (in process, through
# the real SDK, with t.Parallel), and a race-instrumented server and test binary make every
# browser step several times slower. `make e2e-instances` still runs it with -race.
# -parallel 4: journeys (two runs each, one server process and one tab per run) wait on the
# browser far more than they compute, so 4 at once keep a 2-core machine busy without
# starving each other (8 was slower here).
test:
	@templsum() { find . -name '*_templ.go' -not -path './.git/*' | sort | xargs sha256sum | sha256sum; }; \
	before=$$(templsum); $(GO) tool templ generate >/dev/null || exit 1; \
	if [ "$$before" != "$$(templsum)" ]; then \
		echo "generated templ code was stale (it does not match the .templ files); 'make test' regenerated it: commit the *_templ.go changes" >&2; exit 1; \
	fi
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 8m $$($(GO) list ./... | grep -v '/cmd/web/e2e$$')
	$(GO) test -count=1 -timeout 15m -parallel 4 -v ./cmd/web/e2e/

check: test

# e2e-instances: the browser suite with every journey served by two app processes on one
# PostgreSQL database and one shared emulator, behind a proxy alternating requests between them
# (cmd/web/e2e, E2E_INSTANCES). Needs PostgreSQL (TEST_DATABASE_URL); not part of `make test`.
e2e-instances:
	E2E_INSTANCES=2 $(GO) test -race -count=1 -timeout 20m -v ./cmd/web/e2e/

# fuzz: explore beyond the seed corpora for a while (not part of `make test`).
fuzz:
	$(GO) test ./handlers -run '^$$' -fuzz FuzzParseEmail -fuzztime 30s
	$(GO) test ./handlers -run '^$$' -fuzz FuzzLinkParams -fuzztime 30s
	$(GO) test ./handlers -run '^$$' -fuzz FuzzCreateOrgForm -fuzztime 30s
	$(GO) test ./handlers -run '^$$' -fuzz FuzzSlugify -fuzztime 30s
	$(GO) test ./handlers -run '^$$' -fuzz FuzzParseDomains -fuzztime 30s
	$(GO) test ./handlers -run '^$$' -fuzz FuzzParsePhone -fuzztime 30s
	$(GO) test ./store -run '^$$' -fuzz FuzzSessionCodec -fuzztime 30s

# bench: the Stytch call budget test, the handler benchmarks (allocations, Stytch calls per op),
# then a load run of the real binary (cmd/loadgen: req/s, latency, calls, RSS). See docs/benchmarks.md.
bench:
	$(GO) test -count=1 -run '^TestStytchCallBudget$$' -bench . -benchmem ./handlers
	$(GO) run ./cmd/loadgen
