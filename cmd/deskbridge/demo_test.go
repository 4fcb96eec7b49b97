package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/internal/demodata"
	"github.com/deskbridge/deskbridge/support"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realApp is an app with the real registry and captured output.
func realApp(env map[string]string) *testApp {
	a := newTestApp(env, nil)
	a.open = support.Open
	return a
}

// The demo runs offline, without flags, against the simulators; a small
// one here (the default is 3,000 people, about 6 s) in every direction.
func TestDemo(t *testing.T) {
	for _, dir := range [][2]string{
		{"tidio", "respondio"}, {"respondio", "tidio"}, {"tidio", "tidysupport"},
		{"tidysupport", "tidio"}, {"respondio", "tidysupport"}, {"tidysupport", "respondio"},
	} {
		t.Run(dir[0]+"-"+dir[1], func(t *testing.T) {
			a := realApp(nil)
			args := []string{"demo", "--from", dir[0], "--to", dir[1], "--contacts", "100"}
			if dir == [2]string{"tidio", "respondio"} {
				args = []string{"demo", "--contacts", "100"} // the default direction
			}
			code := a.exec(context.Background(), args...)
			out := a.out.String()
			if code != exitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, a.errOut.String())
			}
			for _, want := range []string{
				"offline, against simulators running in this process",
				"people entered twice, with emails differing only in case",
				"scaled ×",
				"Migrated: " + title(t, dir[0]) + " → " + title(t, dir[1]) + ", strategy ",
				"0 emails held twice",
				"answered 0 of all requests with 429",
				"Nothing lost, nothing doubled",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			m := regexp.MustCompile(`Second run: (\d+) skipped .*, (\d+) failed again; the .* simulator received (\d+) write requests`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no second-run line:\n%s", out)
			}
			if m[2] == "0" && m[3] != "0" {
				t.Errorf("second run with nothing failed sent %s writes", m[3])
			}
			if !strings.Contains(a.errOut.String(), "done: ") {
				t.Errorf("no progress line on stderr: %q", a.errOut.String())
			}
			if dir == [2]string{"tidio", "respondio"} {
				// Warnings grouped by field, failures with the vendor's
				// message.
				for _, want := range []string{
					"Warnings (fields the target could not hold as given), by field:",
					"external_id ",
					"has no country code",
					"respond.io requires a first name to create a contact",
					"\n  " + firstNameHint + "\n",
				} {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
			}
		})
	}
}

// title is how messages name the vendor called name.
func title(t *testing.T, name string) string {
	t.Helper()
	v, err := lookupVendor("vendor", name)
	require.NoError(t, err)
	return v.title
}

// signalWriter is a buffer that says when a string has been written.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startSandbox runs "deskbridge sandbox" with args until the test ends,
// and returns the variables it exports and what it printed.
func startSandbox(t *testing.T, args ...string) (map[string]string, string) {
	t.Helper()
	a := realApp(nil)
	out := &signalWriter{want: "Serving until interrupted", seen: make(chan struct{})}
	a.stdout = out
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- a.run(ctx, append([]string{"sandbox"}, args...)) }()
	select {
	case <-out.seen:
	case code := <-done:
		cancel()
		t.Fatalf("sandbox ended with %d: %s\n%s", code, out.String(), a.errOut.String())
	}
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("sandbox exit %d", code)
		}
	})
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`export\s+(\w+)=(\S+)`).FindAllStringSubmatch(out.String(), -1) {
		env[m[1]] = m[2]
	}
	return env, out.String()
}

// The sandbox serves the three simulators until interrupted, and the
// variables it prints make the other commands use them.
func TestSandbox(t *testing.T) {
	env, printed := startSandbox(t, "--contacts", "120")
	for _, v := range vendors {
		for _, e := range v.env {
			if _, ok := env[e.name]; !ok && !e.optional {
				t.Errorf("sandbox does not export %s:\n%s", e.name, printed)
			}
		}
		if !strings.HasPrefix(env[baseURLVar(v)], "http://127.0.0.1:") {
			t.Errorf("%s base URL %q", v.name, env[baseURLVar(v)])
		}
	}
	for _, v := range vendors {
		c := realApp(env)
		if code := c.exec(context.Background(), "contacts", "list", "--vendor", v.name, "--limit", "0", "--json"); code != exitOK {
			t.Fatalf("contacts list %s: exit %d: %s", v.name, code, c.errOut.String())
		}
		if n := strings.Count(c.out.String(), `"id":`); n < 100 {
			t.Errorf("%s: %d contacts listed from the sandbox", v.name, n)
		}
	}
	c := realApp(env)
	state := t.TempDir() + "/s.db"
	if code := c.exec(context.Background(), "migrate", "--from", "tidysupport", "--to", "tidio", "--state", state, "--json"); code != exitOK && code != exitNotMigrated {
		t.Fatalf("migrate against the sandbox: exit %d: %s", code, c.errOut.String())
	}
	if !strings.Contains(c.out.String(), `"complete": true`) {
		t.Errorf("report: %s", c.out.String())
	}
}

// With --shared-phones, some different people share a phone. respond.io
// holds one contact per phone, so the second of each pair is not in it;
// migrating Tidio (which holds both) into it finds that person by phone
// only, with another email: an identity conflict each, counted and listed,
// never an update of the first person.
func TestSandboxSharedPhonesAreConflicts(t *testing.T) {
	const n = 1200 // people 1002 and 1102 have the phones of 2 and 102
	data := demodata.New(n, 7, true)
	require.Equal(t, 2, data.SharedPhones)
	env, _ := startSandbox(t, "--contacts", fmt.Sprint(n), "--shared-phones")

	a := realApp(env)
	code := a.exec(context.Background(), "migrate", "--from", "tidio", "--to", "respondio", "--state", t.TempDir()+"/s.db", "--json")
	require.Equal(t, exitNotMigrated, code, "conflicts are records not migrated: %s", a.errOut.String())
	var rep struct {
		Complete          bool `json:"complete"`
		Conflicts         int  `json:"conflicts"`
		IdentityConflicts []struct {
			SourceID     string           `json:"source_id"`
			TargetID     string           `json:"target_id"`
			Key          support.MatchKey `json:"key"`
			Contradicted support.MatchKey `json:"contradicted"`
		} `json:"identity_conflicts"`
	}
	require.NoError(t, json.Unmarshal(a.out.Bytes(), &rep), a.out.String())
	assert.True(t, rep.Complete)
	assert.Equal(t, data.SharedPhones, rep.Conflicts)
	require.Len(t, rep.IdentityConflicts, data.SharedPhones)
	for _, c := range rep.IdentityConflicts {
		assert.Equal(t, support.MatchPhone, c.Key, "found by the shared phone")
		assert.Contains(t, []support.MatchKey{support.MatchEmail, support.MatchExternalID}, c.Contradicted)
		assert.NotEmpty(t, c.TargetID)
	}

	// The people found by the shared phone kept their own emails.
	list := realApp(env)
	require.Equal(t, exitOK, list.exec(context.Background(), "contacts", "list", "--vendor", "respondio", "--limit", "0", "--json"))
	listed := strings.ToLower(list.out.String())
	for _, i := range []int{2, 102} {
		assert.Contains(t, listed, personEmail(t, data, i), "person %d keeps the email", i)
	}
	for _, i := range []int{1002, 1102} {
		assert.NotContains(t, listed, personEmail(t, data, i), "person %d was not merged into another", i)
	}
}

// personEmail returns the email of generated person i, whose address
// ends in i just before the "@" (first.last<i>@domain).
func personEmail(t *testing.T, data *demodata.Data, i int) string {
	t.Helper()
	for _, in := range data.Source {
		local, _, _ := strings.Cut(in.Email, "@")
		digits := strings.TrimLeftFunc(local, func(r rune) bool { return r < '0' || r > '9' })
		if digits == fmt.Sprint(i) {
			return strings.ToLower(in.Email)
		}
	}
	t.Fatalf("no generated person %d", i)
	return ""
}

func TestSandboxRefusesOtherHosts(t *testing.T) {
	if _, err := listen("0.0.0.0:0"); err == nil {
		t.Fatal("listened on every interface")
	}
	l, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}

// The matrix of the real adapters, as the README shows it, has a column
// per vendor and is what they declare.
func TestCurrentCapabilityMatrix(t *testing.T) {
	md, err := currentCapabilityMatrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| operation | tidio | respondio | tidysupport |\n",
		"| contacts.create_batch | ✓ | ✓ | ✓ |\n",
		"| largest batch | 100 | 1 | 1 |\n",
		"| create with a duplicate | always new | refused (email or phone) | returns the existing (email) |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("matrix lacks %q:\n%s", want, md)
		}
	}
}
