//go:build tools

// Package lint pins golangci-lint, which `make lint` runs. It is a separate
// module so that the linter's large dependency graph never enters the
// plugin's own go.mod.
package lint

import (
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
)
