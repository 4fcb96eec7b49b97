package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInbox(t *testing.T) {
	// The simulators and the receiver run on loopback in real time; the
	// change feed polls every millisecond, and the timeout is only a
	// safety net: run returns as soon as the scripted events are in.
	var out strings.Builder
	err := run(context.Background(), &out, config{Timeout: time.Minute, Interval: time.Millisecond, Budget: offlineBudget})
	got := out.String()
	require.NoError(t, err, got)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")

	// Every scripted event appears exactly once, webhooks and change feed
	// alike.
	const uuid = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	const tidy = `ctc_\w{24} conversation=thd_\w{24}`
	scripted := []string{
		`tidio +contact\.created +contact=(` + uuid + `) Ada Lovelace <ada@example\.com>`,
		`tidio +message\.received +\(ticket\.contact_replied: no documented content\)`,
		`tidio +contact\.updated +contact=(` + uuid + `) Ada Lovelace <ada@example\.com> \+44 20 7946 0018`,
		`tidio +conversation\.status_changed +\(conversation\.solved_by_operator: no documented content\)`,
		`tidysupport +conversation\.created +contact=` + tidy,
		`tidysupport +message\.received +contact=` + tidy + ` message=msg_\w{24} "The invoice still shows the old address\."`,
		`tidysupport +conversation\.assigned +contact=` + tidy,
		`tidysupport +conversation\.status_changed +contact=` + tidy + ` status=closed`,
		`respondio +contact\.created +contact=1 Alan Turing <alan@example\.com>`,
		`respondio +conversation\.created +contact=1 conversation=1`,
		`respondio +message\.sent +contact=1 conversation=1 message=\d+ "Hello Alan, your parcel left our warehouse\."`,
		`respondio +message\.received +contact=1 conversation=1 message=\d+ "Thanks! When will it arrive\?"`,
		`respondio +conversation\.status_changed +contact=1 conversation=1 status=closed`,
	}
	var adaIDs []string
	for _, want := range scripted {
		re := regexp.MustCompile(`^` + want + `$`)
		var found []string
		for _, l := range lines {
			if m := re.FindStringSubmatch(l); m != nil {
				found = append(found, l)
				if len(m) > 1 {
					adaIDs = append(adaIDs, m[1])
				}
			}
		}
		assert.Len(t, found, 1, "lines matching %s:\n%s", want, got)
	}
	if assert.Len(t, adaIDs, 2, got) {
		assert.Equal(t, adaIDs[0], adaIDs[1], "contact.updated names another contact than contact.created")
	}

	// The ticket created through Tidio's OpenAPI sent nothing, and the
	// change feed reported no error.
	assert.NotRegexp(t, `(?m)^tidio +conversation\.created`, got)
	assert.NotContains(t, got, "error:")

	// Duplicates were delivered and suppressed: for each webhook vendor,
	// the events handed on, printed once each, are the deliveries less the
	// duplicates.
	summary := regexp.MustCompile(`(?m)^(\w+): (\d+) deliveries \((\d+) duplicates, (\d+) out of order\), (\d+) events handed on$`)
	sums := summary.FindAllStringSubmatch(got, -1)
	require.Len(t, sums, 2, got)
	for _, m := range sums {
		vendor, deliveries, dups, handed := m[1], atoi(t, m[2]), atoi(t, m[3]), atoi(t, m[5])
		assert.Positive(t, dups, "%s: no duplicate delivered, nothing to suppress", vendor)
		assert.Equal(t, deliveries-dups, handed, "%s: events handed on", vendor)
		printed := 0
		for _, l := range lines {
			if strings.HasPrefix(l, vendor+" ") {
				printed++
			}
		}
		assert.Equal(t, handed, printed, "%s: lines printed", vendor)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
