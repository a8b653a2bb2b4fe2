//go:build tools

// This wrapper module pins the Pulumi CLI to one release. pkg/v3's own go.mod replaces sdk/v3 with a local path, so
// `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@vX` cannot work; requiring pkg/v3 and sdk/v3 at the same
// version from here (with pkg's one non-local replace copied) builds the same CLI from the Go module proxy alone.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
