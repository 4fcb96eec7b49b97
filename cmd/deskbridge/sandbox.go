package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/internal/demodata"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// The faults of 'sandbox --webhook-faults': one delivery in N has each.
const (
	webhookDuplicatesOneIn    = 10
	webhookOutOfOrderOneIn    = 10
	webhookBadSignaturesOneIn = 20
)

// webhookRetry is how long the sandbox's simulators wait before they try
// again deliveries the receiver did not accept.
const webhookRetry = 5 * time.Second

// activityCycle is the number of steps of one simulated conversation: it
// is started, the customer replies, and it is solved or closed.
const activityCycle = 5

func runSandbox(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("sandbox", `
Usage: deskbridge sandbox [--port N] [--contacts N] [--shared-phones]
                         [--webhook-url URL [--webhook-faults]] [--activity 5s]
                         [--tidio-accounts N] [--env-file FILE] [--config-file FILE]

Serves the Tidio, respond.io and TidySupport simulators on loopback ports,
seeded with demo data, and prints their base URLs, test credentials and the
environment variables that point 'deskbridge migrate' (or the library, or any
program in any language) at them. Runs until interrupted (Ctrl-C).

The simulators behave like the vendors' documented APIs: auth, paths, paging,
dedup rules, validation, error bodies, and rate limits (scaled up, as printed).
Everything is kept in memory and forgotten on exit. --env-file FILE writes
the export lines to FILE as well (mode 0600: 'source FILE').

With --tidio-accounts N, N Tidio projects are served, each with credentials
of its own (the second's are exported as TIDIO_2_CLIENT_ID, ...); the second
and later start empty. --config-file FILE writes a config file naming every
simulator's account (tidio-1, tidio-2, ..., respondio, tidysupport; tidio
with one project), reading the credentials from the exported variables, so
that two Tidio projects can be merged:
  deskbridge migrate --config FILE --from tidio-1 --to tidio-2 --state tidio.db

The seeded people have distinct emails and distinct phones. With
--shared-phones, one in every hundred (from the 1,000th on) gets the phone of
someone else with another email, as a family line or a switchboard would:
migrating them shows the identity rule, each reported as a conflict and
never merged into the other person.

With --webhook-url URL, the Tidio and TidySupport simulators send webhooks
for what happens in them to URL/tidio and URL/tidysupport, signed with the
secrets printed among the exports ('deskbridge events listen' reads them),
and try again every `+webhookRetry.String()+` while the receiver does not answer 2xx. Tidio sends
none for changes made through its OpenAPI, as Tidio documents; TidySupport
sends them for API changes too. respond.io documents no webhooks: 'events
listen' polls it. --webhook-faults makes the deliveries misbehave as
vendors may: 1 in `+strconv.Itoa(webhookDuplicatesOneIn)+` is sent twice, 1 in `+strconv.Itoa(webhookOutOfOrderOneIn)+` is held back behind the next
one, and 1 in `+strconv.Itoa(webhookBadSignaturesOneIn)+` is first sent with a bad signature (then again, correctly
signed).

With --activity D, a simulated customer writes every D on each simulator:
a conversation is started (through the API), the customer replies three
times (as a customer would, not through the API), then an agent solves or
closes it (respond.io: through the API), and so on, so that a listener sees
a stream of events.`)
	port := fs.Int("port", 0, "serve Tidio on `N`, respond.io on N+1, TidySupport on N+2, further Tidio projects on N+3, ... (default: free ports)")
	n := fs.Int("contacts", 200, "people to seed into each simulator (respond.io and TidySupport hold fewer: see the demo)")
	shared := fs.Bool("shared-phones", false, "give some different people the same phone (see above)")
	hookURL := fs.String("webhook-url", "", "send the simulators' webhooks to `URL`/tidio and URL/tidysupport")
	faults := fs.Bool("webhook-faults", false, "send some webhooks twice, out of order, or first with a bad signature (see above)")
	every := fs.Duration("activity", 0, "a simulated customer writes every `D` on each simulator (0: never)")
	tidioAccounts := fs.Int("tidio-accounts", 1, "serve `N` Tidio projects, each with credentials of its own; the second and later start empty (see above)")
	envFile := fs.String("env-file", "", "also write the export lines to `FILE` (mode 0600), for 'source FILE'")
	configFile := fs.String("config-file", "", "write a config file naming the simulators' accounts to `FILE`, for 'deskbridge migrate --config FILE'")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	hooks, err := sandboxWebhooks(*hookURL, *faults)
	if err != nil {
		return err
	}
	if *every < 0 {
		return usagef("--activity must be 0 or more")
	}
	if *tidioAccounts < 1 || *tidioAccounts > 10 {
		return usagef("--tidio-accounts must be between 1 and 10")
	}
	if last := 65535 - len(vendors) - *tidioAccounts + 2; *port < 0 || *port > last {
		return usagef("--port must be between 1 and %d", last)
	}
	if *n < 0 || *n > 100_000 {
		return usagef("--contacts must be between 0 and 100000")
	}
	sims, err := a.startSandbox(sandboxOptions{port: *port, contacts: *n, sharedPhones: *shared, webhooks: hooks,
		tidioAccounts: *tidioAccounts, envFile: *envFile, configFile: *configFile})
	defer func() {
		for _, s := range sims {
			s.Close()
		}
	}()
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, s := range sims {
		if s.webhooks.Enabled() {
			wg.Go(func() { s.webhooks.Run(ctx, webhookRetry) })
		}
	}
	if *every > 0 {
		clients := make([]*support.Client, len(sims))
		for i, s := range sims {
			cfg, err := s.config()
			if err != nil {
				return err
			}
			if clients[i], err = a.open(ctx, s.vendor.name, cfg); err != nil {
				return fmt.Errorf("%s: %w", s.vendor.title, err)
			}
		}
		fmt.Fprintf(a.stdout, "\nA simulated customer writes every %s on each simulator.\n", *every)
		wg.Go(func() { a.activity(ctx, sims, clients, *every) })
	}
	fmt.Fprintln(a.stdout, "\nServing until interrupted (Ctrl-C).")
	<-ctx.Done()
	wg.Wait()
	fmt.Fprintln(a.stderr, "deskbridge sandbox: stopped.")
	return nil
}

// sandboxOptions are the sandbox's settings, from its flags.
type sandboxOptions struct {
	port, contacts int
	sharedPhones   bool
	webhooks       sim.WebhookOptions
	tidioAccounts  int
	// envFile and configFile, when set, are where the export lines and a
	// config file of the simulators' accounts are written.
	envFile, configFile string
}

// sandboxSim is one simulator of the sandbox: its vendor, Tidio project
// number, port offset from --port and ID seed.
type sandboxSim struct {
	vendor  vendor
	project int
	offset  int
}

// sandboxSims lists the sandbox's simulators: the first Tidio project,
// respond.io and TidySupport on --port, +1 and +2, then the further Tidio
// projects.
func sandboxSims(tidioAccounts int) []sandboxSim {
	var out []sandboxSim
	for i, v := range vendors {
		out = append(out, sandboxSim{vendor: v, project: 1, offset: i})
	}
	tidio, _ := lookupVendor("vendor", "tidio")
	for p := 2; p <= tidioAccounts; p++ {
		out = append(out, sandboxSim{vendor: tidio, project: p, offset: len(vendors) + p - 2})
	}
	return out
}

// accountName is the config file's name of the simulator's account: the
// vendor's, or tidio-1, tidio-2, ... when the sandbox serves several Tidio
// projects.
func (ss sandboxSim) accountName(tidioAccounts int) string {
	if ss.vendor.name == "tidio" && tidioAccounts > 1 {
		return "tidio-" + strconv.Itoa(ss.project)
	}
	return ss.vendor.name
}

// startSandbox starts and seeds the sandbox's simulators, prints how to
// use them and writes the files o asks for. It returns the simulators
// started, for the caller to close, even with an error.
func (a *app) startSandbox(o sandboxOptions) ([]*simulator, error) {
	data := demodata.New(o.contacts, 7, o.sharedPhones)
	var (
		sims    []*simulator
		exports []string
		config  strings.Builder
	)
	config.WriteString("# Written by 'deskbridge sandbox': the simulators' accounts, for\n" +
		"# 'deskbridge migrate --config FILE'. The credentials are read from the\n" +
		"# environment: export the lines the sandbox printed (or source its --env-file).\n" +
		"accounts:\n")
	exported := map[string]bool{}
	w := a.stdout
	for _, ss := range sandboxSims(o.tidioAccounts) {
		so := simOptions{Seed: uint64(ss.offset + 1), Webhooks: o.webhooks, Project: ss.project}
		if o.port > 0 {
			so.Listen = net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port+ss.offset))
		}
		s, err := startSimulator(ss.vendor.name, so)
		if err != nil {
			return sims, err
		}
		sims = append(sims, s)
		s.define("plan")
		held := 0
		if ss.project == 1 {
			for _, in := range data.Source {
				if s.seed(in) {
					held++
				}
			}
		}
		name, v := ss.accountName(o.tidioAccounts), ss.vendor
		title := v.title
		if o.tidioAccounts > 1 && v.name == "tidio" {
			title = fmt.Sprintf("%s project %d (account %s)", v.title, ss.project, name)
		}
		seeded := fmt.Sprintf("%d contacts", held)
		if ss.project > 1 {
			seeded = "empty: a project to migrate into"
		}
		fmt.Fprintf(w, "%s simulator: %s (%s)\n", title, s.URL, seeded)
		fmt.Fprintf(w, "  rate limit: %s\n", s.limit)
		fmt.Fprintf(&config, "  %s:\n    vendor: %s\n", name, v.name)
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		export := func(name, val string) {
			if exported[name] {
				return
			}
			exported[name] = true
			fmt.Fprintf(tw, "  export\t%s=%s\n", name, val)
			exports = append(exports, fmt.Sprintf("export %s=%s", name, val))
		}
		for _, e := range v.env {
			val, ok := s.env[e.name]
			if !ok {
				continue
			}
			export(s.exportName(e), val)
			if e.secret {
				fmt.Fprintf(&config, "    %s: {env: %s}\n", snakeCase(e.key), s.exportName(e))
			} else {
				fmt.Fprintf(&config, "    %s: %s\n", snakeCase(e.key), strconv.Quote(val))
			}
		}
		for _, k := range sortedKeys(s.webhookEnv) {
			export(k, s.webhookEnv[k])
		}
		tw.Flush()
		if s.webhooks.Enabled() {
			fmt.Fprintf(w, "  webhooks to %s/%s\n", strings.TrimRight(o.webhooks.URL, "/"), v.name)
		}
		fmt.Fprintln(w)
	}
	if o.envFile != "" {
		if err := writeFile(o.envFile, strings.Join(exports, "\n")+"\n", 0o600); err != nil {
			return sims, err
		}
		fmt.Fprintf(w, "The export lines are in %s too: source it.\n", o.envFile)
	}
	if o.configFile != "" {
		if err := writeFile(o.configFile, config.String(), 0o644); err != nil {
			return sims, err
		}
		fmt.Fprintf(w, "The accounts are named in the config file %s.\n", o.configFile)
	}
	fmt.Fprintln(w, "With those variables set, try:\n  deskbridge contacts list --vendor tidio\n  deskbridge migrate --from tidio --to respondio --state sandbox.db")
	if o.configFile != "" && o.tidioAccounts > 1 {
		fmt.Fprintf(w, "  deskbridge migrate --config %s --from tidio-1 --to tidio-2 --state tidio.db\n", o.configFile)
	}
	if o.webhooks.URL != "" {
		fmt.Fprintln(w, "  deskbridge events listen --addr "+listenAddrHint(o.webhooks.URL))
	}
	return sims, nil
}

// writeFile writes content to path with mode perm, which it also gives a
// file that was already there.
func writeFile(path, content string, perm os.FileMode) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return &configError{err}
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	_, err = f.WriteString(content)
	return err
}

// sandboxWebhooks checks --webhook-url and --webhook-faults and returns the
// simulators' webhook options (no deliveries without a URL).
func sandboxWebhooks(raw string, faults bool) (sim.WebhookOptions, error) {
	if raw == "" {
		if faults {
			return sim.WebhookOptions{}, usagef("--webhook-faults needs --webhook-url")
		}
		return sim.WebhookOptions{}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return sim.WebhookOptions{}, usagef("--webhook-url %q is not an http(s) URL without query", raw)
	}
	o := sim.WebhookOptions{URL: strings.TrimRight(raw, "/")}
	if faults {
		o.Duplicates, o.OutOfOrder, o.BadSignatures = 1.0/webhookDuplicatesOneIn, 1.0/webhookOutOfOrderOneIn, 1.0/webhookBadSignaturesOneIn
	}
	return o, nil
}

// listenAddrHint is the --addr of 'events listen' that receives webhooks
// sent to rawURL, for the sandbox's hint: its port.
func listenAddrHint(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Port() == "" {
		return ":8080"
	}
	return ":" + u.Port()
}

// activity makes a simulated customer act on every simulator each interval
// until ctx ends: step 0 of each activityCycle starts a conversation
// through the API, the middle steps are the customer's replies, the last
// one solves or closes it. Failures are reported on stderr and the next
// step goes on.
func (a *app) activity(ctx context.Context, sims []*simulator, clients []*support.Client, every time.Duration) {
	convs := make([]string, len(sims))
	tick := time.NewTicker(every)
	defer tick.Stop()
	for step := 0; ; step++ {
		for i, s := range sims {
			what, err := s.act(ctx, clients[i], step, &convs[i])
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				fmt.Fprintf(a.stderr, "deskbridge sandbox: activity on %s: %v\n", s.vendor.title, err)
				continue
			}
			fmt.Fprintf(a.stdout, "activity: %s: %s\n", s.vendor.name, what)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// activityCustomer is who writes in the sandbox's activity.
const activityCustomer, activityEmail = "Casey Activity", "casey.activity@example.com"

// act does step of the activity on s through c, with *conv the
// conversation it is on ("" before the first), and says what it did.
func (s *simulator) act(ctx context.Context, c *support.Client, step int, conv *string) (string, error) {
	n := step/activityCycle + 1
	switch phase := step % activityCycle; {
	case phase == 0 || *conv == "":
		nc, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.Email(activityEmail), Name: activityCustomer,
			Subject: fmt.Sprintf("Order %d", n), Text: fmt.Sprintf("Hello %s, thank you for order %d.", activityCustomer, n)})
		if err != nil {
			return "", err
		}
		*conv = nc.ID
		return "conversation " + nc.ID + " started through the API", nil
	case phase == activityCycle-1:
		if err := s.close(ctx, c, *conv); err != nil {
			return "", err
		}
		return "conversation " + *conv + " solved", nil
	default:
		if err := s.reply(*conv, fmt.Sprintf("Any news on order %d? (%d)", n, phase)); err != nil {
			return "", err
		}
		return "the customer replied on conversation " + *conv, nil
	}
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
