# orgpick — see README.md. `make run` serves http://localhost:3000 on the embedded Stytch
# emulator; `make test` runs every test (the browser suite too when Chromium is installed).
GO ?= go
export CGO_ENABLED := 1

.PHONY: run test check generate vet fuzz bench emulator build

run: generate
	$(GO) run ./cmd/web

emulator:
	$(GO) run ./cmd/stytch-emulator

build: generate
	$(GO) build -o bin/orgpick ./cmd/web
	$(GO) build -o bin/stytch-emulator ./cmd/stytch-emulator

generate:
	$(GO) tool templ generate

vet:
	$(GO) vet ./...

# test: generated templ code must be committed and in sync, vet clean, then every test with
# the race detector (fuzz seed corpora run as ordinary tests).
test:
	$(GO) tool templ generate
	git diff --exit-code -- '*_templ.go' || (echo "generated templ code is stale: run 'make generate' and commit" >&2; exit 1)
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 8m ./...

check: test

# fuzz: explore beyond the seed corpora for a while (not part of `make test`).
fuzz:
	$(GO) test ./handlers -run '^$$' -fuzz FuzzParseEmail -fuzztime 30s
	$(GO) test ./handlers -run '^$$' -fuzz FuzzLinkParams -fuzztime 30s
	$(GO) test ./handlers -run '^$$' -fuzz FuzzCreateOrgForm -fuzztime 30s
	$(GO) test ./handlers -run '^$$' -fuzz FuzzSlugify -fuzztime 30s

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./handlers
