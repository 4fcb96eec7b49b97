package support

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestErrorIsKind(t *testing.T) {
	kinds := []error{ErrNotFound, ErrConflict, ErrInvalid, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrUnavailable, ErrUnsupported}
	for _, k := range kinds {
		e := &Error{Vendor: "tidio", Op: OpGetContact, Status: 404, Kind: k, Err: context.Canceled}
		wrapped := fmt.Errorf("outer: %w", e)
		for _, other := range kinds {
			if got := errors.Is(wrapped, other); got != (other == k) {
				t.Errorf("kind %v: errors.Is(%v) = %v", k, other, got)
			}
		}
		if !errors.Is(wrapped, context.Canceled) {
			t.Errorf("kind %v: cause not reachable", k)
		}
		if errors.Is(wrapped, ErrOutcomeUnknown) {
			t.Errorf("kind %v: matches ErrOutcomeUnknown without OutcomeUnknown set", k)
		}
		var got *Error
		if !errors.As(wrapped, &got) || got.Status != 404 {
			t.Errorf("kind %v: errors.As failed", k)
		}
	}
	amb := &Error{Kind: ErrUnavailable, OutcomeUnknown: true}
	if !errors.Is(amb, ErrOutcomeUnknown) || !errors.Is(amb, ErrUnavailable) {
		t.Error("ambiguous error must match both ErrOutcomeUnknown and its kind")
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Vendor: "tidio", Op: OpCreateContact, Status: 429, Code: "too_many_requests",
		Message: "slow down", Kind: ErrRateLimited, RetryAfter: 3 * time.Second}
	want := "tidio: contacts.create: rate limited: HTTP 429: too_many_requests: slow down: retry after 3s"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
	if got := (&Error{}).Error(); got == "" {
		t.Error("empty Error renders as empty string")
	}
}

func TestSecretNeverFormats(t *testing.T) {
	const canary = "cs_CANARY_9f8e7d"
	type config struct {
		ClientID string
		Secret   Secret
		Nested   struct{ S Secret }
		Ptr      *Secret
	}
	s := Secret(canary)
	c := config{ClientID: "ci_1", Secret: s, Ptr: &s}
	c.Nested.S = s
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, s))
	}
	js, _ := json.Marshal(c)
	outs = append(outs, string(js))
	var logs strings.Builder
	l := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l.Debug("config", "cfg", c, "secret", s)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", c, "secret", s)
	outs = append(outs, logs.String())
	for _, o := range outs {
		if strings.Contains(o, canary) || strings.Contains(o, fmt.Sprintf("%x", canary)) {
			t.Errorf("secret leaked: %s", o)
		}
	}
	if s.Reveal() != canary || string(s) != canary {
		t.Error("Reveal does not return the credential")
	}
	if Secret("").String() != "" {
		t.Error("empty secret should render empty, so a missing credential is visible")
	}
}

func TestAttribute(t *testing.T) {
	if Attribute(nil, "v", OpGetContact) != nil {
		t.Error("Attribute(nil) is not nil")
	}
	orig := &Error{Kind: ErrRateLimited, Message: "m", RetryAfter: time.Second, OutcomeUnknown: true, Err: context.Canceled}
	err := Attribute(fmt.Errorf("wrapped: %w", orig), "tidio", OpCreateContact)
	var got *Error
	if !errors.As(err, &got) || got.Vendor != "tidio" || got.Op != OpCreateContact || got.RetryAfter != time.Second ||
		!got.OutcomeUnknown || got.Message != "m" || !errors.Is(err, ErrRateLimited) || !errors.Is(err, context.Canceled) {
		t.Errorf("Attribute lost something: %#v", got)
	}
	if orig.Vendor != "" || orig.Op != "" {
		t.Error("Attribute changed the original error")
	}
	plain := errors.New("plain")
	err = Attribute(plain, "v", OpGetContact)
	if !errors.Is(err, ErrInvalid) || !errors.Is(err, plain) {
		t.Errorf("plain error: %v", err)
	}
}
