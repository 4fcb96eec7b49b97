package support

import (
	"errors"
	"testing"
)

func TestContactInputValidate(t *testing.T) {
	tests := []struct {
		name string
		in   ContactInput
		ok   bool
	}{
		{"email only", ContactInput{Email: "a@example.com"}, true},
		{"name only", ContactInput{FirstName: "Ada"}, true},
		{"phone only", ContactInput{Phone: "+14155550100"}, true},
		{"empty", ContactInput{}, false},
		{"only external id", ContactInput{ExternalID: "x1"}, false},
		{"bad email", ContactInput{Email: "nope"}, false},
		{"control char in name", ContactInput{FirstName: "A\x00da"}, false},
		{"invalid utf8", ContactInput{LastName: "\xff"}, false},
		{"empty tag", ContactInput{Email: "a@example.com", Tags: []string{""}}, false},
		{"empty custom field name", ContactInput{Email: "a@example.com", CustomFields: map[string]string{"": "x"}}, false},
		{"multi-line custom field ok", ContactInput{Email: "a@example.com", CustomFields: map[string]string{"note": "a\nb"}}, true},
	}
	for _, tt := range tests {
		err := tt.in.Validate()
		if tt.ok && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
		}
	}
}

func TestContactInputCopies(t *testing.T) {
	c := Contact{Email: "a@example.com", Tags: []string{"vip"}, CustomFields: map[string]string{"plan": "pro"}}
	in := c.Input()
	in.Tags[0] = "changed"
	in.CustomFields["plan"] = "changed"
	if c.Tags[0] != "vip" || c.CustomFields["plan"] != "pro" {
		t.Error("Input shares slices or maps with the contact")
	}
}

func TestSplitJoinName(t *testing.T) {
	for _, tt := range []struct{ in, first, last string }{
		{"Ada Lovelace", "Ada", "Lovelace"},
		{"  Ada   King  Lovelace ", "Ada King", "Lovelace"},
		{"Cher", "Cher", ""},
		{"", "", ""},
	} {
		f, l := SplitName(tt.in)
		if f != tt.first || l != tt.last {
			t.Errorf("SplitName(%q) = %q, %q", tt.in, f, l)
		}
	}
	if JoinName("Ada", "") != "Ada" || JoinName("", "L") != "L" || JoinName("A", "L") != "A L" {
		t.Error("JoinName")
	}
	if !EqualEmail("Ada@Example.COM", " ada@example.com") {
		t.Error("EqualEmail is not case-insensitive")
	}
}

func TestCapabilities(t *testing.T) {
	c := Capabilities{Operations: []Operation{OpGetContact}, Statuses: []ConversationStatus{StatusOpen}}
	if !c.Supports(OpGetContact) || c.Supports(OpDeleteContact) || !c.HasStatus(StatusOpen) || c.HasStatus(StatusPending) {
		t.Error("Supports/HasStatus")
	}
	if len(Operations()) != 25 {
		t.Errorf("Operations() has %d entries", len(Operations()))
	}
	seen := map[Operation]bool{}
	for _, op := range Operations() {
		if seen[op] {
			t.Errorf("duplicate operation %s", op)
		}
		seen[op] = true
	}
}

func TestBatchResultErr(t *testing.T) {
	r := BatchResult{Items: []BatchItem{
		{Index: 0, Outcome: Created},
		{Index: 1, Outcome: Failed, Err: Errorf("x", OpCreateContacts, ErrInvalid, "bad email")},
		{Index: 2, Outcome: Created},
	}}
	if r.Count(Created) != 2 || r.Count(Failed) != 1 {
		t.Error("Count")
	}
	err := r.Err()
	var item *BatchItemError
	if !errors.As(err, &item) || item.Index != 1 || !errors.Is(err, ErrInvalid) {
		t.Errorf("Err() = %v", err)
	}
	if (&BatchResult{Items: []BatchItem{{Outcome: Created}}}).Err() != nil {
		t.Error("Err() not nil without failures")
	}
}

func TestCapabilitiesListsNotes(t *testing.T) {
	both := []Operation{OpListMessages, OpSendNote}
	for _, tt := range []struct {
		name string
		c    Capabilities
		want bool
	}{
		{"notes listed (the zero value)", Capabilities{Operations: both}, true},
		{"notes outside the history", Capabilities{Operations: both, NotesOutsideHistory: true}, false},
		{"no notes", Capabilities{Operations: []Operation{OpListMessages, OpSendMessage}}, false},
		{"no listing", Capabilities{Operations: []Operation{OpSendNote}}, false},
	} {
		if got := tt.c.ListsNotes(); got != tt.want {
			t.Errorf("%s: ListsNotes() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEmailKeyAgreesWithEqualEmail(t *testing.T) {
	addrs := []string{"ada@example.com", "ADA@Example.COM", " ada@example.com ", "ſada@example.com", "sada@example.com",
		"Sada@example.com", "KELVIN@example.com", "\u212aelvin@example.com", "straße@example.com", "STRASSE@example.com"}
	for _, a := range addrs {
		for _, b := range addrs {
			if got, want := EmailKey(a) == EmailKey(b), EqualEmail(a, b); got != want {
				t.Errorf("EmailKey(%q) == EmailKey(%q) is %v, EqualEmail says %v", a, b, got, want)
			}
		}
	}
}

func FuzzEmailKey(f *testing.F) {
	f.Add("ada@example.com", "ADA@example.com")
	f.Add("ſ@x.co", "S@x.co")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := EmailKey(a) == EmailKey(b), EqualEmail(a, b); got != want {
			t.Fatalf("EmailKey(%q) == EmailKey(%q) is %v, EqualEmail says %v", a, b, got, want)
		}
	})
}

func TestEmailKeyIsLowerCaseForOrdinaryAddresses(t *testing.T) {
	if got := EmailKey(" Ada.Lovelace@Example.COM "); got != "ada.lovelace@example.com" {
		t.Errorf("EmailKey = %q", got)
	}
}

func TestSamePhone(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"+44 20 7946 0958", "+442079460958", true},
		{"0044 (20) 7946-0958", "+44 20 7946 0958", true},
		{"+442079460958", "+442079460959", false},
		{"123 456 789", " 123 456 789", true}, // free text, same text
		{"123 456 789", "123456789", false},   // free text, different text
		{"+442079460958", "020 7946 0958", false},
		{"", "", true},
		{"", "+442079460958", false},
	} {
		if got := SamePhone(tt.a, tt.b); got != tt.want {
			t.Errorf("SamePhone(%q, %q) = %v", tt.a, tt.b, got)
		}
		if SamePhone(tt.a, tt.b) != SamePhone(tt.b, tt.a) {
			t.Errorf("SamePhone(%q, %q) is not symmetric", tt.a, tt.b)
		}
	}
}
