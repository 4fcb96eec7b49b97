package main

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/deskbridge/deskbridge/internal/version"
)

func runVersion(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("version", `
Usage: deskbridge version [--json]
       deskbridge --version

Prints which deskbridge this is: its version (a release tag such as v0.3.0,
a pseudo-version, or "devel" for a build whose version was not recorded),
the commit it was built from when the build recorded it ("modified": with
uncommitted changes), and the Go version and platform it was built for.
Include it in bug reports. deskbridge sends the version to vendors too, in
its User-Agent.`)
	js := fs.Bool("json", false, "print the same as a JSON object")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	b := currentBuild()
	if *js {
		return writeJSON(a.stdout, b)
	}
	writeBuild(a.stdout, b)
	return nil
}

// build is what 'deskbridge version' reports.
type build struct {
	// Version is the module version, "devel" when not recorded.
	Version string `json:"version"`
	// Commit is the VCS revision, "" when not recorded.
	Commit string `json:"commit"`
	// Modified reports uncommitted changes in the work tree built.
	Modified bool `json:"modified"`
	// Go is the Go version that built the binary, such as "go1.24.1".
	Go string `json:"go"`
	// Platform is the operating system and architecture, "linux/amd64".
	Platform string `json:"platform"`
}

// currentBuild describes the running binary.
func currentBuild() build {
	v := version.Get()
	return build{
		Version:  v.Version,
		Commit:   v.Commit,
		Modified: v.Modified,
		Go:       runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
}

// writeBuild prints b as 'deskbridge version' does: the version, the
// commit when known, then the Go version and platform.
func writeBuild(w io.Writer, b build) {
	fmt.Fprintf(w, "deskbridge %s\n", b.Version)
	if b.Commit != "" {
		modified := ""
		if b.Modified {
			modified = " (modified)"
		}
		fmt.Fprintf(w, "commit %s%s\n", b.Commit, modified)
	}
	fmt.Fprintf(w, "built with %s for %s\n", b.Go, b.Platform)
}
