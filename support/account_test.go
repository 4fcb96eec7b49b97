package support

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

type namedFake struct {
	*fake
	account string
}

func (n namedFake) Account() string { return n.account }

func TestAccount(t *testing.T) {
	assert.Equal(t, "fake", NewClient(newFake()).Account(), "a driver that names no account: the vendor alone")
	c := NewClient(namedFake{newFake(), "https://api.example.com workspace:w1"})
	assert.Equal(t, "fake https://api.example.com workspace:w1", c.Account())
}

func TestAccountFingerprint(t *testing.T) {
	const secret = "cs_0123456789abcdefghijklmnopqrstuv"
	a := AccountFingerprint("https://api.tidio.com", secret)
	assert.Equal(t, a, AccountFingerprint("https://api.tidio.com", secret), "stable")
	assert.NotEqual(t, a, AccountFingerprint("https://api.tidio.com", secret+"x"), "another credential, another account")
	assert.NotEqual(t, a, AccountFingerprint("http://127.0.0.1:8080", secret), "another host, another account")
	assert.True(t, strings.HasPrefix(a, "https://api.tidio.com key:"), a)
	for n := 4; n <= len(secret); n++ {
		assert.NotContains(t, a, secret[:n])
	}
}
