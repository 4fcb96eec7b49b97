package migrate

import (
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
