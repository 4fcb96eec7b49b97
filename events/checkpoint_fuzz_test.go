package events

import (
	"errors"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// FuzzCheckpoint feeds arbitrary data to the checkpoint decoder: it must
// never panic, refuse what it cannot read with ErrBadCheckpoint, and read
// back what it accepts to a state that encodes and decodes again the same.
func FuzzCheckpoint(f *testing.F) {
	st := newWatchState("memory", "memory")
	st.ContactsRead, st.ConversationsRead = true, true
	st.Contacts["ctc_1"] = contactState{Fingerprint: "00ff", Changes: 1}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := convState{Status: support.StatusClosed, Assignee: "agent:agt_1", UpdatedAt: at, MessagesRead: true, Unread: true}
	c.add("msg_1", at)
	st.Conversations["conv_1"] = c
	f.Add(st.encode())
	f.Add(newWatchState("respondio", "respondio x").encode())
	f.Add([]byte(`{"version":1,"vendor":"memory","conversations":{"c":{"recent":{"m":"2026-01-02T03:04:05Z"},"floor":"0001-01-01T00:00:00Z"}}}`))
	f.Add([]byte(`{"version":1,"vendor":"m","contacts":{"x":null},"conversations":null}`))
	f.Add([]byte(`{"version":1e400}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := decodeWatchState(data)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("error %v does not match ErrBadCheckpoint", err)
			}
			return
		}
		again, err := decodeWatchState(st.encode())
		if err != nil {
			t.Fatalf("an accepted state does not read back: %v", err)
		}
		if string(again.encode()) != string(st.encode()) {
			t.Fatalf("the state changed on a round trip")
		}
		// What a poll does with a state must not panic either.
		for _, cv := range st.Conversations {
			w := cv.clone()
			w.seen("m", at)
			w.add("m", at)
		}
	})
}
