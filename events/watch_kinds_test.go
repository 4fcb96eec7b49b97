package events_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

func TestPolledKinds(t *testing.T) {
	ops := func(o ...support.Operation) support.Capabilities { return support.Capabilities{Operations: o} }
	contacts := []events.Kind{events.KindContactCreated, events.KindContactUpdated}
	convs := []events.Kind{events.KindConversationAssigned, events.KindConversationCreated, events.KindConversationStatusChanged}
	msgs := []events.Kind{events.KindMessageReceived, events.KindMessageSent}
	cat := func(kk ...[]events.Kind) []events.Kind {
		var out []events.Kind
		for _, k := range kk {
			out = append(out, k...)
		}
		return out
	}
	notesOutside := ops(support.OpListConversations, support.OpListMessages, support.OpSendNote)
	notesOutside.NotesOutsideHistory = true
	for _, tc := range []struct {
		name string
		caps support.Capabilities
		want []events.Kind
	}{
		{"nothing", ops(), nil},
		{"contacts", ops(support.OpListContacts, support.OpGetContact), contacts},
		{"conversations", ops(support.OpListConversations), convs},
		{"messages without a conversation list", ops(support.OpListMessages, support.OpSendNote), nil},
		{"messages, notes not sent", ops(support.OpListConversations, support.OpListMessages), cat(convs, msgs)},
		{"notes listed", ops(support.OpListContacts, support.OpListConversations, support.OpListMessages, support.OpSendNote), cat(contacts, convs, msgs, []events.Kind{events.KindNoteAdded})},
		{"notes outside the history", notesOutside, cat(convs, msgs)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, events.PolledKinds(tc.caps))
		})
	}
}

// The kinds each vendor's lists reveal.
func TestPolledKindsPerVendor(t *testing.T) {
	all := []events.Kind{events.KindContactCreated, events.KindContactUpdated, events.KindConversationAssigned,
		events.KindConversationCreated, events.KindConversationStatusChanged, events.KindMessageReceived,
		events.KindMessageSent, events.KindNoteAdded}
	assert.Equal(t, all, events.PolledKinds(memory.New(memory.Config{}).Capabilities()))

	_, rc := respondSim(t)
	assert.Equal(t, all[:7], events.PolledKinds(rc.Capabilities()), "respond.io lists no comments")

	ts := tidysupporttest.New(tidysupporttest.Options{})
	tc, err := tidysupport.New(tidysupport.Config{APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID,
		BaseURL: "http://127.0.0.1", HTTPClient: ts.InProcess(), RateLimit: rate.Inf})
	require.NoError(t, err)
	assert.Equal(t, all[:7], events.PolledKinds(tc.Capabilities()), "TidySupport sends no notes")

	tdc, err := tidio.New(tidio.Config{ClientID: tidiotest.ClientID, ClientSecret: tidiotest.ClientSecret})
	require.NoError(t, err)
	assert.Equal(t, all, events.PolledKinds(tdc.Capabilities()))
}
