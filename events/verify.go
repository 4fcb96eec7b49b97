package events

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
)

// HeaderSecret returns a Verifier that accepts a delivery whose header
// carries secret, compared in constant time. It is for vendors that
// document no signature scheme (TidySupport): the app configures its
// webhook URL behind a proxy or gateway that adds the header, or registers
// a URL whose delivery path it controls. It is weaker than a signature: it
// authenticates the sender, not the body, and it cannot refuse a replay.
func HeaderSecret(header, secret string) (Verifier, error) {
	if header == "" || secret == "" {
		return nil, errors.New("events: HeaderSecret needs a header name and a secret")
	}
	want := []byte(secret)
	return func(h http.Header, _ []byte) error {
		got := h.Get(header)
		if got == "" {
			return fmt.Errorf("events: no %s header", header)
		}
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			return fmt.Errorf("events: %s does not match the secret", header)
		}
		return nil
	}, nil
}
