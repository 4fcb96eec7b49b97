package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestAssignNote(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	want := regexp.MustCompile(`(?m)^tidio: conversation "Invoice 1042" is open, assigned to Grace Hopper \([0-9a-f-]{36}\)
  message from contact Hello, I was charged twice for invoice 1042\.
  note    from agent   Refund approved; see the billing ticket\.
`)
	if !want.MatchString(got) {
		t.Errorf("Tidio part missing:\n%s", got)
	}
	// respond.io can do both, but keeps notes out of the message list, and
	// its first message goes out from the agent (an API cannot write as the
	// contact there).
	if !strings.Contains(got, "respondio: conversation is open, assigned to Alex Morgan (1)\n"+
		"  message from agent   Hello, I was charged twice for invoice 1042.\n"+
		"  (the note is stored, but respondio does not list notes with the messages)\n") {
		t.Errorf("respond.io part missing:\n%s", got)
	}
	// TidySupport cannot assign (no documented endpoint): skipped, saying
	// why, rather than failing.
	if !strings.Contains(got, "tidysupport: skipped, it cannot do [agents.list conversations.assign messages.send_note]\n") {
		t.Errorf("TidySupport not skipped:\n%s", got)
	}
	// Every vendor is either done or skipped with a reason.
	for _, v := range []string{"tidio", "respondio", "tidysupport"} {
		if !strings.Contains(got, v+": conversation ") && !strings.Contains(got, v+": skipped, it cannot do") {
			t.Errorf("%s neither done nor skipped:\n%s", v, got)
		}
	}
}
