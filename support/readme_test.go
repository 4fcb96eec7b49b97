package support_test

import (
	"context"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/support"
)

// readmeSection returns the text of the repository's README between
// <!-- name:start --> and <!-- name:end -->.
func readmeSection(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	start, end := "<!-- "+name+":start -->", "<!-- "+name+":end -->"
	_, rest, ok := strings.Cut(string(b), start)
	require.True(t, ok, "README.md has no %s marker", start)
	section, _, ok := strings.Cut(rest, end)
	require.True(t, ok, "README.md has no %s marker after %s", end, start)
	return section
}

// exampleBody returns the body of the function name in example_test.go,
// unindented by one tab, as it is shown in documentation.
func exampleBody(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "example_test.go", src, parser.ParseComments)
	require.NoError(t, err)
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != name || fn.Recv != nil {
			continue
		}
		body := string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
		lines := strings.Split(strings.Trim(body, "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimPrefix(l, "\t")
		}
		return strings.Join(lines, "\n")
	}
	t.Fatalf("example_test.go has no func %s", name)
	return ""
}

// The README's quickstart is the body of Example, which runs (with its
// output checked) in this package's tests: the two cannot drift apart.
func TestREADMEQuickstartIsExample(t *testing.T) {
	section := readmeSection(t, "quickstart")
	_, block, ok := strings.Cut(section, "```go\n")
	require.True(t, ok, "the quickstart section has no ```go block")
	block, _, ok = strings.Cut(block, "\n```")
	require.True(t, ok, "the quickstart's ```go block is not closed")

	want := exampleBody(t, "Example")
	if block == want {
		return
	}
	got, exp := strings.Split(block, "\n"), strings.Split(want, "\n")
	for i := range max(len(got), len(exp)) {
		g, e := "(end of block)", "(end of body)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(exp) {
			e = exp[i]
		}
		if g != e {
			t.Fatalf("README.md's quickstart differs from Example's body in support/example_test.go at line %d:\nREADME:  %q\nExample: %q\n(copy the body of Example, unindented by one tab, into the README)", i+1, g, e)
		}
	}
}

// registryAdapter is what the registry-keys test needs of an adapter: its
// Config type, and a running simulator with the settings it needs there.
type registryAdapter struct {
	config reflect.Type
	// simulator starts one and returns its settings (base URL, no pacing)
	// and the required keys' values for it.
	simulator func(t *testing.T) (settings, credentials map[string]any)
}

var registryAdapters = map[string]registryAdapter{
	tidio.Vendor: {reflect.TypeFor[tidio.Config](), func(t *testing.T) (map[string]any, map[string]any) {
		s := tidiotest.NewServer(tidiotest.Options{})
		t.Cleanup(s.Close)
		return map[string]any{"baseURL": s.URL, "requestsPerMinute": "-1"},
			map[string]any{"clientID": tidiotest.ClientID, "clientSecret": tidiotest.ClientSecret}
	}},
	respondio.Vendor: {reflect.TypeFor[respondio.Config](), func(t *testing.T) (map[string]any, map[string]any) {
		s := respondiotest.NewServer(respondiotest.Options{})
		t.Cleanup(s.Close)
		return map[string]any{"baseURL": s.URL(), "rateLimit": "-1"},
			map[string]any{"token": respondiotest.Token}
	}},
	tidysupport.Vendor: {reflect.TypeFor[tidysupport.Config](), func(t *testing.T) (map[string]any, map[string]any) {
		s := tidysupporttest.NewServer(tidysupporttest.Options{})
		t.Cleanup(s.Close)
		return map[string]any{"baseURL": s.URL, "rateLimit": "+Inf"},
			map[string]any{"apiKey": tidysupporttest.APIKey, "workspaceID": tidysupporttest.WorkspaceID}
	}},
	memory.Vendor: {reflect.TypeFor[memory.Config](), func(*testing.T) (map[string]any, map[string]any) {
		return map[string]any{"pageSize": "10"}, map[string]any{}
	}},
}

// readmeKeys parses the README's table of registry keys: per adapter, the
// required and the optional keys.
func readmeKeys(t *testing.T) map[string][2][]string {
	t.Helper()
	tick := regexp.MustCompile("`([^`]*)`")
	note := regexp.MustCompile(`\([^)]*\)`) // "(ci_…)", "(60 on Plus, ...)": not keys
	keys := func(cell string) []string {
		var out []string
		for _, m := range tick.FindAllStringSubmatch(note.ReplaceAllString(cell, ""), -1) {
			out = append(out, m[1])
		}
		return out
	}
	rows := map[string][2][]string{}
	for line := range strings.Lines(readmeSection(t, "registry-keys")) {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 3 {
			continue
		}
		name := keys(cells[0])
		if len(name) != 1 {
			continue // the header and the separator
		}
		rows[name[0]] = [2][]string{keys(cells[1]), keys(cells[2])}
	}
	return rows
}

// fieldNames returns the exported field names of a Config struct: the keys
// support.DecodeConfig accepts.
func fieldNames(typ reflect.Type) []string {
	var names []string
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() {
			names = append(names, strings.ToLower(f.Name))
		}
	}
	slices.Sort(names)
	return names
}

// The README's table names every key each adapter's registry entry takes,
// and only those; the required ones are required; and keys ignore case:
// opened with them upper- or lower-cased, each adapter reads from its
// simulator.
func TestREADMERegistryKeys(t *testing.T) {
	rows := readmeKeys(t)
	names := slices.Sorted(maps.Keys(registryAdapters))
	require.Equal(t, names, slices.Sorted(maps.Keys(rows)), "the README's registry-keys table lists other adapters")

	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ad, row := registryAdapters[name], rows[name]
			var listed []string
			for _, k := range slices.Concat(row[0], row[1]) {
				listed = append(listed, strings.ToLower(k))
			}
			slices.Sort(listed)
			assert.Equal(t, fieldNames(ad.config), listed, "the README's keys for %s (left: %s's fields)", name, ad.config)

			ctx := context.Background()
			settings, creds := ad.simulator(t)
			required := slices.Sorted(maps.Keys(creds))
			assert.Equal(t, strings.ToLower(strings.Join(required, ",")), strings.ToLower(strings.Join(row[0], ",")),
				"the README's required keys for %s", name)

			for _, k := range required {
				cfg := merged(settings, creds)
				delete(cfg, k)
				_, err := support.Open(ctx, name, cfg)
				assert.ErrorIs(t, err, support.ErrInvalid, "%s opened without %s", name, k)
			}
			for _, fold := range []func(string) string{strings.ToUpper, strings.ToLower} {
				cfg := map[string]any{}
				for k, v := range merged(settings, creds) {
					cfg[fold(k)] = v
				}
				p, err := support.Open(ctx, name, cfg)
				require.NoError(t, err, "keys %v", slices.Sorted(maps.Keys(cfg)))
				_, err = p.ListContacts(ctx, support.ContactListOptions{})
				require.NoError(t, err, "%s opened with keys as %s", name, fold("Keys"))
			}
		})
	}
}

// merged returns a new map holding the entries of both.
func merged(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// The examples this package's documentation shows (go doc -http,
// pkg.go.dev) are attached to the calls apps use most, and each runs with
// its output checked: go/doc drops an example whose name matches no
// exported identifier, and one without an Output comment is only compiled.
func TestSupportExamplesDocumented(t *testing.T) {
	fset := token.NewFileSet()
	var files []*ast.File
	matches, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, m := range matches {
		if strings.HasSuffix(m, "_test.go") && m != "example_test.go" {
			continue
		}
		f, err := parser.ParseFile(fset, m, nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/deskbridge/deskbridge/support")
	require.NoError(t, err)

	shown := map[string][]*doc.Example{"": pkg.Examples}
	for _, f := range pkg.Funcs {
		shown[f.Name] = f.Examples
	}
	for _, typ := range pkg.Types {
		shown[typ.Name] = typ.Examples
		for _, f := range typ.Funcs {
			shown[f.Name] = f.Examples
		}
		for _, m := range typ.Methods {
			shown[typ.Name+"."+m.Name] = m.Examples
		}
	}
	for _, name := range []string{"", "Client.UpsertContact", "AllContacts", "Client.UpdateContact", "Error",
		"IdentityConflict", "Client.Passthrough", "Client.SendMessage", "Client.CreateContacts", "Open"} {
		exs := shown[name]
		if assert.NotEmpty(t, exs, "no example shown for %q", name) {
			for _, ex := range exs {
				assert.NotEmpty(t, ex.Output, "the example of %q (Example%s) has no // Output: and does not run", name, ex.Name)
			}
		}
	}
}
