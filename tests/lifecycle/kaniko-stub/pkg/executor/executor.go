// Package executor refuses to build: see the module README.
package executor

import (
	"errors"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/osscontainertools/kaniko/pkg/config"
)

// DoBuild always fails: this lifecycle build has no kaniko.
func DoBuild(_ *config.KanikoOptions) (v1.Image, error) {
	return nil, errors.New("this lifecycle was built without kaniko (the Go module proxy refuses it); apply Dockerfiles with podman or buildah instead of the extender")
}
