package main

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// watchedBuffer is an output buffer that commands write from several
// goroutines while the test reads it; waitFor blocks until a condition on
// its content holds.
type watchedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at each write
}

func newWatchedBuffer() *watchedBuffer { return &watchedBuffer{changed: make(chan struct{})} }

func (b *watchedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	close(b.changed)
	b.changed = make(chan struct{})
	return n, err
}

func (b *watchedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until cond holds on the content, or fails the test after
// a generous deadline (a safety net: the writes it waits for are caused by
// the test, not by time).
func (b *watchedBuffer) waitFor(t *testing.T, what string, cond func(string) bool) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		b.mu.Lock()
		s, changed := b.buf.String(), b.changed
		b.mu.Unlock()
		if cond(s) {
			return s
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("never got %s; output:\n%s", what, s)
		}
	}
}

// listener is a running 'deskbridge events listen'.
type listener struct {
	out, errOut *watchedBuffer
	// URL is where it receives webhooks ("" when it receives none).
	URL string
}

// startListen runs 'deskbridge events listen args' with env until the test
// ends (then it must exit 0), and waits until it listens or polls.
func startListen(t *testing.T, env map[string]string, open func(context.Context, string, map[string]any) (*support.Client, error), args ...string) *listener {
	t.Helper()
	l := &listener{out: newWatchedBuffer(), errOut: newWatchedBuffer()}
	a := &app{stdout: l.out, stderr: l.errOut, getenv: func(k string) string { return env[k] }, open: open, now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, append([]string{"events", "listen"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, exitOK, <-done, "listen's exit code; stderr:\n%s", l.errOut.String())
		assert.Contains(t, l.errOut.String(), "deskbridge events listen: stopped.")
	})
	started := regexp.MustCompile(`listening on (http://\S+)|polling `)
	s := l.errOut.waitFor(t, "listen started", started.MatchString)
	if m := started.FindStringSubmatch(s); m[1] != "" {
		l.URL = m[1]
	}
	return l
}

// lines returns the output lines, without the last newline.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// openOn opens the adapter of simulator s, as 'deskbridge migrate' would
// with the sandbox's variables.
func openOn(t *testing.T, s *simulator) *support.Client {
	t.Helper()
	cfg, err := s.config()
	require.NoError(t, err)
	c, err := support.Open(context.Background(), s.vendor.name, cfg)
	require.NoError(t, err)
	return c
}

// A Tidio simulator as the sandbox starts it delivers to 'events listen':
// each event is printed once although every delivery is first sent with a
// bad signature (one line on stderr each) and sent again after it was
// accepted; the secret is the second of two (a rotation).
func TestEventsListenTidio(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		t.Run("json="+strconv.FormatBool(asJSON), func(t *testing.T) {
			env := map[string]string{tidioWebhookSecretVar: "old-secret, " + tidiotest.WebhookSecret}
			args := []string{"--vendor", "tidio", "--addr", "127.0.0.1:0"}
			if asJSON {
				args = append(args, "--json")
			}
			l := startListen(t, env, support.Open, args...)
			require.NotEmpty(t, l.URL)
			s, err := startSimulator("tidio", simOptions{Seed: 1, Unlimited: true,
				Webhooks: sim.WebhookOptions{URL: l.URL + "/", BadSignatures: 1, Duplicates: 1}})
			require.NoError(t, err)
			defer s.Close()

			// A ticket created through the OpenAPI sends no webhook; the
			// customer's reply and the operator's solve do.
			ctx := context.Background()
			conv, err := openOn(t, s).CreateConversation(ctx, support.NewConversation{
				Contact: support.Email("ada@example.com"), Name: "Ada Lovelace", Subject: "Order", Text: "Hello"})
			require.NoError(t, err)
			require.NoError(t, s.reply(conv.ID, "Where is my order?"))
			require.NoError(t, s.close(ctx, nil, conv.ID))
			require.NoError(t, s.webhooks.Flush(ctx))

			var faults []string
			for _, d := range s.webhooks.Deliveries() {
				faults = append(faults, d.Fault+":"+strconv.Itoa(d.Status))
			}
			assert.Equal(t, []string{"bad_signature:401", ":200", "duplicate:200", "bad_signature:401", ":200", "duplicate:200"}, faults)
			got := lines(l.out.String())
			require.Len(t, got, 2, "one line per event, duplicates dropped:\n%s", l.out.String())
			if asJSON {
				var evs []map[string]any
				for _, line := range got {
					var ev map[string]any
					require.NoError(t, json.Unmarshal([]byte(line), &ev), line)
					evs = append(evs, ev)
				}
				slices.SortFunc(evs, func(a, b map[string]any) int { return strings.Compare(a["topic"].(string), b["topic"].(string)) })
				assert.Equal(t, "conversation.solved_by_operator", evs[0]["topic"])
				assert.Equal(t, string(events.KindConversationStatusChanged), evs[0]["kind"])
				assert.Equal(t, "ticket.contact_replied", evs[1]["topic"])
				assert.Equal(t, string(events.KindMessageReceived), evs[1]["kind"])
				for _, ev := range evs {
					assert.Equal(t, "tidio", ev["vendor"])
					assert.NotEmpty(t, ev["delivery_id"])
					assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, ev["occurred_at"])
					raw, ok := ev["raw"].(map[string]any)
					require.True(t, ok, "raw is the delivery's JSON: %v", ev["raw"])
					assert.Equal(t, ev["topic"], raw["topic"], "raw is the delivery")
				}
			} else {
				slices.Sort(got) // delivery order is not guaranteed
				assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ tidio conversation.status_changed conversation.solved_by_operator`, got[0])
				assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ tidio message.received ticket.contact_replied`, got[1])
			}
			rejected := l.errOut.waitFor(t, "two rejections", func(s string) bool {
				return strings.Count(s, "deskbridge events: tidio: msg=\"webhook delivery rejected\" status=401 error=") == 2
			})
			assert.Equal(t, 2, strings.Count(rejected, "delivery rejected"), rejected)
			assert.Contains(t, rejected, "no signature matches a webhook secret", "the reason is said")
		})
	}
}

// TidySupport's deliveries are verified by the header secret; a single
// webhook vendor is served at / too, and a wrong secret is refused.
func TestEventsListenTidySupport(t *testing.T) {
	env := map[string]string{tidysupportWebhookSecretVar: tidysupporttest.WebhookSecret}
	l := startListen(t, env, support.Open, "--addr", "127.0.0.1:0") // TidySupport is the only vendor set
	s, err := startSimulator("tidysupport", simOptions{Seed: 3, Unlimited: true, Webhooks: sim.WebhookOptions{URL: l.URL}})
	require.NoError(t, err)
	defer s.Close()

	ctx := context.Background()
	conv, err := openOn(t, s).CreateConversation(ctx, support.NewConversation{
		Contact: support.Email("grace@example.com"), Name: "Grace Hopper", Subject: "Order", Text: "Hello"})
	require.NoError(t, err)
	require.NoError(t, s.reply(conv.ID, "Where is my order?"))
	require.NoError(t, s.close(ctx, nil, conv.ID))
	require.NoError(t, s.webhooks.Flush(ctx))

	out := l.out.String()
	assert.Regexp(t, `(?m)^\S+ tidysupport conversation.created CONVERSATION_CREATED .*conversation=`+regexp.QuoteMeta(conv.ID), out)
	assert.Regexp(t, `(?m)^\S+ tidysupport message.received MESSAGE_CREATED .*conversation=`+regexp.QuoteMeta(conv.ID)+` .*"Where is my order\?"$`, out)
	assert.Regexp(t, `(?m)^\S+ tidysupport conversation.status_changed CONVERSATION_CLOSED .*conversation=`+regexp.QuoteMeta(conv.ID), out)
	assert.NotContains(t, l.errOut.String(), "rejected")

	// The same delivery posted at / is this vendor's (a duplicate: 200,
	// not printed again); a wrong secret is refused and said on stderr.
	d := s.webhooks.Deliveries()[0]
	post := func(path, secret string) int {
		req, err := http.NewRequest(http.MethodPost, l.URL+path, bytes.NewReader(d.Body))
		require.NoError(t, err)
		req.Header = d.Header.Clone()
		if secret != "" {
			req.Header.Set(tidysupporttest.WebhookSecretHeader, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	before := l.out.String()
	assert.Equal(t, http.StatusOK, post("/", ""))
	assert.Equal(t, http.StatusNotFound, post("/elsewhere", ""))
	assert.Equal(t, http.StatusUnauthorized, post("/tidysupport", "not-the-secret"))
	assert.Equal(t, before, l.out.String(), "nothing new printed")
	l.errOut.waitFor(t, "the rejection", func(s string) bool {
		return strings.Contains(s, "deskbridge events: tidysupport: msg=\"webhook delivery rejected\" status=401 error=\"events: X-Webhook-Secret does not match the secret\"\n")
	})
}

// respond.io documents no webhooks: listen polls its change feed, and
// prints a customer's new message (the feed starts from what is there).
func TestEventsListenPollsRespondio(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := respondiotest.New(respondiotest.Options{Seed: 2})
		c, err := r.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
		require.NoError(t, err)
		_, err = r.SeedMessage(respondiotest.Message{ContactID: c.ID, Text: "An old message"})
		require.NoError(t, err)
		// The client-side rate limit is off, so that a poll does not wait
		// and synctest.Wait returns once it is done.
		env := map[string]string{"RESPONDIO_TOKEN": respondiotest.Token, "RESPONDIO_BASE_URL": respondiotest.InProcessURL, "RESPONDIO_RATE_LIMIT": "-1"}
		open := func(ctx context.Context, name string, cfg map[string]any) (*support.Client, error) {
			cfg["httpClient"] = r.InProcess()
			return support.Open(ctx, name, cfg)
		}
		out, errOut := newWatchedBuffer(), newWatchedBuffer()
		a := &app{stdout: out, stderr: errOut, getenv: func(k string) string { return env[k] }, open: open, now: time.Now}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan int, 1)
		go func() {
			done <- a.run(ctx, []string{"events", "listen", "--interval", "1m", "--budget", "600"}) // respond.io is the only vendor set
		}()
		synctest.Wait() // the first poll has recorded what is there
		assert.Empty(t, out.String(), "what was there before is not an event")
		require.Positive(t, r.Requests("GET /v2/contact/{identifier}/message/list"), "the first poll read the messages")
		_, err = r.SeedMessage(respondiotest.Message{ContactID: c.ID, Text: "Where is my order?"})
		require.NoError(t, err)
		time.Sleep(time.Minute + time.Second) // the next poll
		synctest.Wait()
		got := lines(out.String())
		require.Len(t, got, 1, "stderr:\n%s", errOut.String())
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ respondio message.received \S+ .*conversation=`+strconv.FormatInt(c.ID, 10)+` .*"Where is my order\?"$`, got[0])
		cancel()
		assert.Equal(t, exitOK, <-done, errOut.String())
		assert.Contains(t, errOut.String(), "polling respondio every 1m0s")
	})
}

// Missing variables and misplaced flags are configuration and usage
// errors (exit 2) that name what is wrong, before anything is served.
func TestEventsListenConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--vendor", "tidio"}, "Tidio webhooks need the environment variable TIDIO_WEBHOOK_SECRET"},
		{map[string]string{tidioWebhookSecretVar: " , "}, []string{"--vendor", "tidio"}, "TIDIO_WEBHOOK_SECRET"},
		{nil, []string{"--vendor", "tidysupport"}, "TidySupport webhooks need the environment variable TIDYSUPPORT_WEBHOOK_SECRET"},
		{nil, []string{"--vendor", "respondio"}, "respond.io needs the environment variable RESPONDIO_TOKEN"},
		{nil, nil, "nothing to listen to: set TIDIO_WEBHOOK_SECRET, RESPONDIO_TOKEN, TIDYSUPPORT_WEBHOOK_SECRET"},
		{nil, []string{"--vendor", "zendesk"}, `unknown vendor "zendesk"`},
		{map[string]string{tidioWebhookSecretVar: "s"}, []string{"--checkpoint", "x.json"}, "--checkpoint is for the change feed (respondio)"},
		{nil, []string{"--interval", "0s"}, "--interval and --budget must be more than 0"},
		{map[string]string{tidioWebhookSecretVar: "s"}, []string{"--vendor", "tidio", "--redis-url", "redis://127.0.0.1:1"}, "--redis-url is for the change feed (respondio)"},
		{map[string]string{"RESPONDIO_TOKEN": "t"}, []string{"--vendor", "respondio", "--redis-url", "redis://:hunter2@" + closedPort(t) + "?max_retries=-1"},
			"the shared rate limit (--redis-url): redis at 127.0.0.1:"},
		{map[string]string{"RESPONDIO_TOKEN": "t"}, []string{"--vendor", "respondio", "--redis-url", "http://x"}, "--redis-url: redislimit: bad Redis URL"},
		{nil, []string{"extra"}, `unexpected argument "extra"`},
	} {
		a := newTestApp(tc.env, nil)
		code := a.exec(context.Background(), append([]string{"events", "listen", "--addr", "127.0.0.1:0"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Contains(t, a.errOut.String(), tc.want, "%v", tc.args)
		assert.NotContains(t, a.errOut.String(), "listening", "%v", tc.args)
		assert.Empty(t, a.configs, "%v: opened a vendor", tc.args)
		assert.NotContains(t, a.errOut.String(), "hunter2", "%v", tc.args)
	}
	a := newTestApp(nil, nil)
	assert.Equal(t, exitUsage, a.exec(context.Background(), "events"))
	assert.Contains(t, a.errOut.String(), "missing subcommand: listen or kinds")
	assert.Equal(t, exitOK, a.exec(context.Background(), "events", "listen", "--help"))
	for _, want := range []string{"TIDIO_WEBHOOK_SECRET", "TidySupport documents no signature", "TIDYSUPPORT_WEBHOOK_HEADER", "X-Webhook-Secret", "respond.io documents no webhooks"} {
		assert.Contains(t, a.out.String(), want)
	}
}

// The table of event kinds, from the adapters' code: what each vendor's
// webhooks send and what its lists reveal.
func TestEventsKinds(t *testing.T) {
	a := realApp(nil)
	require.Equal(t, exitOK, a.exec(context.Background(), "events", "kinds", "--markdown"), a.errOut.String())
	md := a.out.String()
	for _, want := range []string{
		"| event | tidio | respondio | tidysupport |\n|---|---|---|---|\n",
		// Tidio: ticket.contact_replied; messages are listed.
		"| message.received | webhook, polled | polled | webhook, polled |\n",
		// TidySupport sends CONTACT_CREATED; Tidio contact.created.
		"| contact.created | webhook, polled | polled | webhook, polled |\n",
		// Tidio's notes are listed with messages, and sent by webhook;
		// respond.io lists no notes.
		"| note.added | webhook, polled | – | ",
	} {
		assert.Contains(t, md, want)
	}
	assert.Equal(t, len(eventKinds)+2, strings.Count(md, "\n"))
	assert.NotContains(t, md, string(events.KindOther))

	require.Equal(t, exitOK, a.exec(context.Background(), "events", "kinds", "--json"))
	var got []struct {
		Vendor  string        `json:"vendor"`
		Webhook []events.Kind `json:"webhook"`
		Polled  []events.Kind `json:"polled"`
	}
	require.NoError(t, json.Unmarshal(a.out.Bytes(), &got), a.out.String())
	require.Len(t, got, 3)
	assert.Equal(t, []string{"tidio", "respondio", "tidysupport"}, []string{got[0].Vendor, got[1].Vendor, got[2].Vendor})
	assert.Empty(t, got[1].Webhook, "respond.io documents no webhooks")
	assert.NotNil(t, got[1].Webhook, "an empty list, not null")
	assert.Contains(t, got[2].Webhook, events.KindConversationAssigned)
	assert.Contains(t, got[1].Polled, events.KindMessageReceived)

	require.Equal(t, exitOK, a.exec(context.Background(), "events", "kinds"))
	assert.Regexp(t, `(?m)^event\s+tidio\s+respondio\s+tidysupport$`, a.out.String())
	assert.Equal(t, exitUsage, a.exec(context.Background(), "events", "kinds", "--json", "--markdown"))
}

// eventKinds holds every kind the events package declares but KindOther,
// so that a kind added there cannot be missing from the table.
func TestEventKindsListsEveryKind(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../events/events.go", nil, 0)
	require.NoError(t, err)
	var declared []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Kind" {
				continue
			}
			for _, v := range vs.Values {
				s, err := strconv.Unquote(v.(*ast.BasicLit).Value)
				require.NoError(t, err)
				if s != string(events.KindOther) {
					declared = append(declared, s)
				}
			}
		}
	}
	var listed []string
	for _, k := range eventKinds {
		listed = append(listed, string(k))
	}
	require.NotEmpty(t, declared)
	assert.ElementsMatch(t, declared, listed)
}

// The sandbox with --webhook-url and --activity: a listener sees a stream
// from every vendor, the Tidio and TidySupport webhooks verified with the
// secrets the sandbox exports, each delivery printed once despite the
// faults, and respond.io's customer messages through the change feed.
func TestSandboxDeliversWebhooks(t *testing.T) {
	hooks := startListen(t, map[string]string{
		tidioWebhookSecretVar: tidiotest.WebhookSecret, tidysupportWebhookSecretVar: tidysupporttest.WebhookSecret,
	}, support.Open, "--addr", "127.0.0.1:0", "--json")
	env, printed := startSandbox(t, "--contacts", "5", "--webhook-url", hooks.URL+"/", "--webhook-faults", "--activity", "5ms")
	assert.Equal(t, tidiotest.WebhookSecret, env[tidioWebhookSecretVar], printed)
	assert.Equal(t, tidysupporttest.WebhookSecret, env[tidysupportWebhookSecretVar], printed)
	assert.Contains(t, printed, "webhooks to "+hooks.URL+"/tidio\n")
	assert.Contains(t, printed, "webhooks to "+hooks.URL+"/tidysupport\n")
	assert.Contains(t, printed, "A simulated customer writes every 5ms on each simulator.")

	polled := startListen(t, env, support.Open, "--vendor", "respondio", "--interval", "5ms", "--budget", "100000")

	type line struct {
		Vendor     string `json:"vendor"`
		Kind       string `json:"kind"`
		DeliveryID string `json:"delivery_id"`
	}
	parse := func(s string) []line {
		var out []line
		for _, l := range lines(s) {
			var ev line
			require.NoError(t, json.Unmarshal([]byte(l), &ev), l)
			out = append(out, ev)
		}
		return out
	}
	// complete returns the complete lines of s, parsed.
	complete := func(s string) []line { return parse(s[:strings.LastIndex(s, "\n")+1]) }
	want := []string{
		"tidio message.received", "tidio conversation.status_changed",
		"tidysupport conversation.created", "tidysupport message.received", "tidysupport conversation.status_changed",
	}
	got := hooks.out.waitFor(t, "events of every kind the activity makes", func(s string) bool {
		seen := map[string]bool{}
		for _, ev := range complete(s) {
			seen[ev.Vendor+" "+ev.Kind] = true
		}
		for _, w := range want {
			if !seen[w] {
				return false
			}
		}
		return true
	})
	ids := map[string]int{}
	for _, ev := range complete(got) {
		require.NotEmpty(t, ev.DeliveryID)
		ids[ev.DeliveryID]++
	}
	for id, n := range ids {
		assert.Equal(t, 1, n, "delivery %s printed %d times", id, n)
	}
	polled.out.waitFor(t, "respond.io's customer replies", func(s string) bool {
		return strings.Contains(s, " respondio message.received ")
	})
}

// The sandbox's new flags are checked before anything starts.
func TestSandboxWebhookFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--webhook-faults"}, "--webhook-faults needs --webhook-url"},
		{[]string{"--webhook-url", "ftp://example.com"}, "is not an http(s) URL"},
		{[]string{"--webhook-url", "localhost:8080"}, "is not an http(s) URL"},
		{[]string{"--activity", "-1s"}, "--activity must be 0 or more"},
	} {
		// A cancelled context: a command line wrongly taken starts the
		// sandbox and stops it at once, with exit 0.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		a := newTestApp(nil, nil)
		assert.Equal(t, exitUsage, a.exec(ctx, append([]string{"sandbox", "--contacts", "1"}, tc.args...)...), "%v", tc.args)
		assert.Contains(t, a.errOut.String(), tc.want, "%v", tc.args)
	}
}
