// Package config declares the kaniko option types the lifecycle fills in.
package config

import "time"

// KanikoDir is where kaniko keeps its state.
var KanikoDir = "/kaniko"

// RegistryOptions is accepted and ignored.
type RegistryOptions struct{}

// CacheOptions carries the cache TTL.
type CacheOptions struct {
	CacheTTL time.Duration
}

// KanikoOptions mirrors the fields the lifecycle sets.
type KanikoOptions struct {
	BuildArgs         []string
	Cache             bool
	CacheOptions      CacheOptions
	CacheRunLayers    bool
	CacheCopyLayers   bool
	CacheRepo         string
	Cleanup           bool
	CustomPlatform    string
	DockerfilePath    string
	IgnorePaths       []string
	IgnoreVarRun      bool
	InitialFSUnpacked bool
	NoPush            bool
	Reproducible      bool
	SnapshotMode      string
	SrcContext        string
}
