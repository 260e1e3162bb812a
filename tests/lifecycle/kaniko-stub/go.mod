module github.com/osscontainertools/kaniko

go 1.26

require github.com/google/go-containerregistry v0.21.9
