package main

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// localTime is t in local time, RFC 3339; "" for the zero time.
func localTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.RFC3339)
}

// localTimePtr is localTime of t, "" for nil.
func localTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return localTime(*t)
}

// when is t in local time with how long ago (or ahead) it is.
func when(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	if d >= 0 {
		return fmt.Sprintf("%s (%s ago)", localTime(t), humanDuration(d))
	}
	return fmt.Sprintf("%s (in %s)", localTime(t), humanDuration(-d))
}

// humanDuration is d in its two largest units: "42s", "5m 3s", "2h 5m",
// "3d 4h".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		return "-" + humanDuration(-d)
	}
	const day = 24 * time.Hour
	units := []struct {
		size time.Duration
		name string
	}{{day, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units[:len(units)-1] {
		if d >= u.size {
			next := units[i+1]
			big, small := d/u.size, (d%u.size)/next.size
			if small == 0 {
				return fmt.Sprintf("%d%s", big, u.name)
			}
			return fmt.Sprintf("%d%s %d%s", big, u.name, small, next.name)
		}
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// humanSeconds is a duration in seconds, humanized.
func humanSeconds(s float64) string {
	if s <= 0 || math.IsNaN(s) || s > 1e9 {
		return "0s"
	}
	return humanDuration(time.Duration(s * float64(time.Second)))
}

// humanBytes is n in B, kB, MB, GB or TB (powers of 1000).
func humanBytes(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	f, units := float64(n), []string{"kB", "MB", "GB", "TB", "PB"}
	for _, u := range units {
		f /= 1000
		if f < 1000 || u == units[len(units)-1] {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return ""
}

// parseWhen reads a time flag: RFC 3339 ("2026-03-01T12:00:00Z"), a
// local date ("2026-03-01", its midnight) or a duration before now
// ("36h", "90m").
func parseWhen(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, time.Local); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, errors.New("want an RFC 3339 time (2026-03-01T12:00:00Z), a date (2026-03-01) or how long ago (36h)")
}

// orDash is s, or "-" when empty, for table cells.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
