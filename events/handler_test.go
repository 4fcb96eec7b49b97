package events_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/events"
)

// toy is a vendor scheme for the tests: header X-Token must be "ok"; the
// body is "<delivery id>:<topic>".
var toy = events.Config{
	Verify: func(h http.Header, _ []byte) error {
		if h.Get("X-Token") != "ok" {
			return errors.New("bad token")
		}
		return nil
	},
	Parse: func(body []byte) (events.Event, error) {
		id, topic, ok := strings.Cut(string(body), ":")
		if !ok {
			return events.Event{}, errors.New("no colon")
		}
		return events.Event{Kind: events.KindOther, Topic: topic, DeliveryID: id, Raw: body}, nil
	},
}

// failingDedup fails every lookup.
type failingDedup struct{}

func (failingDedup) Seen(context.Context, string) (bool, error) {
	return false, errors.New("store down")
}

func serve(h http.Handler, method, token, body string) int {
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	req.Header.Set("X-Token", token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// TestHandler: every answer of the Handler, and what reaches the app.
func TestHandler(t *testing.T) {
	var got []string
	var fail error
	cfg := toy
	cfg.MaxBody = 16
	h, err := events.NewHandler(cfg, func(_ context.Context, ev events.Event) error {
		if fail != nil {
			return fail
		}
		got = append(got, ev.DeliveryID)
		return nil
	})
	require.NoError(t, err)

	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, "ok", "1:a"))
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, "ok", "1:a"), "duplicate")
	assert.Equal(t, http.StatusUnauthorized, serve(h, http.MethodPost, "bad", "2:a"))
	assert.Equal(t, http.StatusBadRequest, serve(h, http.MethodPost, "ok", "3a"))
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, http.MethodPost, "ok", "4:"+strings.Repeat("x", 16)))
	assert.Equal(t, http.StatusMethodNotAllowed, serve(h, http.MethodGet, "ok", "5:a"))
	fail = errors.New("app down")
	assert.Equal(t, http.StatusInternalServerError, serve(h, http.MethodPost, "ok", "6:a"))
	fail = nil
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, "ok", "6:a"), "retry after a failure")
	assert.Equal(t, []string{"1", "6"}, got)

	cfg.Dedup = failingDedup{}
	h, err = events.NewHandler(cfg, func(context.Context, events.Event) error { t.Error("handed on"); return nil })
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, serve(h, http.MethodPost, "ok", "7:a"))
}

// TestHandlerDefaultMaxBody: without MaxBody, bodies up to 1 MiB pass and
// longer ones get 413.
func TestHandlerDefaultMaxBody(t *testing.T) {
	h, err := events.NewHandler(toy, func(context.Context, events.Event) error { return nil })
	require.NoError(t, err)
	fits := "1:" + strings.Repeat("x", int(events.DefaultMaxBody)-2)
	assert.Equal(t, http.StatusOK, serve(h, http.MethodPost, "ok", fits))
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, http.MethodPost, "ok", "2"+fits))
}

// TestNewHandlerErrors: a missing part or a negative cap is refused.
func TestNewHandlerErrors(t *testing.T) {
	deliver := func(context.Context, events.Event) error { return nil }
	_, err := events.NewHandler(events.Config{Parse: toy.Parse}, deliver)
	assert.Error(t, err)
	_, err = events.NewHandler(events.Config{Verify: toy.Verify}, deliver)
	assert.Error(t, err)
	_, err = events.NewHandler(toy, nil)
	assert.Error(t, err)
	cfg := toy
	cfg.MaxBody = -1
	_, err = events.NewHandler(cfg, deliver)
	assert.Error(t, err)
}

// Example shows a vendor scheme plugged into NewHandler and one delivery.
func Example() {
	h, err := events.NewHandler(toy, func(_ context.Context, ev events.Event) error {
		fmt.Println("event", ev.DeliveryID, ev.Topic)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for range 2 { // the second is a redelivery, not handed on again
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("d-1:contact.created"))
		req.Header.Set("X-Token", "ok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// event d-1 contact.created
	// 200 OK
	// 200 OK
}
