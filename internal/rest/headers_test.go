package rest

import (
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 120 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"0", 0, true},
		{"007", 7 * time.Second, true},
		{"9223372036", 9223372036 * time.Second, true},
		{"9223372037", time.Duration(math.MaxInt64), true},
		{"99999999999999999999999999", time.Duration(math.MaxInt64), true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(90 * time.Second).Format(time.RFC850), 90 * time.Second, true},
		{now.Add(90 * time.Second).Format(time.ANSIC), 90 * time.Second, true},
		{now.Format(http.TimeFormat), 0, false},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, false},
		{"", 0, false},
		{"   ", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"5s", 0, false},
		{"0x10", 0, false},
		{"tomorrow", 0, false},
		{"Wed, 99 Foo 2026 25:61:00 GMT", 0, false},
	}
	for _, tc := range cases {
		got, ok := ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "-1", "", "1e9", "99999999999999999999",
		"Sun, 01 Mar 2026 12:01:00 GMT", "Sunday, 01-Mar-26 12:01:00 GMT", "Sun Mar  1 12:01:00 2026", "\x00", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", s, d, ok)
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil && n < 1e9 {
			if !ok || d != time.Duration(n)*time.Second {
				t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %ds", s, d, ok, n)
			}
		}
	})
}

func TestParseRemaining(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{" 42 ", 42, true},
		{"0.0", 0, true},
		{"0.5", 0.5, true},
		{"10, 5", 10, true},
		{"0;w=60", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"1e3", 0, false},
		{"0x1", 0, false},
		{"1.2.3", 0, false},
		{"lots", 0, false},
	}
	for _, tc := range cases {
		got, ok := parseRemaining(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRemaining(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseRemaining(f *testing.F) {
	for _, s := range []string{"0", "59", "0.0", "1, 2", "0;w=1", "-0", "NaN", "", "9999999999999999999999999", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseRemaining(s)
		if ok && (n < 0 || math.IsNaN(n) || math.IsInf(n, 0)) {
			t.Fatalf("parseRemaining(%q) = %v, true", s, n)
		}
		if !ok && n != 0 {
			t.Fatalf("parseRemaining(%q) = %v, false", s, n)
		}
		if u, err := strconv.ParseUint(s, 10, 32); err == nil && (!ok || n != float64(u)) {
			t.Fatalf("parseRemaining(%q) = %v, %v; want %d", s, n, ok, u)
		}
	})
}
