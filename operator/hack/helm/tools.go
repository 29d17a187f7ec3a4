//go:build tools

// Package tools pins helm's main packages: v4 (the tests' helm) and v3 (the
// chart must work with both). One module, so both share every dependency
// version, and a build of the second reuses most of the first's compiled
// packages.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
	_ "helm.sh/helm/v4/cmd/helm"
)
