package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// simulator is one vendor's simulator, served on a loopback port, as the
// demo and the sandbox use it.
type simulator struct {
	vendor vendor
	srv    *httptest.Server
	// URL is the base URL to give the adapter.
	URL   string
	stats *sim.Stats
	// project is the Tidio project's number (1 for every other vendor): see
	// simOptions.Project.
	project int
	// env are the environment variables (credentials, base URL, pacing)
	// that make 'deskbridge migrate' use this simulator, under the
	// vendor's names (TIDIO_CLIENT_ID, even for a second Tidio project:
	// exportName names those).
	env map[string]string
	// limit says what rate limit the simulator enforces, for people.
	limit string
	// seed stores one contact as the vendor would hold it, without a
	// request. It reports false for a contact this vendor cannot hold at
	// all (respond.io refuses a contact without a first name, say).
	seed func(support.ContactInput) bool
	// define makes a custom field known to the vendor, where fields must be
	// defined before use (Tidio's properties).
	define func(name string)
	// count is how many contacts the simulator stores.
	count func() int
	// emails returns the stored contacts' emails, for duplicate checks.
	emails func() []string
	// edit changes a stored contact's last name without a request, for
	// vendors whose adapter cannot update contacts; nil elsewhere.
	edit func(id, lastName string) bool
	// webhooks delivers the simulator's webhooks; nil for a vendor that
	// sends none (respond.io documents no webhooks).
	webhooks *sim.Webhooks
	// webhookEnv are the variables that make 'deskbridge events listen'
	// accept the simulator's deliveries; empty when it delivers none.
	webhookEnv map[string]string
	// reply adds a customer's message to a conversation, as the customer
	// would (not through the API).
	reply func(conversationID, text string) error
	// close solves or closes a conversation as an agent would in the
	// vendor's own app, or through c where the simulator has no other way
	// (respond.io).
	close func(ctx context.Context, c *support.Client, conversationID string) error
}

// Close stops the simulator's server.
func (s *simulator) Close() { s.srv.Close() }

// config is the registry config that opens the vendor's adapter on the
// simulator: the environment variables, through the same code path as
// 'deskbridge migrate'.
func (s *simulator) config() (map[string]any, error) {
	return s.vendor.config(func(k string) string { return s.env[k] })
}

// simOptions configures the simulators of the demo and the sandbox.
type simOptions struct {
	// Listen is the loopback address to serve on ("127.0.0.1:0" when empty).
	Listen string
	// Seed seeds the simulator's IDs.
	Seed uint64
	// Unlimited enforces no rate limit and turns the adapter's pacing off,
	// for tests that count requests rather than watch the pace.
	Unlimited bool
	// Wrap, when set, wraps the simulator's handler (tests use it to act
	// at a given request).
	Wrap func(http.Handler) http.Handler
	// Project numbers Tidio projects when a sandbox serves several: the
	// second and later (2, 3, ...) accept credentials of their own, so that
	// two accounts of one vendor are two configurations. 0 and 1 are the
	// first, with tidiotest's credentials.
	Project int
	// Webhooks configures the deliveries of the simulators that send
	// webhooks (Tidio, TidySupport). Its URL is the receiver's base URL, to
	// which "/<vendor>" is appended ("/tidio"); "" delivers nothing. A zero
	// Seed means the simulator's.
	Webhooks sim.WebhookOptions
}

// webhookOptions returns o.Webhooks for vendor name: its URL with
// "/<name>" appended, and the simulator's seed where none is given; the
// zero value (no deliveries) without a URL.
func (o simOptions) webhookOptions(name string) sim.WebhookOptions {
	w := o.Webhooks
	if w.URL == "" {
		return sim.WebhookOptions{}
	}
	w.URL = strings.TrimRight(w.URL, "/") + "/" + name
	w.Seed = cmp.Or(w.Seed, o.Seed)
	return w
}

// startSimulator starts the simulator of vendor name on a loopback port,
// with rate limits enforced in real time but scaled up (so a demo of
// thousands of contacts takes seconds, not hours), and with the adapter's
// pacing set to match.
func startSimulator(name string, o simOptions) (*simulator, error) {
	v, err := lookupVendor("vendor", name)
	if err != nil {
		return nil, err
	}
	s := &simulator{vendor: v, project: max(o.Project, 1)}
	var h http.Handler
	path := ""
	switch name {
	case "tidio":
		// Tidio: 60 requests a minute per project on Plus; here 6,000.
		const perMinute = 100 * tidiotest.PlusRateLimit
		id, secret := tidiotest.ClientID, tidiotest.ClientSecret
		if s.project > 1 {
			id, secret = fmt.Sprintf("ci_tidiotest%019d", s.project), fmt.Sprintf("cs_tidiotest%019d", s.project)
		}
		t := tidiotest.NewInProcess(tidiotest.Options{RateLimit: unless(o.Unlimited, perMinute), RealTime: true, Seed: o.Seed,
			Webhooks: o.webhookOptions(name), ClientID: id, ClientSecret: secret})
		h, s.stats = t, t.Stats
		s.limit = fmt.Sprintf("%d requests/minute per project (Tidio Plus: %d, scaled ×100)", perMinute, tidiotest.PlusRateLimit)
		s.env = map[string]string{
			"TIDIO_CLIENT_ID":           id,
			"TIDIO_CLIENT_SECRET":       secret,
			"TIDIO_REQUESTS_PER_MINUTE": fmt.Sprint(cmp.Or(unless(o.Unlimited, perMinute), -1)),
		}
		s.seed = func(in support.ContactInput) bool {
			c := tidiotest.Contact{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
				DistinctID: in.ExternalID, Language: in.Language, Country: in.Country}
			for _, k := range sortedKeys(in.CustomFields) {
				c.Properties = append(c.Properties, tidiotest.Property{Name: k, Value: in.CustomFields[k]})
			}
			t.SeedContact(c)
			return true
		}
		s.define = func(name string) { t.SeedProperty(tidiotest.PropertyDef{Name: name, Label: name, Type: "text"}) }
		s.count = func() int { return len(t.Contacts()) }
		s.emails = func() []string {
			var out []string
			for _, c := range t.Contacts() {
				out = append(out, c.Email)
			}
			return out
		}
		s.webhooks = t.Webhooks
		if t.Webhooks.Enabled() {
			s.webhookEnv = map[string]string{tidioWebhookSecretVar: tidiotest.WebhookSecret}
		}
		s.reply = func(id, text string) error {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return fmt.Errorf("tidio ticket ID %q: %w", id, err)
			}
			_, err = t.SimulateContactReply(n, text)
			return err
		}
		s.close = func(_ context.Context, _ *support.Client, id string) error {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return fmt.Errorf("tidio ticket ID %q: %w", id, err)
			}
			return t.SimulateOperatorSolve(n)
		}
	case "respondio":
		// respond.io: 5 requests a second per endpoint (the seed profile's
		// figure); here 2,000.
		const perSecond = 400 * respondiotest.DocumentedRateLimit
		r := respondiotest.New(respondiotest.Options{RateLimit: unless(o.Unlimited, perSecond), RealTime: true, Seed: o.Seed})
		h, s.stats, path = r, r.Stats, respondiotest.BasePath
		s.limit = fmt.Sprintf("%d requests/second per endpoint (documented: %d, scaled ×400)", perSecond, respondiotest.DocumentedRateLimit)
		s.env = map[string]string{
			"RESPONDIO_TOKEN":      respondiotest.Token,
			"RESPONDIO_RATE_LIMIT": fmt.Sprint(cmp.Or(unless(o.Unlimited, perSecond), -1)),
		}
		s.seed = func(in support.ContactInput) bool {
			c := respondiotest.Contact{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
				Language: in.Language, CountryCode: in.Country, Tags: in.Tags}
			for _, k := range sortedKeys(in.CustomFields) {
				c.CustomFields = append(c.CustomFields, respondiotest.CustomField{Name: k, Value: jsonString(in.CustomFields[k])})
			}
			_, err := r.SeedContact(c)
			return err == nil
		}
		s.define = func(name string) { r.DefineField(respondiotest.FieldDef{Name: name, DataType: "text"}) }
		s.count = r.ContactCount
		s.emails = func() []string {
			var out []string
			for _, c := range r.Contacts() {
				out = append(out, c.Email)
			}
			return out
		}
		// respond.io's conversation is its contact's: the same ID.
		s.reply = func(id, text string) error {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return fmt.Errorf("respond.io contact ID %q: %w", id, err)
			}
			_, err = r.SeedMessage(respondiotest.Message{ContactID: n, Traffic: "incoming", Text: text})
			return err
		}
		s.close = func(ctx context.Context, c *support.Client, id string) error {
			return c.SetStatus(ctx, id, support.StatusChange{Status: support.StatusClosed})
		}
	case "tidysupport":
		// TidySupport publishes no limit; the adapter keeps to 2 requests
		// a second by default. Here 1,000.
		const perSecond = 500 * 2
		ts := tidysupporttest.New(tidysupporttest.Options{RateLimit: unless(o.Unlimited, perSecond), RateWindow: 1e9, RealTime: true, Seed: o.Seed,
			Webhooks: o.webhookOptions(name)})
		h, s.stats = ts, ts.Stats
		s.limit = fmt.Sprintf("%d requests/second per API key (unpublished; the adapter's default is 2, scaled ×500)", perSecond)
		s.env = map[string]string{
			"TIDYSUPPORT_API_KEY":      tidysupporttest.APIKey,
			"TIDYSUPPORT_WORKSPACE_ID": tidysupporttest.WorkspaceID,
			"TIDYSUPPORT_RATE_LIMIT":   fmt.Sprint(cmp.Or(unless(o.Unlimited, perSecond), 1_000_000)),
		}
		s.seed = func(in support.ContactInput) bool {
			if in.Email == "" {
				return false // TidySupport's contacts always have an email
			}
			ts.SeedContact(tidysupporttest.Contact{Email: in.Email, Name: support.JoinName(in.FirstName, in.LastName),
				Phone: in.Phone, ExternalID: in.ExternalID})
			return true
		}
		s.define = func(string) {} // TidySupport takes any metadata key: nothing to define
		s.edit = func(id, lastName string) bool {
			return ts.EditContact(id, func(c *tidysupporttest.Contact) {
				first, _ := support.SplitName(c.Name)
				c.Name = support.JoinName(first, lastName)
			})
		}
		s.count = func() int { return len(ts.Contacts()) }
		s.emails = func() []string {
			var out []string
			for _, c := range ts.Contacts() {
				out = append(out, c.Email)
			}
			return out
		}
		s.webhooks = ts.Webhooks
		if ts.Webhooks.Enabled() {
			s.webhookEnv = map[string]string{tidysupportWebhookSecretVar: tidysupporttest.WebhookSecret}
		}
		s.reply = func(id, text string) error {
			_, err := ts.SimulateCustomerReply(id, text)
			return err
		}
		s.close = func(_ context.Context, _ *support.Client, id string) error {
			if !ts.SetConversationStatus(id, "CLOSED") {
				return fmt.Errorf("no TidySupport conversation %q", id)
			}
			return nil
		}
	}
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	s.srv = httptest.NewUnstartedServer(h)
	if o.Listen != "" {
		l, err := listen(o.Listen)
		if err != nil {
			return nil, err
		}
		s.srv.Listener.Close()
		s.srv.Listener = l
	}
	s.srv.Start()
	s.URL = s.srv.URL + path
	s.env[baseURLVar(v)] = s.URL
	return s, nil
}

// unless is 0 when off is set, else n: a rate limit the option turns off.
func unless(off bool, n int) int {
	if off {
		return 0
	}
	return n
}

// exportName is the name the sandbox exports e under for s: e's own, or,
// for the second and later Tidio projects, with the project's number
// after the vendor's prefix (TIDIO_2_CLIENT_ID).
func (s *simulator) exportName(e envVar) string {
	if s.project <= 1 {
		return e.name
	}
	prefix := strings.ToUpper(s.vendor.name) + "_"
	return prefix + strconv.Itoa(s.project) + "_" + strings.TrimPrefix(e.name, prefix)
}

// baseURLVar is the name of v's base URL variable.
func baseURLVar(v vendor) string {
	for _, e := range v.env {
		if strings.HasSuffix(e.name, "_BASE_URL") {
			return e.name
		}
	}
	panic("vendor without a base URL variable: " + v.name)
}

// jsonString renders s as a JSON string value.
func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}
