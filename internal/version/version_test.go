package version

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromBuildInfo(t *testing.T) {
	cases := map[string]struct {
		bi   *debug.BuildInfo
		want Info
	}{
		"no build info": {nil, Info{Version: "devel"}},
		"own binary, work tree": {&debug.BuildInfo{
			Main: debug.Module{Path: Module, Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"},
			},
		}, Info{Version: "devel", Commit: "abc123", Modified: true}},
		"own binary, go install @v0.3.0": {&debug.BuildInfo{
			Main: debug.Module{Path: Module, Version: "v0.3.0"},
		}, Info{Version: "v0.3.0"}},
		"a dependency": {&debug.BuildInfo{
			Main:     debug.Module{Path: "example.com/app", Version: "(devel)"},
			Deps:     []*debug.Module{{Path: "golang.org/x/time", Version: "v0.5.0"}, {Path: Module, Version: "v0.4.1"}},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "app-commit"}},
		}, Info{Version: "v0.4.1"}},
		"a replaced dependency": {&debug.BuildInfo{
			Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: Module, Version: "v0.4.1", Replace: &debug.Module{Path: "../deskbridge"}}},
		}, Info{Version: "v0.4.1"}},
		"not a dependency": {&debug.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: "v1.0.0"}}, Info{Version: "devel"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, c.want, fromBuildInfo(c.bi, c.bi != nil))
		})
	}
}

func TestUserAgent(t *testing.T) {
	ua := UserAgent()
	assert.True(t, strings.HasPrefix(ua, "deskbridge/"+Get().Version+" "), ua)
	assert.Contains(t, ua, Module)
}
