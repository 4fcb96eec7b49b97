package support

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in       string
		wantKind RefKind
		wantVal  string
		wantErr  bool
	}{
		{"id:123", RefID, "123", false},
		{"id:a/b?c#d", RefID, "a/b?c#d", false},
		{"id:", "", "", true},
		{"id:a\x00b", "", "", true},
		{"email:ada@example.com", RefEmail, "ada@example.com", false},
		{"email: Ada@Example.com ", RefEmail, "Ada@Example.com", false},
		{"email:a/b@c.com", RefEmail, "a/b@c.com", false},
		{"email:not-an-email", "", "", true},
		{"email:Ada <ada@example.com>", "", "", true},
		{"email:ada@localhost", "", "", true},
		{"email:", "", "", true},
		{"phone:+44 20 7946 0958", RefPhone, "+442079460958", false},
		{"phone:+1 (415) 555-0100", RefPhone, "+14155550100", false},
		{"phone:0044 20 7946 0958", RefPhone, "+442079460958", false},
		{"phone:415 555 0100", "", "", true}, // no country code
		{"phone:+1-555-0123", "", "", true},  // local-only length: area code missing
		{"phone:+999 123", "", "", true},     // no such country code
		// E.164 has at most 15 digits, although Germany's plan allows 15
		// national ones.
		{"phone:+491000000000000", RefPhone, "+491000000000000", false},
		{"phone:+4910000000000000", "", "", true},
		{"phone:+49 1000 0000 0000 00", "", "", true},
		{"phone:0049 10000 0000 00000", "", "", true},
		{"phone:+44 7700 9001234", "", "", true}, // too long for the UK plan
		// Possible but fictional numbers (the demo data's) are kept: only
		// the country code and the plan's lengths are checked.
		{"phone:+1 415 555 0123", RefPhone, "+14155550123", false},
		{"phone:+44 7700 900123", RefPhone, "+447700900123", false},
		{"phone:hello", "", "", true},
		{"name:ada", "", "", true},
		{"ada@example.com", "", "", true},
		{"", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRef(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("ParseRef(%q) error = %v, want ErrInvalid", tt.in, err)
				}
				if !r.IsZero() {
					t.Errorf("ParseRef(%q) returned non-zero ref %v with an error", tt.in, r)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRef(%q): %v", tt.in, err)
			}
			if r.Kind() != tt.wantKind || r.Value() != tt.wantVal {
				t.Errorf("ParseRef(%q) = %s:%s, want %s:%s", tt.in, r.Kind(), r.Value(), tt.wantKind, tt.wantVal)
			}
			back, err := ParseRef(r.String())
			if err != nil || back != r {
				t.Errorf("round trip of %q: got %v, %v", r.String(), back, err)
			}
		})
	}
}

func TestRefConstructorsValidate(t *testing.T) {
	if err := (Ref{}).Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero Ref: Validate = %v, want ErrInvalid", err)
	}
	if got := Phone("+44 (0)20 7946 0958").Value(); got != "+442079460958" {
		t.Errorf("Phone normalizes the national-prefix form to %q, want +442079460958", got)
	}
	if err := Phone("020 7946 0958").Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "country code") {
		t.Errorf("phone without country code: %v, want ErrInvalid naming the country code", err)
	}
	if err := Email("x@example.com").Validate(); err != nil {
		t.Errorf("valid email: %v", err)
	}
	if (Ref{}).String() != "" {
		t.Error("zero Ref has a non-empty String")
	}
}

func TestErrorsQuoteHostileInputBriefly(t *testing.T) {
	huge := "email:" + strings.Repeat("x", 1<<20)
	_, err := ParseRef(huge)
	if err == nil {
		t.Fatal("no error for a megabyte email")
	}
	if n := len(err.Error()); n > 300 {
		t.Errorf("error for hostile input is %d bytes; want it clipped", n)
	}
}

func TestValidateEmailLength(t *testing.T) {
	local := strings.Repeat("a", 64)
	domain := strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 60) + ".com"
	if err := ValidateEmail(local + "@" + domain); !errors.Is(err, ErrInvalid) {
		t.Errorf("%d-byte address accepted", len(local)+1+len(domain))
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"id:1", "email:a@b.co", "phone:+14155550100", "phone:00 44 20 7946 0958",
		"email:a/b@c.com", "id:../..", "phone:+", "email:@", ":", "id:\xff", "phone:+1" + strings.Repeat("9", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseRef(%q): error %v is not ErrInvalid", s, err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseRef(%q) returned a ref that does not validate: %v", s, err)
		}
		back, err := ParseRef(r.String())
		if err != nil || back != r {
			t.Fatalf("round trip %q → %q: %v, %v", s, r.String(), back, err)
		}
		if r.Kind() == RefPhone && len(r.Value()) > 1+MaxPhoneDigits {
			t.Fatalf("ParseRef(%q) = %q: more than %d digits", s, r, MaxPhoneDigits)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+14155550100", "+44 20 7946 0958", "0044", "+", "+1-555-0123", "+٤٤٢٠٧٩٤٦٠٩٥٨"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e164, err := NormalizePhone(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(e164, "+") || len(e164) > 1+MaxPhoneDigits || strings.Trim(e164[1:], "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q, not E.164", s, e164)
		}
		again, err := NormalizePhone(e164)
		if err != nil || again != e164 {
			t.Fatalf("NormalizePhone is not idempotent: %q → %q → %q, %v", s, e164, again, err)
		}
	})
}

func TestRefOperation(t *testing.T) {
	for r, want := range map[Ref]Operation{
		ID("1"): OpGetContact, Email("a@example.com"): OpGetByEmail, Phone("+14155550100"): OpGetByPhone, {}: OpGetContact,
	} {
		if got := r.Operation(); got != want {
			t.Errorf("%v.Operation() = %s, want %s", r, got, want)
		}
	}
}
