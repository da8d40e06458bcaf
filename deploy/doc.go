// Package deploy holds the tests of the deployment files beside it
// (compose/, kubernetes/): they are decoded strictly and checked against the
// service's own configuration (server.Config, server.LoadConfig).
//
// It is a module of its own so that k8s.io/api and sigs.k8s.io/yaml stay out
// of the service's go.mod; `go test ./...` at the repository root does not
// descend here, so CI runs `(cd deploy && go test ./...)` too.
package deploy
