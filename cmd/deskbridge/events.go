package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

// The variables 'events listen' reads to verify webhook deliveries.
const (
	tidioWebhookSecretVar       = "TIDIO_WEBHOOK_SECRET"
	tidysupportWebhookSecretVar = "TIDYSUPPORT_WEBHOOK_SECRET"
	tidysupportWebhookHeaderVar = "TIDYSUPPORT_WEBHOOK_HEADER"
)

// defaultTidySupportHeader is the header 'events listen' reads
// TidySupport's webhook secret from by default: the sandbox simulator's
// convention, since TidySupport documents no signature scheme.
const defaultTidySupportHeader = tidysupporttest.WebhookSecretHeader

// eventKinds are the neutral kinds of event, in the order 'events kinds'
// lists them (every events.Kind but KindOther; a test checks the list
// against the events package).
var eventKinds = []events.Kind{
	events.KindContactCreated,
	events.KindContactUpdated,
	events.KindConversationCreated,
	events.KindConversationAssigned,
	events.KindConversationStatusChanged,
	events.KindMessageReceived,
	events.KindMessageSent,
	events.KindNoteAdded,
}

// webhookKinds are the kinds each vendor's webhooks deliver, for the
// vendors that document webhooks.
var webhookKinds = map[string]func() []events.Kind{
	"tidio":       tidio.WebhookKinds,
	"tidysupport": tidysupport.WebhookKinds,
}

func runEvents(ctx context.Context, a *app, args []string) error {
	const head = `
Usage: deskbridge events listen|kinds [flags]

Subcommands:
  listen  print the events of one or every vendor: verified webhooks, or the change feed
  kinds   print which kinds of event each vendor sends by webhook and which polling reveals`
	if len(args) == 0 {
		return usagef("missing subcommand: listen or kinds")
	}
	switch args[0] {
	case "listen":
		return runEventsListen(ctx, a, args[1:])
	case "kinds":
		return runEventsKinds(ctx, a, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(a.stdout, strings.TrimSpace(head))
		return nil
	default:
		return unknownSubcommand(args[0], "listen", "kinds")
	}
}

func runEventsListen(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("events listen", `
Usage: deskbridge events listen [--vendor tidio|tidysupport|respondio] [--addr :8080] [--json]
                                [--interval 30s] [--budget 20] [--checkpoint FILE] [--redis-url URL]

Prints each verified event, one a line: its time (UTC), vendor, kind, the
vendor's topic and the IDs involved (--json: one JSON object a line, with
snake_case keys). Each delivery a webhook handler refuses (bad signature,
malformed, too big) is one line on stderr. For debugging an app's setup:
point the vendor's webhooks, or 'deskbridge sandbox --webhook-url', here.
Runs until interrupted (Ctrl-C).

Without --vendor, it listens to every vendor whose variables are set:

  tidio        webhooks at /tidio, signed by Tidio (X-Tidio-Signature) with
               the secret in TIDIO_WEBHOOK_SECRET; several, comma-separated,
               during a rotation. Tidio sends none for changes made through
               its OpenAPI.
  tidysupport  webhooks at /tidysupport. TidySupport documents no signature
               scheme, so a delivery is accepted only when its header
               TIDYSUPPORT_WEBHOOK_HEADER (default X-Webhook-Secret) carries
               TIDYSUPPORT_WEBHOOK_SECRET: add it at a proxy in front of this
               server (the sandbox's simulator sends it). That authenticates
               the sender, not the body.
  respondio    respond.io documents no webhooks: its change feed polls the
               lists every --interval, within --budget requests a minute
               (RESPONDIO_TOKEN, RESPONDIO_BASE_URL). It starts from what is
               there and prints what changes after; with --checkpoint it
               resumes where the last run stopped. With --redis-url (or
               DESKBRIDGE_REDIS_URL) its requests share the account's rate
               limit with the other processes using it.

With a single webhook vendor, its handler is at / too.`)
	name := fs.String("vendor", "", "listen to this vendor only")
	addr := fs.String("addr", ":8080", "serve webhooks on `ADDR`")
	js := fs.Bool("json", false, "print JSON lines")
	interval := fs.Duration("interval", events.DefaultWatchInterval, "respondio: pause between polls")
	budget := fs.Int("budget", events.DefaultWatchBudget, "respondio: requests a minute the polling may send")
	checkpoint := fs.String("checkpoint", "", "respondio: keep the change feed's position in `FILE` (default: in memory)")
	shared := a.redisFlags(fs, false)
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *interval <= 0 || *budget <= 0 {
		return usagef("--interval and --budget must be more than 0")
	}
	names, err := listenVendors(*name, a.getenv)
	if err != nil {
		return err
	}
	out := &eventPrinter{w: a.stdout, json: *js}
	mux := http.NewServeMux()
	var (
		mounted []string
		last    http.Handler
		polled  []vendor
	)
	for _, n := range names {
		v, _ := lookupVendor("vendor", n) // listenVendors returns known names
		h, err := a.webhookHandler(v, out.print)
		if err != nil {
			return err
		}
		if h == nil {
			polled = append(polled, v)
			continue
		}
		mux.Handle("/"+v.name, h)
		mounted, last = append(mounted, v.name), h
	}
	if len(polled) == 0 {
		used := ""
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "interval" || f.Name == "budget" || f.Name == "checkpoint" || f.Name == "redis-url" {
				used = f.Name
			}
		})
		if used != "" {
			return usagef("--%s is for the change feed (respondio)", used)
		}
	}
	if len(mounted) == 1 {
		mux.Handle("/{$}", last)
	}

	type feed struct {
		v    vendor
		c    *support.Client
		opts events.WatchOptions
	}
	var feeds []feed
	if len(polled) > 0 {
		closeRedis, err := a.openRedis(ctx, shared)
		if err != nil {
			return err
		}
		defer closeRedis()
	}
	for _, v := range polled {
		c, err := a.openVendor(ctx, v)
		if err != nil {
			return err
		}
		f := feed{v: v, c: c, opts: events.WatchOptions{Interval: *interval, Budget: *budget}}
		if *checkpoint != "" {
			fc, err := events.NewFileCheckpoint(*checkpoint)
			if err != nil {
				return &configError{err}
			}
			f.opts.Checkpoint = fc
		}
		feeds = append(feeds, f)
	}
	var l net.Listener
	if len(mounted) > 0 {
		if l, err = net.Listen("tcp", *addr); err != nil {
			return &configError{fmt.Errorf("listen on %s: %w", *addr, err)}
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fatal error
	)
	stop := func(err error) {
		mu.Lock()
		if fatal == nil {
			fatal = err
		}
		mu.Unlock()
		cancel()
	}
	if l != nil {
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: log.New(a.stderr, "deskbridge events: ", 0)}
		wg.Go(func() {
			if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				stop(err)
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			sctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer done()
			_ = srv.Shutdown(sctx)
		})
		base := "http://" + l.Addr().String()
		for _, n := range mounted {
			fmt.Fprintf(a.stderr, "deskbridge events: %s webhooks at %s/%s\n", n, base, n)
		}
		fmt.Fprintf(a.stderr, "deskbridge events: listening on %s\n", base)
	}
	for _, f := range feeds {
		fmt.Fprintf(a.stderr, "deskbridge events: polling %s every %s\n", f.v.name, *interval)
		wg.Go(func() {
			var last error
			for ev, err := range events.Watch(ctx, f.c, f.opts) {
				if err == nil {
					err = out.print(ctx, ev)
				}
				if err == nil {
					continue
				}
				if ctx.Err() != nil {
					return
				}
				var ce *configError
				if errors.As(credentialsRefused(f.v, err), &ce) {
					stop(ce)
					return
				}
				last = err
				fmt.Fprintf(a.stderr, "deskbridge events: %s: %v\n", f.v.name, err)
			}
			if ctx.Err() == nil {
				stop(fmt.Errorf("%s: the change feed stopped: %w", f.v.title, cmp.Or(last, errors.New("no more events"))))
			}
		})
	}
	<-ctx.Done()
	wg.Wait()
	fmt.Fprintln(a.stderr, "deskbridge events listen: stopped.")
	return fatal
}

// listenVendors returns the vendors 'events listen' hears: the one named,
// or every vendor whose variables are set.
func listenVendors(name string, getenv func(string) string) ([]string, error) {
	if name != "" {
		if _, err := lookupVendor("vendor", name); err != nil {
			return nil, err
		}
		return []string{name}, nil
	}
	set := map[string]string{
		"tidio":       tidioWebhookSecretVar,
		"respondio":   "RESPONDIO_TOKEN",
		"tidysupport": tidysupportWebhookSecretVar,
	}
	var names, vars []string
	for _, v := range vendors {
		vars = append(vars, set[v.name])
		if strings.TrimSpace(getenv(set[v.name])) != "" {
			names = append(names, v.name)
		}
	}
	if len(names) == 0 {
		return nil, &configError{fmt.Errorf("nothing to listen to: set %s, or pass --vendor", strings.Join(vars, ", "))}
	}
	return names, nil
}

// webhookHandler returns the webhook handler of v, configured from the
// environment, that prints each event with deliver; nil for a vendor
// without webhooks (respond.io), whose events come from the change feed.
func (a *app) webhookHandler(v vendor, deliver func(context.Context, events.Event) error) (http.Handler, error) {
	var (
		h   http.Handler
		err error
	)
	switch v.name {
	case "tidio":
		var secrets []string
		for s := range strings.SplitSeq(a.getenv(tidioWebhookSecretVar), ",") {
			if s = strings.TrimSpace(s); s != "" {
				secrets = append(secrets, s)
			}
		}
		if len(secrets) == 0 {
			return nil, &configError{fmt.Errorf("%s webhooks need the environment variable %s "+
				"(the webhook's secret in Tidio's panel; several, comma-separated, during a rotation)", v.title, tidioWebhookSecretVar)}
		}
		h, err = tidio.NewWebhookHandler(tidio.WebhookConfig{Secrets: secrets, Logger: rejectionLogger(a.stderr, v.name)}, deliver)
	case "tidysupport":
		secret := strings.TrimSpace(a.getenv(tidysupportWebhookSecretVar))
		if secret == "" {
			return nil, &configError{fmt.Errorf("%s webhooks need the environment variable %s "+
				"(TidySupport documents no signature: the secret a proxy adds in the header %s, default %s)",
				v.title, tidysupportWebhookSecretVar, tidysupportWebhookHeaderVar, defaultTidySupportHeader)}
		}
		header := cmp.Or(strings.TrimSpace(a.getenv(tidysupportWebhookHeaderVar)), defaultTidySupportHeader)
		verify, verr := events.HeaderSecret(header, secret)
		if verr != nil {
			return nil, &configError{verr}
		}
		h, err = tidysupport.NewWebhookHandler(tidysupport.WebhookConfig{Verify: verify, Logger: rejectionLogger(a.stderr, v.name)}, deliver)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, &configError{fmt.Errorf("%s: %w", v.title, err)}
	}
	return h, nil
}

// rejectionLogger is the logger of a webhook handler: each record (a
// rejected delivery, with its status and reason) is one line on w.
func rejectionLogger(w io.Writer, vendor string) *slog.Logger {
	return slog.New(slog.NewTextHandler(&prefixWriter{w: w, prefix: "deskbridge events: " + vendor + ": "}, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// prefixWriter writes prefix before each write, which for a slog handler
// is one record, one line.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if _, err := p.w.Write(append([]byte(p.prefix), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// eventPrinter prints events, one a line, safe for concurrent use.
type eventPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
}

// jsonEvent is an event as 'events listen --json' prints it.
type jsonEvent struct {
	OccurredAt     time.Time       `json:"occurred_at"`
	Vendor         string          `json:"vendor"`
	Kind           events.Kind     `json:"kind"`
	Topic          string          `json:"topic,omitempty"`
	DeliveryID     string          `json:"delivery_id,omitempty"`
	ContactID      string          `json:"contact_id,omitempty"`
	ConversationID string          `json:"conversation_id,omitempty"`
	MessageID      string          `json:"message_id,omitempty"`
	Text           string          `json:"text,omitempty"`
	Raw            json.RawMessage `json:"raw,omitempty"`
}

// print writes ev; it is the handlers' deliver function.
func (p *eventPrinter) print(_ context.Context, ev events.Event) error {
	text := ""
	if ev.Message != nil {
		text = ev.Message.Text
	}
	var line []byte
	if p.json {
		je := jsonEvent{OccurredAt: ev.OccurredAt.UTC(), Vendor: ev.Vendor, Kind: ev.Kind, Topic: ev.Topic, DeliveryID: ev.DeliveryID,
			ContactID: ev.ContactID, ConversationID: ev.ConversationID, MessageID: ev.MessageID, Text: text}
		if json.Valid(ev.Raw) {
			je.Raw = ev.Raw
		}
		b, err := json.Marshal(je)
		if err != nil {
			return err
		}
		line = append(b, '\n')
	} else {
		fields := []string{ev.OccurredAt.UTC().Format(time.RFC3339), ev.Vendor, string(ev.Kind), cmp.Or(ev.Topic, "-")}
		for _, id := range []struct{ name, value string }{
			{"contact", ev.ContactID}, {"conversation", ev.ConversationID}, {"message", ev.MessageID},
		} {
			if id.value != "" {
				fields = append(fields, id.name+"="+id.value)
			}
		}
		if text != "" {
			fields = append(fields, fmt.Sprintf("%q", clip(text, 80)))
		}
		line = []byte(strings.Join(fields, " ") + "\n")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.w.Write(line)
	return err
}

func runEventsKinds(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("events kinds", `
Usage: deskbridge events kinds [--markdown | --json]

Prints, for each kind of event and each vendor, whether the vendor's
webhooks send it ("webhook": 'events listen' and the adapter's webhook
handler receive it) and whether the change feed (events.Watch, polling
the vendor's lists) reveals it ("polled"). It needs no credentials and
sends no request.`)
	md := fs.Bool("markdown", false, "print a markdown table (as in the README)")
	js := fs.Bool("json", false, "print the kinds as JSON")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *md && *js {
		return usagef("--markdown and --json exclude each other")
	}
	caps, err := vendorCapabilities(ctx, a.open)
	if err != nil {
		return err
	}
	switch {
	case *js:
		type vendorKinds struct {
			Vendor  string        `json:"vendor"`
			Webhook []events.Kind `json:"webhook"`
			Polled  []events.Kind `json:"polled"`
		}
		out := make([]vendorKinds, len(caps))
		for i, c := range caps {
			out[i] = vendorKinds{Vendor: c.Vendor, Webhook: nativeKinds(c.Vendor), Polled: events.PolledKinds(c)}
			if out[i].Webhook == nil {
				out[i].Webhook = []events.Kind{}
			}
		}
		return writeJSON(a.stdout, out)
	case *md:
		_, err := io.WriteString(a.stdout, markdownTable(eventKindRows(caps)))
		return err
	default:
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		for _, row := range eventKindRows(caps) {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		return tw.Flush()
	}
}

// nativeKinds are the kinds the vendor's webhooks deliver; none for a
// vendor without webhooks.
func nativeKinds(vendor string) []events.Kind {
	if f, ok := webhookKinds[vendor]; ok {
		return f()
	}
	return nil
}

// eventKindRows is the table of event kinds: a header row, then one row
// per kind with a cell per vendor of caps.
func eventKindRows(caps []support.Capabilities) [][]string {
	head := []string{"event"}
	for _, c := range caps {
		head = append(head, c.Vendor)
	}
	rows := [][]string{head}
	for _, k := range eventKinds {
		row := []string{string(k)}
		for _, c := range caps {
			var how []string
			if slices.Contains(nativeKinds(c.Vendor), k) {
				how = append(how, "webhook")
			}
			if slices.Contains(events.PolledKinds(c), k) {
				how = append(how, "polled")
			}
			row = append(row, cmp.Or(strings.Join(how, ", "), "–"))
		}
		rows = append(rows, row)
	}
	return rows
}

// currentEventKinds renders the table of event kinds of the adapters as
// they are built now, as the README's Events section shows it.
func currentEventKinds(ctx context.Context) (string, error) {
	caps, err := vendorCapabilities(ctx, support.Open)
	if err != nil {
		return "", err
	}
	return markdownTable(eventKindRows(caps)), nil
}
