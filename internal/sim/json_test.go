package sim_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/internal/sim"
)

func TestReadJSON(t *testing.T) {
	type contact struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
		Age  int      `json:"age"`
	}
	cases := []struct {
		name      string
		body      string
		opts      sim.ReadOptions
		wantKind  error
		wantField string
	}{
		{name: "ok", body: `{"name":"Ada","tags":["a"],"age":36}`},
		{name: "unknown field ignored", body: `{"name":"Ada","extra":1}`},
		{name: "surrounding space", body: " \n{\"name\":\"Ada\"}\n"},
		{name: "empty", body: "", wantKind: sim.ErrEmptyBody},
		{name: "blank", body: "  \n", wantKind: sim.ErrEmptyBody},
		{name: "truncated", body: `{"name":"Ad`, wantKind: sim.ErrMalformedJSON},
		{name: "syntax", body: `{"name":}`, wantKind: sim.ErrMalformedJSON},
		{name: "two values", body: `{"name":"a"}{"name":"b"}`, wantKind: sim.ErrMalformedJSON},
		{name: "trailing garbage", body: `{"name":"a"} x`, wantKind: sim.ErrMalformedJSON},
		{name: "wrong type", body: `{"age":"old"}`, wantKind: sim.ErrWrongType, wantField: "age"},
		{name: "wrong type in list", body: `{"tags":[1]}`, wantKind: sim.ErrWrongType, wantField: "tags"},
		{name: "strict unknown", body: `{"name":"a","nickname":"b"}`, opts: sim.ReadOptions{Strict: true}, wantKind: sim.ErrUnknownField, wantField: "nickname"},
		{name: "too large", body: `{"name":"` + strings.Repeat("x", 100) + `"}`, opts: sim.ReadOptions{MaxBytes: 50}, wantKind: sim.ErrBodyTooLarge},
		{name: "exactly at limit", body: `{"name":"` + strings.Repeat("x", 40) + `"}`, opts: sim.ReadOptions{MaxBytes: 51}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/contacts", strings.NewReader(tc.body))
			var c contact
			err := sim.ReadJSON(r, &c, tc.opts)
			if tc.wantKind == nil {
				if err != nil {
					t.Fatalf("ReadJSON: %v", err)
				}
				if c.Name == "" {
					t.Fatal("decoded nothing")
				}
				return
			}
			var be *sim.BodyError
			if !errors.As(err, &be) || !errors.Is(err, tc.wantKind) {
				t.Fatalf("err = %v, want a *BodyError of kind %v", err, tc.wantKind)
			}
			if be.Field != tc.wantField {
				t.Fatalf("Field = %q, want %q", be.Field, tc.wantField)
			}
			if !strings.HasPrefix(err.Error(), "request body: "+tc.wantKind.Error()) {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestReadJSONNotAPointerIsNotTheClientsFault(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	var m map[string]any
	err := sim.ReadJSON(r, m, sim.ReadOptions{})
	var be *sim.BodyError
	if err == nil || errors.As(err, &be) {
		t.Fatalf("err = %v, want a plain error, not a *BodyError", err)
	}
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	if err := sim.WriteJSON(w, http.StatusCreated, map[string]string{"html": "<b>&</b>"}); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusCreated {
		t.Fatalf("status %d", w.Code)
	}
	if got, want := w.Body.String(), `{"html":"<b>&</b>"}`+"\n"; got != want {
		t.Fatalf("body %q, want %q (no HTML escaping)", got, want)
	}
	if ct, cl := w.Header().Get("Content-Type"), w.Header().Get("Content-Length"); ct != "application/json" || cl != "20" {
		t.Fatalf("Content-Type %q, Content-Length %q", ct, cl)
	}

	w = httptest.NewRecorder()
	if err := sim.WriteJSON(w, http.StatusNoContent, struct{}{}); err != nil || w.Code != 204 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "" {
		t.Fatalf("204: err %v, code %d, body %q, header %v", err, w.Code, w.Body, w.Header())
	}

	w = httptest.NewRecorder()
	if err := sim.WriteJSON(w, http.StatusOK, make(chan int)); err == nil || w.Code != http.StatusInternalServerError {
		t.Fatalf("unencodable value: err %v, code %d", err, w.Code)
	}
}
