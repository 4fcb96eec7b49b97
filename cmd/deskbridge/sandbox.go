package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"text/tabwriter"

	"github.com/deskbridge/deskbridge/internal/demodata"
)

func runSandbox(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("sandbox", `
Usage: deskbridge sandbox [--port N] [--contacts N] [--shared-phones]

Serves the Tidio, respond.io and TidySupport simulators on loopback ports,
seeded with demo data, and prints their base URLs, test credentials and the
environment variables that point 'deskbridge migrate' (or the library, or any
program in any language) at them. Runs until interrupted (Ctrl-C).

The simulators behave like the vendors' documented APIs: auth, paths, paging,
dedup rules, validation, error bodies, and rate limits (scaled up, as printed).
Everything is kept in memory and forgotten on exit.

The seeded people have distinct emails and distinct phones. With
--shared-phones, one in every hundred (from the 1,000th on) gets the phone of
someone else with another email, as a family line or a switchboard would:
migrating them shows the identity rule, each reported as a conflict and
never merged into the other person.`)
	port := fs.Int("port", 0, "serve Tidio on `N`, respond.io on N+1, TidySupport on N+2 (default: free ports)")
	n := fs.Int("contacts", 200, "people to seed into each simulator (respond.io and TidySupport hold fewer: see the demo)")
	shared := fs.Bool("shared-phones", false, "give some different people the same phone (see above)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *port < 0 || *port > 65533 {
		return usagef("--port must be between 1 and 65533")
	}
	if *n < 0 || *n > 100_000 {
		return usagef("--contacts must be between 0 and 100000")
	}
	data := demodata.New(*n, 7, *shared)
	var sims []*simulator
	defer func() {
		for _, s := range sims {
			s.Close()
		}
	}()
	for i, v := range vendors {
		o := simOptions{Seed: uint64(i + 1)}
		if *port > 0 {
			o.Listen = net.JoinHostPort("127.0.0.1", strconv.Itoa(*port+i))
		}
		s, err := startSimulator(v.name, o)
		if err != nil {
			return err
		}
		sims = append(sims, s)
		s.define("plan")
		held := 0
		for _, in := range data.Source {
			if s.seed(in) {
				held++
			}
		}
		w := a.stdout
		fmt.Fprintf(w, "%s simulator: %s (%d contacts)\n", v.title, s.URL, held)
		fmt.Fprintf(w, "  rate limit: %s\n", s.limit)
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		for _, e := range v.env {
			if val, ok := s.env[e.name]; ok {
				fmt.Fprintf(tw, "  export\t%s=%s\n", e.name, val)
			}
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	fmt.Fprintln(a.stdout, "With those variables set, try:\n  deskbridge contacts list --vendor tidio\n  deskbridge migrate --from tidio --to respondio --state sandbox.db")
	fmt.Fprintln(a.stdout, "\nServing until interrupted (Ctrl-C).")
	<-ctx.Done()
	fmt.Fprintln(a.stderr, "deskbridge sandbox: stopped.")
	return nil
}

// listen listens on addr, which must be a loopback address: the sandbox's
// credentials are public test values, and the simulators are for this
// machine only.
func listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("bad address %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usagef("%s is not a loopback address", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return l, nil
}
