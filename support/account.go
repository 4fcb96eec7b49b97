package support

import (
	"crypto/sha256"
	"encoding/hex"
)

// AccountNamer is implemented by drivers that can say which vendor account
// they reach, so that a saved migration state is never reused against
// another one. Account returns a stable name for it that holds no
// credential: the base URL and a workspace or project ID when the vendor
// has one, else a fingerprint of the credential (AccountFingerprint).
type AccountNamer interface {
	Account() string
}

// Account names the vendor account the Client reaches: the vendor and, when
// the driver is an AccountNamer, what its Account returns. It never holds a
// credential. Two Clients with the same Account reach the same data; a
// credential rotated for the same account changes it when the driver can
// only fingerprint the credential.
func (c *Client) Account() string {
	if n, ok := c.d.(AccountNamer); ok {
		if a := n.Account(); a != "" {
			return c.vendor + " " + a
		}
	}
	return c.vendor
}

// AccountFingerprint returns "<baseURL> key:<12 hex digits>", the digits a
// SHA-256 hash of credential, for drivers whose vendor names no account
// in its API. The hash tells two credentials apart without revealing either:
// no prefix of the credential appears in it.
func AccountFingerprint(baseURL, credential string) string {
	sum := sha256.Sum256([]byte("deskbridge account\x00" + credential))
	return baseURL + " key:" + hex.EncodeToString(sum[:6])
}
