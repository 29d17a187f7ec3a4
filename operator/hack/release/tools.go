//go:build tools

// Package tools pins the release pipeline's Go tools: cosign (signs and verifies
// the image and the chart), the distribution registry (the tests' OCI registry,
// with TLS) and actionlint (lints .github/workflows). One module, so a version
// bump is one `go get` here and one line in ../controlplane/versions.env.
package tools

import (
	_ "github.com/distribution/distribution/v3/cmd/registry"
	_ "github.com/rhysd/actionlint/cmd/actionlint"
	_ "github.com/sigstore/cosign/v3/cmd/cosign"
)
