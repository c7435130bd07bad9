package archive

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Object names inside a recording's prefix.
const (
	ManifestName = "manifest.json"
	PlaylistName = "index.m3u8"
	RawDir       = "raw/"
)

// indexDir holds one index object per recording, under the tenant. Room
// names start with a letter or digit, so it cannot collide with a room.
const indexDir = "_index"

// idRe: "REC_", 12 hex digits of inverted start time, 8 random.
var idRe = regexp.MustCompile(`^REC_[0-9a-f]{20}$`)

// nameRe matches object names inside a recording (no traversal).
var nameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}){0,3}$`)

// maxMillis is the largest start time an id encodes (12 hex digits).
const maxMillis = 1<<48 - 1

// ValidID reports whether id is a well-formed recording id.
func ValidID(id string) bool { return idRe.MatchString(id) }

func validName(name string) bool {
	return nameRe.MatchString(name) && !strings.Contains(name, "..")
}

// ValidName reports whether name is a safe object name inside a
// recording (e.g. "seg-000001.m4s", "raw/alice/T1-0001.webm").
func ValidName(name string) bool { return validName(name) }

// NewID returns a recording id for a recording started at t. Ids sort
// newest first.
func NewID(t time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	inv := maxMillis - t.UnixMilli()
	return fmt.Sprintf("REC_%012x%s", inv, hex.EncodeToString(r[:]))
}

// IDTime is the start time encoded in an id, to the millisecond.
func IDTime(id string) (time.Time, bool) {
	if !ValidID(id) {
		return time.Time{}, false
	}
	var inv int64
	if _, err := fmt.Sscanf(id[4:16], "%012x", &inv); err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(maxMillis - inv).UTC(), true
}

// Prefix is the key prefix of a recording: "{tenant}/{room}/{id}/".
func Prefix(tenant, room, id string) string { return tenant + "/" + room + "/" + id + "/" }

// Key is the key of a named object of a recording.
func Key(tenant, room, id, name string) string { return Prefix(tenant, room, id) + name }

// IndexKey is the key of a recording's index object.
func IndexKey(tenant, id string) string { return tenant + "/" + indexDir + "/" + id }

func indexPrefix(tenant string) string { return tenant + "/" + indexDir + "/" }

// SegmentName is the object name of media segment seq.
func SegmentName(seq uint64) string { return fmt.Sprintf("seg-%06d.m4s", seq) }

// InitName is the object name of the n-th init segment (0-based).
func InitName(n int) string { return fmt.Sprintf("init-%d.mp4", n) }

// Group is the upload ordering group of a key: its recording's prefix
// ({tenant}/{room}/{id}), so that a manifest or playlist never reaches
// the store before the segments and raw files it names; other keys group
// by their directory.
func Group(key string) string {
	parts := strings.SplitN(key, "/", 4)
	if len(parts) == 4 && ValidID(parts[2]) {
		return strings.Join(parts[:3], "/")
	}
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return ""
}

// GenName is name as written by recorder generation gen: unchanged for
// the first, "g{gen}-name" after a takeover, so that a late upload of an
// earlier recorder never overwrites what a later one wrote.
func GenName(gen int, name string) string {
	if gen <= 0 {
		return name
	}
	return fmt.Sprintf("g%d-%s", gen, name)
}
