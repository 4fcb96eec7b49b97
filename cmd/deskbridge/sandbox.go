package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
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
	port := fs.Int("port", 0, "serve Tidio on `N`, respond.io on N+1, TidySupport on N+2 (default: free ports)")
	n := fs.Int("contacts", 200, "people to seed into each simulator (respond.io and TidySupport hold fewer: see the demo)")
	shared := fs.Bool("shared-phones", false, "give some different people the same phone (see above)")
	hookURL := fs.String("webhook-url", "", "send the simulators' webhooks to `URL`/tidio and URL/tidysupport")
	faults := fs.Bool("webhook-faults", false, "send some webhooks twice, out of order, or first with a bad signature (see above)")
	every := fs.Duration("activity", 0, "a simulated customer writes every `D` on each simulator (0: never)")
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
		o := simOptions{Seed: uint64(i + 1), Webhooks: hooks}
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
		for _, k := range sortedKeys(s.webhookEnv) {
			fmt.Fprintf(tw, "  export\t%s=%s\n", k, s.webhookEnv[k])
		}
		tw.Flush()
		if s.webhooks.Enabled() {
			fmt.Fprintf(w, "  webhooks to %s/%s\n", strings.TrimRight(hooks.URL, "/"), v.name)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(a.stdout, "With those variables set, try:\n  deskbridge contacts list --vendor tidio\n  deskbridge migrate --from tidio --to respondio --state sandbox.db")
	if hooks.URL != "" {
		fmt.Fprintln(a.stdout, "  deskbridge events listen --addr "+listenAddrHint(hooks.URL))
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
