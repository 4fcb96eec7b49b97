package rest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// Credentials shaped like real ones (31–37 bytes, as in the issue), with
// no character of "[REDACTED]" at either end.
const (
	leakKey   = "cs_live_7Hq2mZp4Xv9Kd3Rt8Wn5Ly6Bf1Gj0Sa"
	leakToken = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0Zq"
)

var leakSecrets = []string{leakKey, leakToken}

// leakConfig sends both credentials, logs every level as JSON into logs,
// and decodes {"code","message"} the way the adapters do: clipped, code to
// 20 bytes and message to 60, so that a secret can straddle the cut.
func leakConfig(logs *syncBuffer) Config {
	h := http.Header{}
	h.Set("X-Api-Key", leakKey)
	h.Set("Authorization", "Bearer "+leakToken)
	return Config{
		Vendor:      "leaky",
		Header:      h,
		Secrets:     leakSecrets,
		Logger:      slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MaxAttempts: 2,
		Rand:        func() float64 { return 0 },
		DecodeError: func(_ int, h http.Header, body []byte) ErrorInfo {
			var v struct{ Code, Message string }
			_ = json.Unmarshal(body, &v)
			if d := h.Get("X-Debug"); d != "" {
				v.Message = d + " " + v.Message
			}
			return ErrorInfo{Code: clipAt(v.Code, 20), Message: clipAt(v.Message, 60)}
		},
	}
}

// clipAt cuts s to n bytes, as the adapters' clipText and clipTo do.
func clipAt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// assertNoSecretPart fails when s shows more than 8 characters of the start
// or of the end of a secret (S6): any longer prefix contains its first 9.
func assertNoSecretPart(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range leakSecrets {
		assert.NotContains(t, s, sec[:minLeak], "%s shows the start of a secret", what)
		assert.NotContains(t, s, sec[len(sec)-minLeak:], "%s shows the end of a secret", what)
	}
}

// reachable returns every error an app can reach from err: the chain of
// errors.Unwrap in both forms, and what errors.As finds for the transport's
// error types.
func reachable(err error) []error {
	var out []error
	todo := []error{err}
	for len(todo) > 0 && len(out) < 100 {
		e := todo[0]
		todo = todo[1:]
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			if w := u.Unwrap(); w != nil {
				todo = append(todo, w)
			}
		case interface{ Unwrap() []error }:
			for _, w := range u.Unwrap() {
				if w != nil {
					todo = append(todo, w)
				}
			}
		}
	}
	var ue *url.Error
	var oe *net.OpError
	var ne net.Error
	var se *support.Error
	if errors.As(err, &ue) {
		out = append(out, ue)
	}
	if errors.As(err, &oe) {
		out = append(out, oe)
	}
	if errors.As(err, &ne) {
		out = append(out, ne)
	}
	if errors.As(err, &se) {
		out = append(out, errors.New(se.Code), errors.New(se.Message))
	}
	return out
}

// assertErrorClean checks every error reachable from err, and that there
// is more than one to check where the error has a cause.
func assertErrorClean(t *testing.T, what string, err error) {
	t.Helper()
	require.Error(t, err, what)
	for i, e := range reachable(err) {
		assertNoSecretPart(t, fmt.Sprintf("%s: reachable error %d (%T)", what, i, e), e.Error())
	}
}

func assertLogsClean(t *testing.T, logs string) {
	t.Helper()
	require.NotEmpty(t, logs)
	for line := range strings.Lines(logs) {
		assertNoSecretPart(t, "log line", line)
	}
}

// rawServer answers every request on a loopback socket with resp, written
// as it is: it can say what net/http's own server never would (a bad
// Content-Length, a malformed status line), which net/http's client then
// quotes in its errors.
func rawServer(t *testing.T, resp string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(conn, resp)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestTransportErrorsQuotingSecretsAreRedacted is item 8b: where net/http
// itself quotes what the vendor sent (a Content-Length, a status code, a
// Location, a header line), no error reachable from ours by errors.Unwrap
// (either form) or errors.As shows any of a secret, nor does any log line;
// the kind, the retry and errors.Is still work.
func TestTransportErrorsQuotingSecretsAreRedacted(t *testing.T) {
	cases := []struct {
		name, resp string
		is         error // also matched
	}{
		{"bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: " + leakKey + "\r\n\r\n", support.ErrUnavailable},
		{"malformed status code", "HTTP/1.1 " + leakKey + " OK\r\nContent-Length: 0\r\n\r\n", support.ErrUnavailable},
		{"malformed header line", "HTTP/1.1 200 OK\r\n" + leakKey + "\r\nContent-Length: 0\r\n\r\n", support.ErrUnavailable},
		{"unsupported transfer encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: " + leakToken + "\r\n\r\n", support.ErrUnavailable},
		{"unparsable Location", "HTTP/1.1 302 Found\r\nLocation: http://[" + leakKey + "\r\nContent-Length: 0\r\n\r\n", support.ErrUnavailable},
		{"redirect elsewhere", "HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/" + leakKey + "?t=" + leakToken +
			"\r\nContent-Length: 0\r\n\r\n", ErrRedirectRefused},
		{"status text", "HTTP/1.1 401 " + leakKey + "\r\nContent-Length: 0\r\n\r\n", support.ErrUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			cfg := leakConfig(&logs)
			cfg.BaseURL = rawServer(t, tc.resp)
			c, err := New(cfg)
			require.NoError(t, err)
			_, err = c.Do(t.Context(), Request{Op: support.OpGetContact, Path: Segments("contacts", "1")}, nil)
			require.ErrorIs(t, err, tc.is)
			assertErrorClean(t, "Do", err)
			assert.Contains(t, err.Error(), "leaky: "+string(support.OpGetContact), "the error still says what failed")
			assertLogsClean(t, logs.String())
		})
	}
}

// TestRedactedChainKeepsMatching: an error whose chain showed a secret
// still matches, with errors.Is, what the original matched, and is still a
// net.Error with the original's Timeout; a clean chain is kept as it is.
func TestRedactedChainKeepsMatching(t *testing.T) {
	red := newRedactor(leakSecrets, nil)
	for _, target := range []error{context.Canceled, context.DeadlineExceeded, syscall.ECONNRESET, ErrRedirectRefused, support.ErrUnavailable} {
		raw := fmt.Errorf("proxy said %q: %w", leakKey, &net.OpError{Op: "read", Net: "tcp", Err: fmt.Errorf("echo %s: %w", leakToken, target)})
		err := red.error(raw)
		require.ErrorIs(t, err, target)
		assertErrorClean(t, target.Error(), err)
		assert.Contains(t, err.Error(), redactedText)
	}

	timeout := red.error(fmt.Errorf("%s: %w", leakKey, &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}))
	var ne net.Error
	require.ErrorAs(t, timeout, &ne)
	assert.True(t, ne.Timeout(), "the timeout survives redaction")
	assertErrorClean(t, "timeout", timeout)
	notNet := red.error(errors.New("bad value " + leakKey))
	assert.False(t, errors.As(notNet, &ne), "an error that held no net.Error does not become one")

	clean := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	assert.Same(t, clean, red.error(clean).(*net.OpError), "a chain without secrets is kept, errors.As and all")
	joined := red.error(errors.Join(errors.New("fine"), errors.New("key "+leakKey)))
	assertErrorClean(t, "joined", joined)
}

// TestSecretAcrossTheClipPoint is item 8a: a vendor message that echoes a
// credential where the adapter clips it, escaped so that the raw body does
// not show it, cut short by the vendor itself, or only its end, leaves no
// more than 8 of its characters in the error, the vendor code and message,
// and the Debug and Warn logs.
func TestSecretAcrossTheClipPoint(t *testing.T) {
	pad := strings.Repeat("x", 40)
	escaped := `\u0063` + leakKey[1:] // "c" as a JSON escape
	cases := []struct {
		name, body string
		header     []string
	}{
		{"message clipped inside the secret", `{"message":"` + pad + ` key ` + leakKey + ` is wrong"}`, nil},
		{"escaped, clipped inside the secret", `{"message":"` + pad + ` key ` + escaped + ` is wrong"}`, nil},
		{"code clipped inside the secret", `{"code":"bad_` + leakKey + `","message":"no"}`, nil},
		{"vendor echoes a truncated credential", `{"message":"key ` + leakKey[:20] + `... is wrong"}`, nil},
		{"vendor echoes its end", `{"message":"key ...` + leakKey[len(leakKey)-15:] + ` is wrong"}`, nil},
		{"token start and key end, adjacent", `{"message":"` + leakToken[:12] + leakKey[20:] + `"}`, nil},
		{"a header the hook reads, clipped", `{"message":"denied"}`, []string{"X-Debug", pad + " sent " + leakToken}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logs syncBuffer
				c, rt := newFake(t, leakConfig(&logs), seq(status(503, tc.body, tc.header...)))
				_, err := c.Do(t.Context(), Request{Op: support.OpCreateContact, Method: "POST", Path: Segments("contacts"),
					Idempotency: Idempotent, Body: map[string]string{"email": "a@example.com"}}, nil)
				require.ErrorIs(t, err, support.ErrUnavailable)
				require.Equal(t, 2, rt.count(), "retried once, so a Warn line quotes the error")
				assertErrorClean(t, "Do", err)
				assert.Contains(t, asError(t, err).Code+asError(t, err).Message, redactedText, "the message is kept, redacted")
				out := logs.String()
				require.Contains(t, out, `"level":"WARN"`)
				require.Contains(t, out, `"level":"DEBUG"`)
				assertLogsClean(t, out)
			})
		})
	}
}

// TestSimCredentialEcho: the simulators' credential-echo fault, its
// credentials starting anywhere from 20 bytes before to the very byte of a
// 200-byte clip, leaves none of them (beyond 8 characters) in the error or
// the logs.
func TestSimCredentialEcho(t *testing.T) {
	for offset := 180; offset <= 200; offset++ {
		st := sim.NewStack(http.NotFoundHandler())
		st.Faults.Respond = func(w http.ResponseWriter, _ *http.Request, f sim.Fault) {
			_ = sim.WriteJSON(w, f.Status, map[string]string{"code": "unauthorized", "message": f.Message})
		}
		echo := sim.CredentialEcho(0, "Authorization", "X-Api-Key")
		echo.Offset = offset
		st.Faults.Next(1, sim.Match{}, echo)
		var logs syncBuffer
		cfg := leakConfig(&logs)
		cfg.BaseURL, cfg.HTTPClient, cfg.MaxAttempts = "http://127.0.0.1:9", st.InProcess(), 1
		cfg.DecodeError = func(_ int, _ http.Header, body []byte) ErrorInfo {
			var v struct{ Code, Message string }
			_ = json.Unmarshal(body, &v)
			return ErrorInfo{Code: v.Code, Message: clipAt(v.Message, 200)}
		}
		c, err := New(cfg)
		require.NoError(t, err)
		_, err = c.Do(t.Context(), Request{Op: support.OpListContacts, Path: Segments("contacts")}, nil)
		require.ErrorIs(t, err, support.ErrUnauthorized, "offset %d", offset)
		assertErrorClean(t, fmt.Sprintf("offset %d", offset), err)
		assertLogsClean(t, logs.String())
	}
}

// TestRedactorPrefixesAndSuffixes: whole secrets, their escaped forms and
// any run of more than 8 characters that starts or ends one are replaced;
// 8 characters or fewer, or the middle of one, are not (the bar is S6).
func TestRedactorPrefixesAndSuffixes(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+leakToken)
	red := newRedactor([]string{leakKey, "short", "a/b c+d&e=f<g>h"}, h)
	for in, want := range map[string]string{
		"key " + leakKey + " bad":                 "key [REDACTED] bad",
		"key " + leakKey[:9] + "…":                "key [REDACTED]…",
		"key " + leakKey[:8] + "…":                "key " + leakKey[:8] + "…",
		"…" + leakKey[len(leakKey)-9:] + " end":   "…[REDACTED] end",
		"…" + leakKey[len(leakKey)-8:] + " end":   "…" + leakKey[len(leakKey)-8:] + " end",
		"mid " + leakKey[10:25] + " mid":          "mid " + leakKey[10:25] + " mid",
		leakKey + leakKey:                         "[REDACTED]",
		leakKey[:15] + leakKey:                    "[REDACTED]",
		"x" + leakKey[:12] + "y" + leakKey[:12]:   "x[REDACTED]y[REDACTED]",
		"Bearer " + leakToken:                     "Bearer [REDACTED]",
		"Bearer token expired":                    "Bearer token expired",
		"the short one":                           "the [REDACTED] one",
		"shor":                                    "shor",
		"q=" + url.QueryEscape("a/b c+d&e=f<g>h"): "q=[REDACTED]",
		"p/" + url.PathEscape("a/b c+d&e=f<g>h"):  "p/[REDACTED]",
		`"a/b c+d\u0026e=f\u003cg\u003eh"`:        `"[REDACTED]"`,
		"nothing here":                            "nothing here",
	} {
		assert.Equal(t, want, red.String(in), "redact %q", in)
	}
	empty := newRedactor(nil, nil)
	assert.Equal(t, "x "+leakKey, empty.String("x "+leakKey), "no secrets, nothing redacted")
}

// FuzzRedactor: whatever surrounds or cuts a secret, the redacted text
// shows neither its first nor its last 9 characters.
func FuzzRedactor(f *testing.F) {
	f.Add("key ", uint8(37), uint8(0), " is wrong")
	f.Add(leakKey[:9], uint8(20), uint8(3), leakKey[30:])
	f.Add("\xff", uint8(9), uint8(9), leakToken)
	red := newRedactor(leakSecrets, nil)
	f.Fuzz(func(t *testing.T, pre string, n, from uint8, post string) {
		from %= uint8(len(leakKey))
		piece := leakKey[from:min(len(leakKey), int(from)+int(n))]
		out := red.String(pre + piece + post)
		for _, sec := range leakSecrets {
			if strings.Contains(out, sec[:minLeak]) || strings.Contains(out, sec[len(sec)-minLeak:]) {
				t.Fatalf("redact(%q) = %q shows a secret's start or end", pre+piece+post, out)
			}
		}
	})
}
