// The distribution registry as the tests run it: its own command (serve,
// garbage-collect) with the filesystem storage driver only. Upstream's
// cmd/registry also links the Azure, GCS and S3 drivers, CloudFront, the pull-
// through proxy and token auth, which none of our tests use: 578 packages to
// compile instead of 1009 (their SDKs were 158 of them), a cold build about half
// as long.
package main

import (
	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	// As upstream's main: the commands exit non-zero themselves on failure.
	_ = registry.RootCmd.Execute()
}
