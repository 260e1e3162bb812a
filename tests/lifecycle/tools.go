//go:build tools

// Package tools pins the lifecycle commands (the phases and the launcher) so that `go install`
// builds them from this module.
package tools

import (
	_ "github.com/buildpacks/lifecycle/cmd/launcher"
	_ "github.com/buildpacks/lifecycle/cmd/lifecycle"
)
