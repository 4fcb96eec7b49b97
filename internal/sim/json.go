package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// DefaultMaxBody is the request body size ReadJSON accepts by default.
const DefaultMaxBody = 1 << 20

// The problems ReadJSON reports; match them with errors.Is on its error.
var (
	// ErrEmptyBody: the request has no body.
	ErrEmptyBody = errors.New("empty body")
	// ErrBodyTooLarge: the body is over the size limit.
	ErrBodyTooLarge = errors.New("body too large")
	// ErrMalformedJSON: the body is not one well-formed JSON value.
	ErrMalformedJSON = errors.New("malformed JSON")
	// ErrUnknownField: a field the target type does not have (with
	// ReadOptions.Strict only).
	ErrUnknownField = errors.New("unknown field")
	// ErrWrongType: a value of the wrong JSON type for its field.
	ErrWrongType = errors.New("wrong type")
)

// BodyError is a request body ReadJSON could not decode. Kind is one of the
// Err* problems above (errors.Is matches it), Field the JSON field concerned
// when known ("contacts.0.email" style, as encoding/json names it), and Err
// the decoder's own error. Simulators map it to their vendor's 400 or 422.
type BodyError struct {
	Kind  error
	Field string
	Err   error
}

// Error renders the error as "request body: kind: field "f": cause".
func (e *BodyError) Error() string {
	var b strings.Builder
	b.WriteString("request body: ")
	b.WriteString(e.Kind.Error())
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is reports whether target is e's Kind.
func (e *BodyError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the decoder's error.
func (e *BodyError) Unwrap() error { return e.Err }

// ReadOptions tunes ReadJSON. The zero value accepts up to DefaultMaxBody
// bytes and ignores unknown fields, as encoding/json does.
type ReadOptions struct {
	// MaxBytes is the largest body accepted; zero means DefaultMaxBody.
	MaxBytes int64
	// Strict rejects fields that v does not have.
	Strict bool
}

// ReadJSON decodes r's body, which must be exactly one JSON value, into v.
// A body it cannot decode fails with a *BodyError.
func ReadJSON(r *http.Request, v any, opts ReadOptions) error {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	if r.Body == nil {
		return &BodyError{Kind: ErrEmptyBody}
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return &BodyError{Kind: ErrMalformedJSON, Err: err}
	}
	if int64(len(data)) > limit {
		return &BodyError{Kind: ErrBodyTooLarge, Err: fmt.Errorf("over %d bytes", limit)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &BodyError{Kind: ErrEmptyBody}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if opts.Strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return classify(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &BodyError{Kind: ErrMalformedJSON, Err: fmt.Errorf("data after the JSON value at offset %d", dec.InputOffset())}
	}
	return nil
}

// classify turns an encoding/json error into a *BodyError.
func classify(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var inv *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &inv):
		// v is not a pointer: a simulator bug, not the client's.
		return fmt.Errorf("sim: ReadJSON: %w", err)
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return &BodyError{Kind: ErrMalformedJSON, Err: err}
	case errors.As(err, &typ):
		return &BodyError{Kind: ErrWrongType, Field: typ.Field, Err: err}
	}
	// encoding/json reports unknown fields only as text.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if f, uerr := strconv.Unquote(name); uerr == nil {
			name = f
		}
		return &BodyError{Kind: ErrUnknownField, Field: name, Err: err}
	}
	return &BodyError{Kind: ErrMalformedJSON, Err: err}
}

// WriteJSON sends v as a JSON response with status, as vendors do: with
// Content-Type application/json and Content-Length, and without escaping
// <, > and & as encoding/json does by default. If v cannot be encoded (a
// simulator bug), it sends a 500 and returns the error.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "sim: cannot encode response", http.StatusInternalServerError)
		return fmt.Errorf("sim: WriteJSON: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if !bodyAllowed(status) {
		w.WriteHeader(status)
		return nil
	}
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
