// Package proc reports the container runtime; without kaniko there is none to use.
package proc

// ContainerRuntime names a runtime.
type ContainerRuntime string

// RuntimeNotFound means no container runtime was detected.
const RuntimeNotFound ContainerRuntime = "not-found"

// GetContainerRuntime always reports RuntimeNotFound, so the extender stops before kaniko.
func GetContainerRuntime(_, _ int) ContainerRuntime {
	return RuntimeNotFound
}
