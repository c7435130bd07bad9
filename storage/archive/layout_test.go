package archive_test

import (
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/archive"
)

func TestNewIDSortsNewestFirst(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	older, newer := archive.NewID(base), archive.NewID(base.Add(time.Millisecond))
	if !(newer < older) {
		t.Errorf("newer %s does not sort before older %s", newer, older)
	}
	if a, b := archive.NewID(base), archive.NewID(base); a == b {
		t.Errorf("two ids of one instant are equal: %s", a)
	}
}

func TestIDTimeRoundTrip(t *testing.T) {
	for _, tm := range []time.Time{
		time.Unix(0, 0), time.Date(2025, 3, 1, 12, 34, 56, 789_999_999, time.UTC), time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		id := archive.NewID(tm)
		if !archive.ValidID(id) {
			t.Fatalf("NewID(%v) = %q is not valid", tm, id)
		}
		got, ok := archive.IDTime(id)
		if want := tm.Truncate(time.Millisecond).UTC(); !ok || !got.Equal(want) {
			t.Errorf("IDTime(%s) = %v, %v; want %v", id, got, ok, want)
		}
	}
	if _, ok := archive.IDTime("REC_zz"); ok {
		t.Error("IDTime accepted a bad id")
	}
}

func TestValidID(t *testing.T) {
	good := archive.NewID(time.Now())
	for _, id := range []string{"", "REC_", "rec_" + good[4:], good + "0", good[:23], "REC_0123456789abcdef012G",
		"../" + good, good + "/..", "REC_0123456789ABCDEF0123", "/" + good, good + "\\"} {
		if archive.ValidID(id) {
			t.Errorf("ValidID(%q) = true", id)
		}
	}
	if !archive.ValidID(good) {
		t.Errorf("ValidID(%q) = false", good)
	}
}

func TestValidName(t *testing.T) {
	for _, name := range []string{"", "../x", "a/../b", "..", ".", "./a", "/abs", "/etc/passwd", `a\b`, `..\x`,
		"a//b", "a/", ".hidden", "a/b/c/d/e", "seg\x00.m4s", "a..b", strings.Repeat("a", 129), "a b", "%2e%2e/x"} {
		if archive.ValidName(name) {
			t.Errorf("ValidName(%q) = true", name)
		}
	}
	for _, name := range []string{"seg-000001.m4s", "init-0.mp4", "manifest.json", "index.m3u8", "raw/alice/T1-0001.webm"} {
		if !archive.ValidName(name) {
			t.Errorf("ValidName(%q) = false", name)
		}
	}
}

func TestKeys(t *testing.T) {
	id := archive.NewID(time.Now())
	if got, want := archive.Key("acme", "lobby", id, "seg-000001.m4s"), "acme/lobby/"+id+"/seg-000001.m4s"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	if got, want := archive.IndexEntryKey("acme", "lobby", id), "acme/_index/"+id+"/lobby"; got != want {
		t.Errorf("IndexEntryKey = %q, want %q", got, want)
	}
	if got := archive.SegmentName(7); got != "seg-000007.m4s" {
		t.Errorf("SegmentName(7) = %q", got)
	}
}

func TestGroup(t *testing.T) {
	id := archive.NewID(time.Now())
	for key, want := range map[string]string{
		archive.Key("acme", "hall", id, archive.SegmentName(3)):   "acme/hall/" + id,
		archive.Key("acme", "hall", id, "raw/alice/T1-0001.webm"): "acme/hall/" + id,
		archive.Key("acme", "hall", id, archive.ManifestName):     "acme/hall/" + id,
		archive.IndexEntryKey("acme", "hall", id):                 "acme/_index/" + id,
		"loose":           "",
		"a/b/not-an-id/x": "a/b/not-an-id",
	} {
		if got := archive.Group(key); got != want {
			t.Errorf("Group(%q) = %q, want %q", key, got, want)
		}
	}
}
