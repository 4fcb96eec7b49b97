package tidiotest

import (
	"cmp"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// Header names Tidio uses [D T-auth, D T-rl].
const (
	headerClientID     = "X-Tidio-Openapi-Client-Id"
	headerClientSecret = "X-Tidio-Openapi-Client-Secret"
	headerLimit        = "X-Ratelimit-Limit"
	headerRemaining    = "X-Ratelimit-Remaining"
)

// emailIndex names the contacts' email index.
const emailIndex = "email"

// vendor is the Tidio handler behind the sim middleware.
type vendor struct {
	opts      Options
	clock     *sim.Clock
	ids       *sim.IDs
	limiter   *sim.Limiter
	mux       *http.ServeMux
	pageSize  int
	generalID string

	contacts    sim.Store[Contact]
	tickets     sim.Store[Ticket]
	operators   sim.Store[Operator]
	departments sim.Store[Department]
	properties  sim.Store[PropertyDef]
}

func newVendor(opts Options, clock *sim.Clock) *vendor {
	if opts.ClientID == "" {
		opts.ClientID = ClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = ClientSecret
	}
	v := &vendor{
		opts:     opts,
		clock:    clock,
		ids:      &sim.IDs{Seed: opts.Seed},
		limiter:  &sim.Limiter{Limit: opts.RateLimit, Window: opts.RateWindow, Clock: clock},
		mux:      http.NewServeMux(),
		pageSize: opts.PageSize,
	}
	if v.pageSize <= 0 {
		v.pageSize = DefaultPageSize
	}
	v.contacts.Index(emailIndex, func(c Contact) []string { return []string{emailKey(c.Email)} })
	v.generalID = v.ids.UUID("department")
	v.departments.Put(v.generalID, Department{ID: v.generalID, Name: "General"})

	m := v.mux
	m.HandleFunc("GET /contacts", v.listContacts)
	m.HandleFunc("POST /contacts", v.createContact)
	if !opts.DisableBatch {
		m.HandleFunc("POST /contacts/batch", v.createContacts)
	}
	m.HandleFunc("GET /contacts/{id}", v.getContact)
	m.HandleFunc("PATCH /contacts/{id}", v.patchContact)
	m.HandleFunc("PATCH /contacts/batch", v.patchContacts)
	m.HandleFunc("DELETE /contacts/{id}", v.deleteContact)
	m.HandleFunc("GET /contact-properties", v.listProperties)
	m.HandleFunc("GET /tickets", v.listTickets)
	m.HandleFunc("POST /tickets/as-contact", v.createTicket)
	m.HandleFunc("GET /tickets/{id}", v.getTicket)
	m.HandleFunc("PATCH /tickets/{id}", v.patchTicket)
	m.HandleFunc("DELETE /tickets/{id}", v.deleteTicket)
	m.HandleFunc("POST /tickets/{id}/reply", v.replyTicket)
	m.HandleFunc("GET /operators", v.listOperators)
	m.HandleFunc("GET /departments", v.listDepartments)
	m.HandleFunc("GET /project", v.getProject)
	return v
}

// ServeHTTP checks credentials, the Accept header and the rate limit, in
// that order, then routes the request.
func (v *vendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !v.authorized(r) {
		writeError(w, http.StatusUnauthorized, "unauthorized", "Invalid or missing X-Tidio-Openapi-Client-Id / X-Tidio-Openapi-Client-Secret")
		return
	}
	if !acceptsVersion1(r.Header.Values("Accept")) {
		writeError(w, http.StatusNotAcceptable, "not_acceptable", "The Accept header must be application/json; version=1")
		return
	}
	if v.opts.RateLimit > 0 {
		d := v.limiter.Allow("project")
		w.Header().Set(headerLimit, strconv.Itoa(d.Limit))
		w.Header().Set(headerRemaining, strconv.Itoa(d.Remaining))
		if !d.Allowed {
			writeTooManyRequests(w)
			return
		}
	}
	if _, pattern := v.mux.Handler(r); pattern == "" {
		v.noRoute(w, r)
		return
	}
	v.mux.ServeHTTP(w, r) // which, unlike Handler, sets the path values

}

// authorized reports whether both credential headers are present, carry
// Tidio's prefixes and match.
func (v *vendor) authorized(r *http.Request) bool {
	id, secret := r.Header.Get(headerClientID), r.Header.Get(headerClientSecret)
	return strings.HasPrefix(id, "ci_") && strings.HasPrefix(secret, "cs_") &&
		subtle.ConstantTimeCompare([]byte(id), []byte(v.opts.ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(v.opts.ClientSecret)) == 1
}

// acceptsVersion1 reports whether an Accept header asks for
// application/json with version=1, the media-type parameter Tidio requires
// [D T-ver].
func acceptsVersion1(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == "application/json" && params["version"] == "1" {
				return true
			}
		}
	}
	return false
}

// noRoute answers a request no pattern handles: 405 when the path exists
// with other methods, else 404, both in Tidio's error shape.
func (v *vendor) noRoute(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := v.mux.Handler(probe); p != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("Method %s is not allowed here", r.Method))
		return
	}
	writeError(w, http.StatusNotFound, "not_found", "Route not found")
}

// errorItem is one entry of Tidio's error body.
type errorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

// writeError sends Tidio's error body with one error.
func writeError(w http.ResponseWriter, status int, code, message string) {
	_ = sim.WriteJSON(w, status, errorBody{Errors: []errorItem{{Code: code, Message: message}}})
}

// writeValidation sends a 422 with one error per problem.
func writeValidation(w http.ResponseWriter, problems []problem) {
	body := errorBody{}
	for _, p := range problems {
		body.Errors = append(body.Errors, errorItem{Code: "validation_error", Message: p.String()})
	}
	_ = sim.WriteJSON(w, http.StatusUnprocessableEntity, body)
}

// writeTooManyRequests sends Tidio's 429, with no Retry-After [D T-rl].
func writeTooManyRequests(w http.ResponseWriter) {
	writeError(w, http.StatusTooManyRequests, "too_many_requests", "You have reached the limit of allowed attempts")
}

// writeBodyError answers a body ReadJSON could not decode: 400 for
// malformed JSON, 422 for a value of the wrong type.
func writeBodyError(w http.ResponseWriter, err error) {
	var be *sim.BodyError
	if errors.As(err, &be) && errors.Is(err, sim.ErrWrongType) {
		writeValidation(w, []problem{{field: be.Field, message: "has the wrong type"}})
		return
	}
	if errors.Is(err, sim.ErrBodyTooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", "The request body is too large")
		return
	}
	writeError(w, http.StatusBadRequest, "bad_request", "The request body is not valid JSON")
}

// respondFault writes the response of an injected status fault in Tidio's
// shape.
func (v *vendor) respondFault(w http.ResponseWriter, r *http.Request, f sim.Fault) {
	if f.Status == http.StatusTooManyRequests && f.Message == "" {
		writeTooManyRequests(w)
		return
	}
	code := strings.ToLower(strings.ReplaceAll(http.StatusText(f.Status), " ", "_"))
	if code == "" {
		code = "server_error"
	}
	writeError(w, f.Status, code, cmp.Or(f.Message, http.StatusText(f.Status)))
}

// problem is one validation failure: the field (JSON path) and what is wrong.
type problem struct {
	field   string
	message string
}

func (p problem) String() string {
	if p.field == "" {
		return p.message
	}
	return p.field + ": " + p.message
}

// ticketKey is the store key of a ticket ID.
func ticketKey(id int64) string { return strconv.FormatInt(id, 10) }
