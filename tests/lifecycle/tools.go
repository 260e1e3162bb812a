//go:build tools

// Package tools pins the lifecycle command so that `go install` builds it from this module.
package tools

import _ "github.com/buildpacks/lifecycle/cmd/lifecycle"
