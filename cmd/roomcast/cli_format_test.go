package main

import (
	"testing"
	"time"
)

func TestHumanize(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 400 * time.Millisecond: "0s", 42 * time.Second: "42s", 5*time.Minute + 3*time.Second: "5m 3s",
		time.Hour: "1h", 2*time.Hour + 5*time.Minute + 9*time.Second: "2h 5m", 76 * time.Hour: "3d 4h", -90 * time.Second: "-1m 30s",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 123456: "123.5 kB", 3_400_000: "3.4 MB", 5e18: "5000.0 PB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

var whenNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// whenCases feed TestParseWhen and FuzzParseWhen's seeds.
var whenCases = []struct {
	in   string
	want time.Time
	ok   bool
}{
	{"2026-03-01T12:00:00Z", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), true},
	{"2026-03-01T12:00:00+02:00", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), true},
	{"2026-03-01", time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local), true},
	{" 36h ", whenNow.Add(-36 * time.Hour), true},
	{"90m", whenNow.Add(-90 * time.Minute), true},
	{"-2h", time.Time{}, false},
	{"yesterday", time.Time{}, false},
	{"", time.Time{}, false},
	{"2026-13-01", time.Time{}, false},
}

func TestParseWhen(t *testing.T) {
	for _, tc := range whenCases {
		got, err := parseWhen(tc.in, whenNow)
		if (err == nil) != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzParseWhen: any input is a time or an error, never a panic, and a
// time read goes to the API as RFC 3339 that reads back the same.
func FuzzParseWhen(f *testing.F) {
	for _, tc := range whenCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseWhen(in, whenNow)
		if err != nil {
			return
		}
		if y := got.Year(); y < 0 || y > 9999 { // RFC 3339 cannot write them
			return
		}
		back, err := time.Parse(time.RFC3339, got.Format(time.RFC3339))
		if err != nil || !back.Equal(got.Truncate(time.Second)) {
			t.Fatalf("parseWhen(%q) = %v, sent as %v (%v)", in, got, back, err)
		}
	})
}
