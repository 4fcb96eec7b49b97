package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/deskbridge/deskbridge/support"
)

// envChildArgs holds, as JSON, the command line of a child process that
// runs the CLI (see TestMain).
const envChildArgs = "DESKBRIDGE_CLI_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(envChildArgs); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(runMain(a))
	}
	os.Exit(m.Run())
}

// Ctrl-C in the middle of a migration: the CLI (this test binary, running
// runMain as the real binary does) gets SIGINT at the 40th write to the
// target, stops, exits 1 and says how to resume; the same command then
// finishes the migration without losing or doubling anyone.
func TestCtrlCLeavesAResumableState(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src, err := startSimulator("tidio", simOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var child atomic.Pointer[os.Process]
	var writes atomic.Int32
	dst, err := startSimulator("respondio", simOptions{Seed: 2, Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && !strings.HasSuffix(r.URL.Path, "/contact/list") && writes.Add(1) == 40 {
				if p := child.Load(); p != nil {
					_ = p.Signal(os.Interrupt)
				}
			}
			h.ServeHTTP(w, r)
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	const n = 300
	for i := range n {
		src.seed(support.ContactInput{FirstName: "Person", LastName: fmt.Sprint(i), Email: fmt.Sprintf("p%d@example.com", i)})
	}
	state := filepath.Join(t.TempDir(), "state.db")
	args, _ := json.Marshal([]string{"migrate", "--from", "tidio", "--to", "respondio", "--state", state})
	env := append(os.Environ(), envChildArgs+"="+string(args))
	for k, v := range src.env {
		env = append(env, k+"="+v)
	}
	for k, v := range dst.env {
		env = append(env, k+"="+v)
	}
	run := func() (int, string, string) {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		child.Store(cmd.Process)
		_ = cmd.Wait()
		child.Store(nil)
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}

	code, out, errOut := run()
	if code != exitFailed || !strings.Contains(errOut, "interrupted. The state file "+state+" is consistent: run the same command again") {
		t.Fatalf("interrupted run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "NOT complete") {
		t.Errorf("interrupted run's summary:\n%s", out)
	}
	if got := dst.count(); got == 0 || got >= n {
		t.Fatalf("the interrupted run stored %d contacts; want some, not all", got)
	}
	code, out, errOut = run()
	if code != exitOK || !strings.Contains(out, "resumed") {
		t.Fatalf("resumed run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	seen := map[string]bool{}
	for _, e := range dst.emails() {
		if seen[strings.ToLower(e)] {
			t.Fatalf("%s doubled", e)
		}
		seen[strings.ToLower(e)] = true
	}
	if len(seen) != n {
		t.Fatalf("respond.io holds %d contacts, want %d", len(seen), n)
	}
}
