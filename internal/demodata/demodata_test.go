package demodata

import (
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/support"
	"github.com/stretchr/testify/assert"
)

// phoneOwners maps each E.164 phone of data's source to the people
// (lower-cased emails; a case twin is the same person) who have it. A
// phone without its country code is no match key, so it is left out.
func phoneOwners(t *testing.T, data *Data) map[string]map[string]bool {
	t.Helper()
	owners := map[string]map[string]bool{}
	for _, in := range data.Source {
		if in.Phone == "" || in.Email == "" {
			continue
		}
		p, err := support.NormalizePhone(in.Phone)
		if err != nil {
			continue
		}
		if owners[p] == nil {
			owners[p] = map[string]bool{}
		}
		owners[p][strings.ToLower(in.Email)] = true
	}
	return owners
}

// By default no two different people share a phone, even at the largest
// size the sandbox seeds (generated phones used to repeat after 10,000,
// and a migration merged the people who shared them).
func TestDemoDataPhonesDistinct(t *testing.T) {
	data := New(100_000, 7, false)
	assert.Zero(t, data.SharedPhones)
	for phone, people := range phoneOwners(t, data) {
		if len(people) > 1 {
			t.Fatalf("phone %s is shared by %d people: %v", phone, len(people), people)
		}
	}
}

// With sharedPhones, one person in a hundred from the 1,000th on has the
// phone of another person, with another email.
func TestDemoDataSharedPhones(t *testing.T) {
	data := New(3000, 7, true)
	assert.Equal(t, 20, data.SharedPhones)
	shared := 0
	for _, people := range phoneOwners(t, data) {
		if len(people) > 1 {
			shared += len(people) - 1
		}
	}
	assert.Equal(t, data.SharedPhones, shared)
}
