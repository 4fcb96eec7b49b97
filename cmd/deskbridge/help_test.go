package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/internal/version"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/help/*.golden from the current output")

// transcript is a command line run as a person sees it: the command, its
// exit code and what it printed on each stream.
func transcript(t *testing.T, args ...string) (code int, stdout, stderr, text string) {
	t.Helper()
	a := newTestApp(fullEnv, nil)
	code = a.exec(context.Background(), args...)
	require.Empty(t, a.configs, "%v opened a vendor", args)
	var b strings.Builder
	fmt.Fprintf(&b, "$ %s\nexit %d\n", strings.Join(append([]string{"deskbridge"}, args...), " "), code)
	if s := a.out.String(); s != "" {
		fmt.Fprintf(&b, "-- stdout --\n%s", s)
	}
	if s := a.errOut.String(); s != "" {
		fmt.Fprintf(&b, "-- stderr --\n%s", s)
	}
	return code, a.out.String(), a.errOut.String(), b.String()
}

// golden compares got with testdata/help/name.golden, or rewrites the file
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "help", name+".golden")
	if *updateGolden {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: run go test ./cmd/deskbridge -run 'TestHelp|TestUsage' -update")
	assert.Equal(t, string(want), got, "%s differs; if the change is intended, run go test ./cmd/deskbridge -run 'TestHelp|TestUsage' -update", path)
}

// helpCommands are the command lines whose help has a golden file: the
// top level, every command, and the subcommands.
func helpCommands() [][]string {
	lines := [][]string{{}}
	for _, c := range commands() {
		lines = append(lines, []string{c.name})
	}
	return append(lines, []string{"contacts", "list"}, []string{"events", "listen"}, []string{"events", "kinds"})
}

// Help goes to stdout, once, only when asked for, with exit 0; -h, --help,
// 'help command', '-h command' and '--help command' print the same, and
// 'help --help' and 'help -h' the top-level help.
func TestHelpGolden(t *testing.T) {
	for _, cmd := range helpCommands() {
		name := "help"
		if len(cmd) > 0 {
			name += "-" + strings.Join(cmd, "-")
		}
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr, text := transcript(t, append(cmd, "--help")...)
			assert.Equal(t, exitOK, code)
			assert.Empty(t, stderr)
			assert.Equal(t, 1, countUsage(stdout), "the help is printed once:\n%s", stdout)
			golden(t, name, text)
			others := [][]string{append(cmd, "-h"), append([]string{"help"}, cmd...),
				append([]string{"-h"}, cmd...), append([]string{"--help"}, cmd...)}
			if len(cmd) == 0 {
				others = append(others, []string{"help", "--help"}, []string{"help", "-h"}, []string{"help", "help"})
			}
			for _, other := range others {
				code, out, errOut, _ := transcript(t, other...)
				assert.Equal(t, exitOK, code, "%v", other)
				assert.Empty(t, errOut, "%v", other)
				assert.Equal(t, stdout, out, "%v prints another help than --help", other)
			}
		})
	}
}

// countUsage counts the lines of s that start a help ("Usage:").
func countUsage(s string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "Usage:") {
			n++
		}
	}
	return n
}

// A mistake on the command line is one line on stderr naming what was
// typed, with a hint when something close exists, and where the help is;
// nothing on stdout; exit 2.
func TestUsageErrorsGolden(t *testing.T) {
	for name, args := range map[string][]string{
		"no-command":              nil,
		"unknown-command":         {"migrat", "--from", "tidio"},
		"unknown-command-far":     {"frobnicate"},
		"help-unknown-command":    {"help", "capability"},
		"flag-before-command":     {"--from", "tidio", "migrate"},
		"top-level-flag-typo":     {"--verison"},
		"unknown-flag":            {"migrate", "--frm", "tidio", "--to", "respondio", "--state", "m.db"},
		"unknown-flag-one-dash":   {"migrate", "-frm=tidio"},
		"unknown-flag-far":        {"migrate", "--colour"},
		"unknown-flag-prefix":     {"sandbox", "--webhook", "http://localhost:8080"},
		"unknown-flag-sub":        {"contacts", "list", "--vendr", "tidio"},
		"missing-value":           {"migrate", "--to", "respondio", "--from"},
		"missing-value-flag":      {"migrate", "--from", "--to", "respondio"},
		"bad-int":                 {"migrate", "--from", "tidio", "--concurrency", "x"},
		"bad-duration":            {"migrate", "--every", "5"},
		"bad-bool":                {"migrate", "--dry-run=maybe"},
		"bool-with-value":         {"migrate", "--from", "tidio", "--to", "respondio", "--dry-run", "false"},
		"stray-argument":          {"migrate", "--from", "tidio", "--to", "respondio", "--state", "m.db", "extra"},
		"stray-argument-sub":      {"version", "now"},
		"after-parse-sub":         {"contacts", "list", "--limit", "-1", "--vendor", "tidio"},
		"missing-required":        {"migrate", "--to", "respondio", "--state", "m.db"},
		"unknown-subcommand":      {"events", "lisen"},
		"unknown-subcommand-2":    {"contacts", "lst"},
		"unknown-subcommand-far":  {"events", "frobnicate"},
		"help-unknown-subcommand": {"-h", "contacts", "lst"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr, text := transcript(t, args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout, "a usage error prints no help")
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if assert.Len(t, lines, 1, "one line: %s", stderr) {
				assert.Regexp(t, `^deskbridge[a-z ]*: .* \(see 'deskbridge [a-z ]*--help'\)$`, lines[0])
			}
			golden(t, "error-"+name, text)
		})
	}
}

// The flags are named as typed, and a hint names the closest flags,
// commands or subcommands.
func TestDidYouMean(t *testing.T) {
	flags := []string{"help", "from", "to", "state", "dry-run", "json", "verify", "verify-sample", "concurrency", "webhook-url", "webhook-faults"}
	for typed, want := range map[string]string{
		"--frm":            "did you mean --from?",
		"--form":           "did you mean --from?", // a transposition is one edit
		"-frm":             "did you mean --from?",
		"---from":          "did you mean --from?",
		"--JSON":           "did you mean --json?",
		"--dryrun":         "did you mean --dry-run?",
		"--cocurrency":     "did you mean --concurrency?",
		"--verify-samples": "did you mean --verify-sample?", // a typo beats a prefix
		"--state-file":     "did you mean --state?",
		"--ver":            "did you mean --verify or --verify-sample?",
		"--webhook":        "did you mean --webhook-url or --webhook-faults?",
		"--hlep":           "did you mean --help?",
		"-v":               "",
		"--colour":         "",
		"--xyz":            "",
		"--":               "",
	} {
		assert.Equal(t, want, didYouMean(typed, flags, "--"), typed)
	}
	assert.Equal(t, "did you mean capabilities?", didYouMean("capability", commandNames(), ""))
	assert.Equal(t, "did you mean listen?", didYouMean("lisen", []string{"listen", "kinds"}, ""))
	assert.Equal(t, "", didYouMean("frobnicate", commandNames(), ""))
}

// parse accepts what the flag package accepts (one or two dashes, =,
// negative numbers as values, -- ending the flags), and takes positional
// arguments among the flags only for the commands that take any.
func TestParse(t *testing.T) {
	newSet := func() (*flag.FlagSet, *string, *int, *bool) {
		a := &app{stdout: &bytes.Buffer{}}
		fs := a.newFlags("x", "Usage: deskbridge x")
		return fs, fs.String("from", "", "source"), fs.Int("limit", 100, "at most `N`"), fs.Bool("json", false, "JSON")
	}
	fs, from, limit, js := newSet()
	require.NoError(t, parse(fs, []string{"-from", "tidio", "--limit", "-1", "--json"}, false))
	assert.Equal(t, "tidio", *from)
	assert.Equal(t, -1, *limit)
	assert.True(t, *js)
	assert.Empty(t, fs.Args())

	fs, from, _, js = newSet()
	require.NoError(t, parse(fs, []string{"a", "--from=tidio", "b", "--json=false", "--", "--limit", "c"}, true))
	assert.Equal(t, "tidio", *from)
	assert.False(t, *js)
	assert.Equal(t, []string{"a", "b", "--limit", "c"}, fs.Args())

	fs, _, _, _ = newSet()
	err := parse(fs, []string{"--", "x"}, false)
	var ue *usageError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, `unexpected argument "x"`, ue.msg)

	fs, from, _, _ = newSet()
	require.ErrorAs(t, parse(fs, []string{"--from=", "--limit", "1e3"}, false), &ue)
	assert.Equal(t, `invalid value "1e3" for --limit: want a whole number`, ue.msg)
	assert.Equal(t, "", *from)
}

// A default is shown unless it is its type's zero value, and is shown as
// given even after the flag was set.
func TestHelpShowsDefaults(t *testing.T) {
	var out bytes.Buffer
	a := &app{stdout: &out}
	fs := a.newFlags("x", "Usage: deskbridge x")
	fs.String("to", "respondio", "target")
	fs.String("from", "", "source")
	fs.Int("contacts", 3000, "people")
	fs.Int("concurrency", 0, "writes")
	fs.Duration("every", 0, "interval")
	fs.Bool("json", false, "JSON")
	require.ErrorIs(t, parse(fs, []string{"--to", "tidio", "--help"}, false), flag.ErrHelp)
	assert.Equal(t, `Usage: deskbridge x

Flags:
  --concurrency int
      writes
  --contacts int
      people (default 3000)
  --every duration
      interval
  --from string
      source
  --json
      JSON
  --to string
      target (default "respondio")
`, out.String())
}

// 'deskbridge version' prints the build's version, commit and Go version;
// --version is the same; --json has the same facts.
func TestVersion(t *testing.T) {
	code, stdout, stderr, _ := transcript(t, "version")
	require.Equal(t, exitOK, code, stderr)
	var want bytes.Buffer
	writeBuild(&want, currentBuild())
	assert.Equal(t, want.String(), stdout)
	assert.True(t, strings.HasPrefix(stdout, "deskbridge "+version.Get().Version+"\n"), stdout)

	_, top, _, _ := transcript(t, "--version")
	assert.Equal(t, stdout, top)

	code, stdout, _, _ = transcript(t, "version", "--json")
	require.Equal(t, exitOK, code)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	b := currentBuild()
	assert.Equal(t, map[string]any{"version": b.Version, "commit": b.Commit, "modified": b.Modified, "go": b.Go, "platform": b.Platform}, got)

	for _, tc := range []struct {
		b    build
		want string
	}{
		{build{Version: "v0.3.0", Go: "go1.24.1", Platform: "linux/amd64"},
			"deskbridge v0.3.0\nbuilt with go1.24.1 for linux/amd64\n"},
		{build{Version: "devel", Commit: "c2cd3d3", Modified: true, Go: "go1.24.1", Platform: "darwin/arm64"},
			"deskbridge devel\ncommit c2cd3d3 (modified)\nbuilt with go1.24.1 for darwin/arm64\n"},
		{build{Version: "v0.0.0-20250101000000-c2cd3d3aaaaa", Commit: "c2cd3d3", Go: "go1.24.1", Platform: "linux/amd64"},
			"deskbridge v0.0.0-20250101000000-c2cd3d3aaaaa\ncommit c2cd3d3\nbuilt with go1.24.1 for linux/amd64\n"},
	} {
		var got bytes.Buffer
		writeBuild(&got, tc.b)
		assert.Equal(t, tc.want, got.String())
	}
}

// The exit codes are documented in the top-level help, in migrate's (the
// command that can end with each of them), and in the README, in the same
// words.
func TestExitCodesDocumented(t *testing.T) {
	for _, cmd := range [][]string{{"--help"}, {"migrate", "--help"}} {
		_, stdout, _, _ := transcript(t, cmd...)
		assert.Contains(t, stdout, exitCodesHelp, "%v", cmd)
	}
	for code := exitOK; code <= exitNotMigrated; code++ {
		assert.Contains(t, exitCodesHelp, fmt.Sprintf("\n  %d  ", code))
	}
	assert.Equal(t, "```\n"+strings.TrimPrefix(exitCodesHelp, "\n")+"\n```\n", readmeBlock(t, "exit-codes"),
		"README.md's exit codes differ from the help's")
}

// A mistyped subcommand gets the same hint as a mistyped command.
func TestUnknownSubcommandSuggests(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"events", "lisen"}, `deskbridge events: unknown subcommand "lisen"; did you mean listen? (see 'deskbridge events --help')` + "\n"},
		{[]string{"events", "kind"}, `deskbridge events: unknown subcommand "kind"; did you mean kinds? (see 'deskbridge events --help')` + "\n"},
		{[]string{"contacts", "lst"}, `deskbridge contacts: unknown subcommand "lst"; did you mean list? (see 'deskbridge contacts --help')` + "\n"},
		{[]string{"contacts", "show"}, `deskbridge contacts: unknown subcommand "show"; the subcommands are list (see 'deskbridge contacts --help')` + "\n"},
	} {
		code, stdout, stderr, _ := transcript(t, tc.args...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Empty(t, stdout, "%v", tc.args)
		assert.Equal(t, tc.want, stderr, "%v", tc.args)
	}
}
