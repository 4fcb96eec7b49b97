package sim_test

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge/internal/sim"
)

func TestCursorRoundTrip(t *testing.T) {
	c := sim.EncodeCursor("id__", "6c4b8a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b")
	if want := base64.StdEncoding.EncodeToString([]byte("id__6c4b8a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b")); c != want {
		t.Fatalf("EncodeCursor = %q, want %q", c, want)
	}
	key, err := sim.DecodeCursor("id__", c)
	if err != nil || key != "6c4b8a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b" {
		t.Fatalf("DecodeCursor = %q, %v", key, err)
	}
}

func TestCursorRejectsGarbage(t *testing.T) {
	for _, c := range []string{
		"",
		"null",
		"!!!",
		"aWRf\nXzEy", // "id__12" with a line break, which base64 itself would skip
		base64.StdEncoding.EncodeToString([]byte("id__")),       // no key
		base64.StdEncoding.EncodeToString([]byte("xx__12")),     // wrong prefix
		base64.RawURLEncoding.EncodeToString([]byte("id__1?>")), // other alphabet
		base64.StdEncoding.EncodeToString([]byte("id__12")) + "x",
	} {
		if key, err := sim.DecodeCursor("id__", c); !errors.Is(err, sim.ErrBadCursor) {
			t.Errorf("DecodeCursor(%q) = %q, %v; want ErrBadCursor", c, key, err)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add("aWRfXzEy")
	f.Add("")
	f.Add("aWRfXw==")
	f.Fuzz(func(t *testing.T, c string) {
		key, err := sim.DecodeCursor("id__", c)
		if err != nil {
			if !errors.Is(err, sim.ErrBadCursor) {
				t.Fatalf("error %v does not match ErrBadCursor", err)
			}
			return
		}
		if sim.EncodeCursor("id__", key) != c {
			t.Fatalf("DecodeCursor accepted %q, which EncodeCursor would not produce", c)
		}
	})
}
