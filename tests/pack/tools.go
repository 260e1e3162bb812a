//go:build tools

// Package tools pins the pack CLI (built with `go build github.com/buildpacks/pack`).
package tools

import _ "github.com/buildpacks/pack"
