// Command inbox receives what happens on three help desks as one stream of
// neutral events: Tidio's and TidySupport's webhooks through their verifying
// handlers, and respond.io, whose public API documents no webhook payload
// or signature, through the polling change feed (events.Watch). It prints
// one line per event, each once: the simulators send some deliveries twice
// and some out of order, and the handlers drop the redeliveries.
//
// It runs offline: each vendor is a simulator started in this process on a
// loopback port, the webhook receiver is a local HTTP server, and the
// program plays some customer and agent activity through the simulators'
// inspection methods (as people in the vendors' apps would), then exits
// once every event it expects has arrived, or fails after -timeout.
//
// To point it at real accounts, serve the handlers on public https URLs.
// For Tidio, register the URL as a webhook of the project for the topics
// you want, and give the handler the project's webhook secret (two during
// a rotation, one s per secret [D T-wh-sig
// https://developers.tidio.com/docs/webhooks-signature-verification]):
//
//	h, err := tidio.NewWebhookHandler(tidio.WebhookConfig{
//		Secrets: []string{os.Getenv("TIDIO_WEBHOOK_SECRET")},
//	}, deliver)
//
// Tidio sends nothing for changes made through its OpenAPI [D T-wh-del
// https://developers.tidio.com/docs/webhooks-delivering], so an app's own
// writes with this library never come back as Tidio events.
//
// TidySupport documents no signature scheme [D TS-wh
// https://tidysupport.com/docs/api/webhooks], so its handler needs a
// verifier from your deployment: a gateway or proxy in front of the URL
// that adds a header only it knows, checked with events.HeaderSecret, or a
// check of your own:
//
//	v, err := events.HeaderSecret("X-Gateway-Secret", os.Getenv("GATEWAY_SECRET"))
//	h, err := tidysupport.NewWebhookHandler(tidysupport.WebhookConfig{Verify: v}, deliver)
//
// respond.io is polled with an API token:
//
//	c, err := respondio.New(respondio.Config{Token: support.Secret(os.Getenv("RESPONDIO_TOKEN"))})
//	cp, err := events.NewFileCheckpoint("respondio.checkpoint")
//	feed := events.Watch(ctx, c, events.WatchOptions{Checkpoint: cp})
//
// keeping the client's default rate limit and the feed's default Interval
// and Budget (which leave most of the rate limit to the app's own calls),
// without Backlog (or the first poll replays the whole workspace), and with
// the checkpoint in a file, so that a restart resumes without emitting
// anything twice. With several replicas behind one webhook URL, give the
// handlers a shared events.Dedup instead of the in-memory default.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

func main() {
	cfg := config{Budget: offlineBudget}
	flag.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "fail if the scripted events have not all arrived by then")
	flag.DurationVar(&cfg.Interval, "interval", 200*time.Millisecond, "pause between two polls of respond.io")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, cfg); err != nil {
		log.Fatal(err)
	}
}

// offlineBudget is the change feed's request budget against the simulator,
// which has no rate limit. Against respond.io, keep the default.
const offlineBudget = 100_000

// config is what the flags set.
type config struct {
	// Timeout bounds the whole run.
	Timeout time.Duration
	// Interval is the change feed's pause between polls.
	Interval time.Duration
	// Budget is the change feed's requests a minute.
	Budget int
}

// desks are the three simulators and a client of each.
type desks struct {
	tidioSim   *tidiotest.Server
	respondSim *respondiotest.Server
	tidySim    *tidysupporttest.Server
	tidio      *support.Client
	respond    *support.Client
	tidy       *support.Client
}

// run starts the simulators, the webhook receiver and the change feed,
// plays the script and prints the stream to w, then a summary of the
// webhook deliveries.
func run(ctx context.Context, w io.Writer, cfg config) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	s := newStream(w)
	receiver, err := webhookReceiver(s)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: receiver, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // it ends with ErrServerClosed when run returns
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	d, err := startDesks(base+"/tidio", base+"/tidysupport")
	if err != nil {
		return err
	}
	defer d.close()

	// respond.io: the change feed. Backlog makes its first poll emit what
	// exists already, so that nothing done before that poll is missed.
	watchCtx, stopWatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		feed := events.Watch(watchCtx, d.respond, events.WatchOptions{Interval: cfg.Interval, Budget: cfg.Budget, Backlog: true})
		for ev, err := range feed {
			if err != nil {
				if watchCtx.Err() == nil {
					s.failed(respondio.Vendor, err) // the feed goes on with its next poll
				}
				continue
			}
			if err := s.deliver(watchCtx, ev); err != nil {
				return
			}
		}
	}()
	defer func() { stopWatch(); wg.Wait() }()

	if err := script(ctx, d, s); err != nil {
		return err
	}
	var tidioFaults, tidyFaults []string
	for _, dl := range d.tidioSim.Webhooks.Deliveries() {
		tidioFaults = append(tidioFaults, dl.Fault)
	}
	for _, dl := range d.tidySim.Webhooks.Deliveries() {
		tidyFaults = append(tidyFaults, dl.Fault)
	}
	s.summary(tidio.Vendor, tidioFaults)
	s.summary(tidysupport.Vendor, tidyFaults)
	return nil
}

// webhookReceiver returns the handlers of Tidio's and TidySupport's
// webhooks, at /tidio and /tidysupport, handing events to s.
func webhookReceiver(s *stream) (http.Handler, error) {
	tidioHook, err := tidio.NewWebhookHandler(tidio.WebhookConfig{Secrets: []string{tidiotest.WebhookSecret}}, s.deliver)
	if err != nil {
		return nil, err
	}
	// The simulator's convention; a real deployment brings its own check.
	verify, err := events.HeaderSecret(tidysupporttest.WebhookSecretHeader, tidysupporttest.WebhookSecret)
	if err != nil {
		return nil, err
	}
	tidyHook, err := tidysupport.NewWebhookHandler(tidysupport.WebhookConfig{Verify: verify}, s.deliver)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/tidio", tidioHook)
	mux.Handle("/tidysupport", tidyHook)
	return mux, nil
}

// script plays two rounds of activity on the three desks and waits for the
// events of each. The second round changes what the first created, so the
// change feed must have seen the first before it runs.
func script(ctx context.Context, d *desks, s *stream) error {
	ids, want, err := firstRound(ctx, d)
	if err != nil {
		return err
	}
	if err := d.flush(ctx); err != nil {
		return err
	}
	if err := s.wait(ctx, want); err != nil {
		return fmt.Errorf("first round: %w", err)
	}
	if want, err = secondRound(ctx, d, ids); err != nil {
		return err
	}
	if err := d.flush(ctx); err != nil {
		return err
	}
	if err := s.wait(ctx, want); err != nil {
		return fmt.Errorf("second round: %w", err)
	}
	return nil
}

// The people and messages of the script.
const (
	adaEmail   = "ada@example.com"
	adaReply   = "Any news on my refund?"
	graceEmail = "grace@example.com"
	graceReply = "The invoice still shows the old address."
	alanEmail  = "alan@example.com"
	alanHello  = "Hello Alan, your parcel left our warehouse."
	alanReply  = "Thanks! When will it arrive?"
	// tidyAgent is a TidySupport agent ID; its API lists no agents.
	tidyAgent = "agt_sim0agent0grace0000001"
)

// scripted are the IDs the first round creates and the second changes.
type scripted struct {
	adaContact string // Tidio
	adaTicket  int64  // Tidio
	graceConv  string // TidySupport
	alanConv   string // respond.io
}

// firstRound: a visitor on Tidio's widget who then replies to a ticket, a
// customer writing back on TidySupport, and a conversation on respond.io.
// It returns the IDs involved and the events it expects.
func firstRound(ctx context.Context, d *desks) (scripted, []expectation, error) {
	var ids scripted
	ada := d.tidioSim.SimulateVisitor(tidiotest.Contact{FirstName: "Ada", LastName: "Lovelace", Email: adaEmail})
	ids.adaContact = ada.ID
	// A ticket created through the OpenAPI: Tidio sends no webhook for it.
	ticket, err := d.tidio.CreateConversation(ctx, support.NewConversation{
		Contact: support.Email(adaEmail), Subject: "Refund for order 1042", Text: "I was charged twice for order 1042.",
	})
	if err != nil {
		return ids, nil, fmt.Errorf("tidio: %w", err)
	}
	if ids.adaTicket, err = strconv.ParseInt(ticket.ID, 10, 64); err != nil {
		return ids, nil, fmt.Errorf("tidio: ticket ID %q: %w", ticket.ID, err)
	}
	if _, err := d.tidioSim.SimulateContactReply(ids.adaTicket, adaReply); err != nil {
		return ids, nil, fmt.Errorf("tidio: %w", err)
	}

	// TidySupport does not say that changes through its API are silent,
	// and its simulator sends events for them.
	conv, err := d.tidy.CreateConversation(ctx, support.NewConversation{
		Contact: support.Email(graceEmail), Name: "Grace Hopper", Subject: "Invoice address", Text: "We have updated your invoice.",
	})
	if err != nil {
		return ids, nil, fmt.Errorf("tidysupport: %w", err)
	}
	ids.graceConv = conv.ID
	if _, err := d.tidySim.SimulateCustomerReply(conv.ID, graceReply); err != nil {
		return ids, nil, fmt.Errorf("tidysupport: %w", err)
	}

	// respond.io: the change feed sees the app's own writes as well. A
	// conversation's ID there is its contact's.
	chat, err := d.respond.CreateConversation(ctx, support.NewConversation{
		Contact: support.Email(alanEmail), Name: "Alan Turing", Text: alanHello,
	})
	if err != nil {
		return ids, nil, fmt.Errorf("respondio: %w", err)
	}
	ids.alanConv = chat.ID
	alan, err := strconv.ParseInt(chat.ContactID, 10, 64)
	if err != nil {
		return ids, nil, fmt.Errorf("respondio: contact ID %q: %w", chat.ContactID, err)
	}
	if _, err := d.respondSim.SeedMessage(respondiotest.Message{ContactID: alan, Text: alanReply}); err != nil {
		return ids, nil, fmt.Errorf("respondio: %w", err)
	}

	return ids, []expectation{
		{tidio.Vendor, events.KindContactCreated, ada.ID, ""},
		// Tidio documents no content for its ticket topics: the event
		// carries neither the ticket's ID nor the text.
		{tidio.Vendor, events.KindMessageReceived, "", ""},
		{tidysupport.Vendor, events.KindConversationCreated, conv.ID, ""},
		{tidysupport.Vendor, events.KindMessageReceived, conv.ID, graceReply},
		{respondio.Vendor, events.KindContactCreated, chat.ContactID, ""},
		{respondio.Vendor, events.KindConversationCreated, chat.ID, ""},
		{respondio.Vendor, events.KindMessageSent, chat.ID, alanHello},
		{respondio.Vendor, events.KindMessageReceived, chat.ID, alanReply},
	}, nil
}

// secondRound: Ada edits her details and her ticket is solved in Tidio's
// panel; Grace's conversation is assigned and closed in TidySupport's
// inbox; the app closes Alan's on respond.io.
func secondRound(ctx context.Context, d *desks, ids scripted) ([]expectation, error) {
	if !d.tidioSim.SimulateContactEdit(ids.adaContact, func(c *tidiotest.Contact) { c.Phone = "+44 20 7946 0018" }) {
		return nil, fmt.Errorf("tidio: no contact %s", ids.adaContact)
	}
	if err := d.tidioSim.SimulateOperatorSolve(ids.adaTicket); err != nil {
		return nil, fmt.Errorf("tidio: %w", err)
	}
	if err := d.tidySim.SimulateAssign(ids.graceConv, tidyAgent); err != nil {
		return nil, fmt.Errorf("tidysupport: %w", err)
	}
	if !d.tidySim.SetConversationStatus(ids.graceConv, "CLOSED") {
		return nil, fmt.Errorf("tidysupport: no conversation %s", ids.graceConv)
	}
	if err := d.respond.SetStatus(ctx, ids.alanConv, support.StatusChange{
		Status: support.StatusClosed, Category: "Resolved", Summary: "Parcel tracked",
	}); err != nil {
		return nil, fmt.Errorf("respondio: %w", err)
	}
	return []expectation{
		{tidio.Vendor, events.KindContactUpdated, ids.adaContact, ""},
		{tidio.Vendor, events.KindConversationStatusChanged, "", ""},
		{tidysupport.Vendor, events.KindConversationAssigned, ids.graceConv, ""},
		{tidysupport.Vendor, events.KindConversationStatusChanged, ids.graceConv, ""},
		{respondio.Vendor, events.KindConversationStatusChanged, ids.alanConv, ""},
	}, nil
}

// expectation is an event the script waits for.
type expectation struct {
	vendor string
	kind   events.Kind
	// id is the contact's ID for contact kinds, the conversation's
	// otherwise; "" matches any (the vendor sends none).
	id string
	// text is the message's text; "" matches any.
	text string
}

// matches reports whether ev is the expected event.
func (e expectation) matches(ev events.Event) bool {
	if ev.Vendor != e.vendor || ev.Kind != e.kind {
		return false
	}
	id := ev.ConversationID
	if ev.Kind == events.KindContactCreated || ev.Kind == events.KindContactUpdated {
		id = ev.ContactID
	}
	if e.id != "" && id != e.id {
		return false
	}
	return e.text == "" || ev.Message != nil && ev.Message.Text == e.text
}

func (e expectation) String() string {
	s := e.vendor + " " + string(e.kind)
	if e.id != "" {
		s += " " + e.id
	}
	return s
}

// stream prints the events of every vendor as they arrive, from any
// goroutine, and keeps them for wait.
type stream struct {
	mu      sync.Mutex
	w       io.Writer
	got     []events.Event
	used    []bool // got[i] was matched by an expectation
	handed  map[string]int
	arrived chan struct{}
}

func newStream(w io.Writer) *stream {
	return &stream{w: w, handed: map[string]int{}, arrived: make(chan struct{}, 1)}
}

// deliver prints ev; it is the handlers' and the feed's callback.
func (s *stream) deliver(_ context.Context, ev events.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := fmt.Fprintln(s.w, line(ev)); err != nil {
		return err
	}
	s.got = append(s.got, ev)
	s.used = append(s.used, false)
	s.handed[ev.Vendor]++
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	return nil
}

// failed prints an error of the change feed.
func (s *stream) failed(vendor string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, "%-11s error: %v\n", vendor, err)
}

// wait returns once each of want has arrived (an event matches one
// expectation at most), or ctx's error naming those that did not.
func (s *stream) wait(ctx context.Context, want []expectation) error {
	for {
		want = s.match(want)
		if len(want) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			names := make([]string, len(want))
			for i, e := range want {
				names[i] = e.String()
			}
			return fmt.Errorf("still waiting for %s: %w", strings.Join(names, ", "), ctx.Err())
		case <-s.arrived:
		}
	}
}

// match marks the events that meet an expectation of want and returns the
// expectations still unmet. A marked event stays marked, so that it meets
// no other expectation later.
func (s *stream) match(want []expectation) []expectation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []expectation
	for _, e := range want {
		found := false
		for i, ev := range s.got {
			if !s.used[i] && e.matches(ev) {
				s.used[i], found = true, true
				break
			}
		}
		if !found {
			missing = append(missing, e)
		}
	}
	return missing
}

// summary prints, for a webhook vendor, what the simulator sent and how
// many events were handed on: fewer than the deliveries, by the duplicates.
func (s *stream) summary(vendor string, faults []string) {
	counts := map[string]int{}
	for _, f := range faults {
		counts[f]++
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, "%s: %d deliveries (%d duplicates, %d out of order), %d events handed on\n",
		vendor, len(faults), counts["duplicate"], counts["out_of_order"], s.handed[vendor])
}

// line is the printed form of an event: vendor, kind, the IDs it carries,
// and the message, the contact or the change where the vendor sends it.
// Lines are printed as the events arrive; vendors do not promise order, so
// an app that needs it sorts by Event.OccurredAt.
func line(ev events.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-11s %-27s", ev.Vendor, ev.Kind)
	for _, id := range []struct{ name, v string }{
		{"contact", ev.ContactID}, {"conversation", ev.ConversationID}, {"message", ev.MessageID},
	} {
		if id.v != "" {
			fmt.Fprintf(&b, " %s=%s", id.name, id.v)
		}
	}
	switch {
	case ev.Message != nil:
		fmt.Fprintf(&b, " %q", ev.Message.Text)
	case ev.Contact != nil:
		fmt.Fprintf(&b, " %s <%s> %s", ev.Contact.Name(), ev.Contact.Email, ev.Contact.Phone)
	case ev.Conversation != nil && ev.Kind == events.KindConversationStatusChanged:
		fmt.Fprintf(&b, " status=%s", ev.Conversation.Status)
	case ev.Conversation != nil && ev.Kind == events.KindConversationAssigned && ev.Conversation.Assignee != nil:
		fmt.Fprintf(&b, " assignee=%s", ev.Conversation.Assignee.ID)
	case ev.ContactID == "" && ev.ConversationID == "":
		fmt.Fprintf(&b, " (%s: no documented content)", ev.Topic)
	}
	return strings.TrimRight(b.String(), " ")
}

// startDesks starts the simulators, Tidio's and TidySupport's sending
// webhooks to the given URLs with duplicates and reordering, and a client
// of each. The clocks are real: Tidio's handler refuses a signature too
// far from the time.
func startDesks(tidioURL, tidyURL string) (*desks, error) {
	// The webhook options are set field by field: their type lives in
	// an internal package of the module.
	topts := tidiotest.Options{RealTime: true, Seed: 1}
	topts.Webhooks.URL = tidioURL
	topts.Webhooks.Duplicates, topts.Webhooks.OutOfOrder, topts.Webhooks.Seed = 0.5, 0.5, 1
	yopts := tidysupporttest.Options{RealTime: true, Seed: 1}
	yopts.Webhooks.URL = tidyURL
	yopts.Webhooks.Duplicates, yopts.Webhooks.OutOfOrder, yopts.Webhooks.Seed = 0.5, 0.5, 2

	d := &desks{
		tidioSim:   tidiotest.NewServer(topts),
		respondSim: respondiotest.NewServer(respondiotest.Options{RealTime: true}),
		tidySim:    tidysupporttest.NewServer(yopts),
	}
	var err error
	d.tidio, err = tidio.New(tidio.Config{
		ClientID: support.Secret(tidiotest.ClientID), ClientSecret: support.Secret(tidiotest.ClientSecret),
		BaseURL: d.tidioSim.URL, RequestsPerMinute: -1, // the simulator has no rate limit
	})
	if err == nil {
		d.respond, err = respondio.New(respondio.Config{Token: support.Secret(respondiotest.Token), BaseURL: d.respondSim.URL(), RateLimit: -1})
	}
	if err == nil {
		d.tidy, err = tidysupport.New(tidysupport.Config{
			APIKey: support.Secret(tidysupporttest.APIKey), WorkspaceID: tidysupporttest.WorkspaceID, BaseURL: d.tidySim.URL,
		})
	}
	if err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// flush delivers the webhooks the simulators queued: a real vendor sends
// them on its own.
func (d *desks) flush(ctx context.Context) error {
	return errors.Join(d.tidioSim.Webhooks.Flush(ctx), d.tidySim.Webhooks.Flush(ctx))
}

func (d *desks) close() {
	d.tidioSim.Close()
	d.respondSim.Close()
	d.tidySim.Close()
}
