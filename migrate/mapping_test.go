package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/deskbridge/deskbridge/support"
)

func TestDefaultMap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    support.Contact
		want  support.ContactInput
		warns []string
	}{
		{
			name: "fields copied and cleaned",
			in: support.Contact{
				ID: "1", FirstName: "  Ada ", LastName: "King  Lovelace", Email: " Ada@Example.com ", Phone: "+44 20 7946 0958",
				Language: "EN", Country: "gb", ExternalID: " x1 ", Tags: []string{"vip", " ", "vip", " new "},
				CustomFields: map[string]string{"plan": " pro ", " ": "lost"},
			},
			want: support.ContactInput{
				FirstName: "Ada", LastName: "King Lovelace", Email: "Ada@Example.com", Phone: "+442079460958",
				Language: "en", Country: "GB", ExternalID: "x1", Tags: []string{"vip", "new"},
				CustomFields: map[string]string{"plan": "pro"},
			},
			warns: []string{"custom_fields"},
		},
		{
			name: "city, consent, lifecycle and avatar carried",
			in: support.Contact{
				Email: "a@b.co", City: " Kraków ", EmailConsent: support.ConsentSubscribed,
				Lifecycle: " Customer ", AvatarURL: " https://example.com/a.png ",
			},
			want: support.ContactInput{
				Email: "a@b.co", City: "Kraków", EmailConsent: support.ConsentSubscribed,
				Lifecycle: "Customer", AvatarURL: "https://example.com/a.png",
			},
		},
		{
			name: "full name in the first name is split",
			in:   support.Contact{FirstName: "Grace  Brewster Hopper"},
			want: support.ContactInput{FirstName: "Grace Brewster", LastName: "Hopper"},
		},
		{
			name: "a phone without country code is kept as written",
			in:   support.Contact{FirstName: "Pat", Phone: " 020 7946 0958 "},
			want: support.ContactInput{FirstName: "Pat", Phone: "020 7946 0958"},
		},
		{
			name: "only blank tags",
			in:   support.Contact{Email: "a@b.co", Tags: []string{" "}},
			want: support.ContactInput{Email: "a@b.co"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warns := DefaultMap(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			var fields []string
			for _, w := range warns {
				fields = append(fields, w.Field)
			}
			if !slices.Equal(fields, tc.warns) {
				t.Errorf("warnings %v, want %v", warns, tc.warns)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	in := support.ContactInput{ExternalID: "X-1", Email: " Ada@Example.COM", Phone: "0044 20 7946 0958"}
	want := []string{"external_id:X-1", "email:ada@example.com", "phone:+442079460958"}
	if got := keysOf(&in); !slices.Equal(got, want) {
		t.Fatalf("keys %q, want %q", got, want)
	}
	if got := keysOf(&support.ContactInput{Phone: "020 7946 0958", FirstName: "x"}); len(got) != 0 {
		t.Fatalf("a phone without country code gave keys %q", got)
	}
	back := inputFromKeys(want)
	if back.ExternalID != "X-1" || back.Email != "ada@example.com" || back.Phone != "+442079460958" {
		t.Fatalf("inputFromKeys %+v", back)
	}
	if keyKind(want[2]) != support.MatchPhone {
		t.Fatal(keyKind(want[2]))
	}
}

func TestDiffAndApply(t *testing.T) {
	have := support.ContactInput{
		FirstName: "Ada", Email: "ADA@example.com", Phone: "+44 20 7946 0958", Language: "EN",
		Tags: []string{"a"}, CustomFields: map[string]string{"plan": "free", "keep": "1"},
	}
	none := func(string) bool { return false }

	same := support.ContactInput{FirstName: "Ada", Email: "ada@example.com", Phone: "+442079460958", Language: "en", Tags: []string{"a"}}
	if u, fields := diff(same, have, none); !u.IsEmpty() || fields != nil {
		t.Fatalf("equal up to case and phone format: %+v %v", u, fields)
	}

	in := support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Tags: []string{"b", "a"}, CustomFields: map[string]string{"plan": "pro", "new": ""}}
	u, fields := diff(in, have, none)
	if !slices.Equal(fields, []string{"last_name", "tags", "custom_fields.plan"}) {
		t.Fatalf("fields %v", fields)
	}
	got := apply(have, u)
	if got.LastName != "Lovelace" || !slices.Equal(got.Tags, []string{"a", "b"}) ||
		!reflect.DeepEqual(got.CustomFields, map[string]string{"plan": "pro", "keep": "1"}) || got.Email != have.Email {
		t.Fatalf("applied %+v", got)
	}
	if have.CustomFields["plan"] != "free" {
		t.Fatal("apply changed its argument")
	}

	// A field the target is known not to hold never makes a difference.
	skipLast := func(f string) bool { return f == "last_name" || f == "tags" || f == "custom_fields.plan" }
	if u, _ := diff(in, have, skipLast); !u.IsEmpty() {
		t.Fatalf("skipped fields still differ: %+v", u)
	}
}

func TestSameIdentity(t *testing.T) {
	c := &support.Contact{Email: "a@x.io", Phone: "+442079460958", ExternalID: "1"}
	for _, tc := range []struct {
		in   support.ContactInput
		want bool
	}{
		{support.ContactInput{Email: "A@X.io"}, true},
		{support.ContactInput{Email: "a@x.io", ExternalID: "2"}, false},
		{support.ContactInput{Phone: "+44 20 7946 0958"}, true},
		{support.ContactInput{Phone: "+44 20 7946 0959"}, false},
		{support.ContactInput{Email: "b@x.io"}, false},
	} {
		if got := sameIdentity(c, &tc.in); got != tc.want {
			t.Errorf("sameIdentity(%+v) = %v", tc.in, got)
		}
	}
}

func TestConnectedGroupsSharedKeys(t *testing.T) {
	mk := func(id string, keys ...string) *task { return &task{sourceID: id, keys: keys} }
	a, b, c, d, e := mk("a", "email:1"), mk("b", "phone:2"), mk("c", "email:1", "phone:2"), mk("d", "email:3"), mk("e")
	groups := connected([]*task{a, b, c, d, e})
	var got [][]string
	for _, g := range groups {
		var ids []string
		for _, t := range g {
			ids = append(ids, t.sourceID)
		}
		got = append(got, ids)
	}
	want := [][]string{{"a", "b", "c"}, {"d"}, {"e"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
}

// Issue 11: the contact fields added to support.Contact (city, email
// consent, lifecycle, avatar URL) are compared and applied like the others,
// so that a change of one of them is migrated.
func TestDiffAndApplyNewFields(t *testing.T) {
	have := support.ContactInput{Email: "a@b.co", City: "Paris", EmailConsent: support.ConsentSubscribed, Lifecycle: "Lead"}
	none := func(string) bool { return false }

	if u, fields := diff(have, have, none); !u.IsEmpty() || fields != nil {
		t.Fatalf("equal inputs differ: %+v %v", u, fields)
	}
	in := support.ContactInput{Email: "a@b.co", City: "Lyon", EmailConsent: support.ConsentUnsubscribed,
		Lifecycle: "Customer", AvatarURL: "https://example.com/a.png"}
	u, fields := diff(in, have, none)
	if want := []string{"city", "email_consent", "lifecycle", "avatar_url"}; !slices.Equal(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
	if got := apply(have, u); !reflect.DeepEqual(got, in) {
		t.Fatalf("applied %+v, want %+v", got, in)
	}
	// Empty in the source: left as the target has it.
	if u, _ := diff(support.ContactInput{Email: "a@b.co"}, have, none); !u.IsEmpty() {
		t.Fatalf("empty fields differ: %+v", u)
	}
	if u, _ := diff(in, have, func(f string) bool { return f != "city" }); u.City == nil || u.EmailConsent != nil || u.Lifecycle != nil || u.AvatarURL != nil {
		t.Fatalf("fields the target does not hold differ: %+v", u)
	}
	// The dry run of the upsert strategy compares them too (support.Diff).
	if u, fields := upsertDiff(have, have); !u.IsEmpty() || fields != nil {
		t.Fatalf("upsertDiff of equal inputs: %+v %v", u, fields)
	}
}

// An entry stored before ContactInput had the new fields keeps its
// fingerprint when they are empty (it is not taken for changed), and a
// value in one of them changes the fingerprint.
func TestFingerprintOfTheNewFields(t *testing.T) {
	in := support.ContactInput{FirstName: "Ada", Email: "Ada@Example.com", Phone: "+44 20 7946 0958", Tags: []string{"b", "a"},
		CustomFields: map[string]string{"plan": "pro"}}
	// The input as it was hashed before: the fields it had, in order.
	before := struct {
		FirstName, LastName, Email, Phone, Language, Country, ExternalID string
		Tags                                                             []string
		CustomFields                                                     map[string]string
	}{FirstName: "Ada", Email: "ada@example.com", Phone: "+442079460958", Tags: []string{"a", "b"}, CustomFields: in.CustomFields}
	b, err := json.Marshal(before)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got, want := fingerprint(in), hex.EncodeToString(sum[:12]); got != want {
		t.Fatalf("fingerprint %s, want the earlier version's %s", got, want)
	}
	for _, change := range []func(*support.ContactInput){
		func(in *support.ContactInput) { in.City = "Paris" },
		func(in *support.ContactInput) { in.EmailConsent = support.ConsentSubscribed },
		func(in *support.ContactInput) { in.Lifecycle = "Lead" },
		func(in *support.ContactInput) { in.AvatarURL = "https://example.com/a.png" },
	} {
		changed := in
		change(&changed)
		if fingerprint(changed) == fingerprint(in) {
			t.Errorf("%+v has the fingerprint of %+v", changed, in)
		}
	}
}

func TestDiffTakesAnotherSplitOfTheSameNameAsUnchanged(t *testing.T) {
	none := func(string) bool { return false }
	// TidySupport reads a one-word name as a first name; the target holds
	// it as the last: not a change ("Torvalds26 Torvalds26" before).
	u, fields := diff(support.ContactInput{FirstName: "Torvalds26", Email: "t@example.com"},
		support.ContactInput{LastName: "Torvalds26", Email: "t@example.com"}, none)
	if !u.IsEmpty() {
		t.Errorf("the same name split otherwise is a change: %v", fields)
	}
	u, _ = diff(support.ContactInput{FirstName: "Linus"}, support.ContactInput{LastName: "Torvalds"}, none)
	if u.FirstName == nil || *u.FirstName != "Linus" {
		t.Errorf("another name is still a change: %+v", u)
	}
}
