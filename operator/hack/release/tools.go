//go:build tools

// Package tools pins the release pipeline's Go tools: cosign (signs and verifies
// the image and the chart) and actionlint (lints .github/workflows); the
// distribution registry (the tests' OCI registry, with TLS) is pinned by
// ./registry, our build of its command with the filesystem driver only. One
// module, so a version bump is one `go get` here and one line in
// ../controlplane/versions.env.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
	_ "github.com/sigstore/cosign/v3/cmd/cosign"
)
