# Kabinet — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run stop test generate bundle-spec check-generated lint-spec vet build bench db-url psql

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

run: ## start PostgreSQL (unless DATABASE_URL is set), migrate, load demo data, serve on :8080
	@scripts/run.sh

stop: ## stop the project-local PostgreSQL
	@scripts/pg.sh stop

test: ## everything CI checks: generated code, vet, gofmt, spec lint, go test -race
	@scripts/test.sh

generate: ## bundle api/openapi.yaml from api/<domain>/, then regenerate gen/ from it and db/
	@scripts/bundle-spec.sh
	go tool oapi-codegen -config api/server.cfg.yaml api/openapi.yaml
	go tool oapi-codegen -config api/client.cfg.yaml api/openapi.yaml
	go tool sqlc generate

bundle-spec: ## only bundle api/root.yaml and api/<domain>/ into api/openapi.yaml
	@scripts/bundle-spec.sh

check-generated: ## fail when api/openapi.yaml or gen/ differs from what `make generate` makes
	@scripts/check-generated.sh

lint-spec: ## lint the OpenAPI spec (source and bundle) with Redocly's recommended rules (warnings fail)
	@scripts/lint-spec.sh

vet: ## go vet and gofmt
	go vet ./...
	@test -z "$$(gofmt -l cmd internal db scripts)" || { gofmt -l cmd internal db scripts; echo 'gofmt needed'; exit 1; }

build: ## build the binary into .bin/kabinet
	go build -o .bin/kabinet ./cmd/kabinet

bench: ## load-test GET /api/v1/me and login on loopback; results in .bench/
	@scripts/bench.sh

db-url: ## print the DATABASE_URL of the project-local PostgreSQL
	@scripts/pg.sh url

psql: ## open psql on the project-local database
	@scripts/pg.sh psql
