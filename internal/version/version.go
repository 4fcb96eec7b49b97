// Package version reports which deskbridge is running, from the build
// information the Go toolchain embeds in every binary: the module version
// (a release tag such as v0.3.0, a pseudo-version, or "devel" for a build
// from a work tree) and, for builds from a work tree, the VCS commit.
package version

import (
	"runtime/debug"
	"sync"
)

// Module is deskbridge's module path.
const Module = "github.com/deskbridge/deskbridge"

// Info is what the build information says about deskbridge.
type Info struct {
	// Version is the module version, or "devel" when the toolchain recorded
	// none (a build or test from a work tree).
	Version string
	// Commit is the VCS revision of a build from a work tree ("" when not
	// recorded, as in tests and in programs that import deskbridge as a
	// dependency, whose Version says which release it is).
	Commit string
	// Modified reports a build from a work tree with uncommitted changes.
	Modified bool
}

var (
	once sync.Once
	info Info
)

// Get returns the Info of the running binary.
func Get() Info {
	once.Do(func() {
		bi, ok := debug.ReadBuildInfo()
		info = fromBuildInfo(bi, ok)
	})
	return info
}

// fromBuildInfo finds deskbridge in bi: the main module when the binary is
// deskbridge's own (the CLI, its tests), else the dependency of that path.
func fromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	in := Info{Version: "devel"}
	if !ok || bi == nil {
		return in
	}
	mod := &bi.Main
	if mod.Path != Module {
		mod = nil
		for _, d := range bi.Deps {
			if d.Path == Module {
				mod = d
				if d.Replace != nil && d.Replace.Version != "" {
					mod = d.Replace
				}
				break
			}
		}
	}
	if mod != nil && mod.Version != "" && mod.Version != "(devel)" {
		in.Version = mod.Version
	}
	if mod == &bi.Main {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Commit = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	return in
}

// UserAgent is the User-Agent deskbridge sends to vendors:
// "deskbridge/<version> (+https://github.com/deskbridge/deskbridge)", so
// that a vendor's logs (and support staff) can tell which library made a
// request.
func UserAgent() string {
	return "deskbridge/" + Get().Version + " (+https://" + Module + ")"
}
