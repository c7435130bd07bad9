package archive_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

func goodManifest() []byte {
	m := newManifest("acme", "lobby", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), archive.StatusComplete)
	m.ID = "REC_fe6b2a9c8b7f01234567" // fixed, so the seed is stable
	end := m.StartedAt.Add(4 * time.Second)
	m.EndedAt = &end
	m.Video = &archive.VideoInfo{Codec: "h264", Width: 320, Height: 240, FPS: 30}
	m.Audio = &archive.AudioInfo{Codec: "aac", SampleRate: 48000, Channels: 2}
	m.Segments[1].Discontinuity = true
	m.Discontinuities = []archive.Discontinuity{{Sequence: 2, At: end, Reason: "publisher left"}}
	b, err := m.Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

// manifestCases feed the parse tests and the fuzz seeds; ok is whether
// ParseManifest accepts the input.
var manifestCases = []struct {
	name string
	data []byte
	ok   bool
}{
	{"good", goodManifest(), true},
	{"minimal", []byte(`{"version":1,"id":"REC_00000000000000000000"}`), true},
	{"empty", []byte(``), false},
	{"truncated", []byte(`{"version":1,"id":"REC_0`), false},
	{"not an object", []byte(`[1,2,3]`), false},
	{"version 0", []byte(`{"version":0,"id":"REC_00000000000000000000"}`), false},
	{"version 2", []byte(`{"version":2,"id":"REC_00000000000000000000"}`), true},
	{"version 3", []byte(`{"version":3,"id":"REC_00000000000000000000"}`), false},
	{"chunked head", []byte(`{"version":2,"id":"REC_00000000000000000000","chunks":["index-00000-0123456789abcdef.json"]}`), false},
	{"chunks in version 1", []byte(`{"version":1,"id":"REC_00000000000000000000","chunks":["index-00000-0123456789abcdef.json"]}`), false},
	{"bad chunk name", []byte(`{"version":2,"id":"REC_00000000000000000000","chunks":["../x.json"]}`), false},
	{"bad id", []byte(`{"version":1,"id":"../../x"}`), false},
	{"traversal segment", []byte(`{"version":1,"id":"REC_00000000000000000000","segments":[{"name":"../../../etc/passwd","init":"init-0.mp4"}]}`), false},
	{"absolute init", []byte(`{"version":1,"id":"REC_00000000000000000000","segments":[{"name":"seg-000001.m4s","init":"/etc/passwd"}]}`), false},
	{"traversal inits", []byte(`{"version":1,"id":"REC_00000000000000000000","inits":[{"name":"a/../../b"}]}`), false},
	{"wrong types", []byte(`{"version":"1","id":1,"segments":{}}`), false},
	{"bad time", []byte(`{"version":1,"id":"REC_00000000000000000000","started_at":"yesterday"}`), false},
	{"huge numbers", []byte(`{"version":1,"id":"REC_00000000000000000000","size_bytes":1e400}`), false},
}

func TestParseManifest(t *testing.T) {
	for _, c := range manifestCases {
		m, err := archive.ParseManifest(c.data)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok %v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, archive.ErrBadManifest) {
			t.Errorf("%s: %v is not ErrBadManifest", c.name, err)
		}
		if err == nil && m == nil {
			t.Errorf("%s: nil manifest", c.name)
		}
	}
}

func TestManifestRoundTrip(t *testing.T) {
	m, err := archive.ParseManifest(goodManifest())
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil || !bytes.Equal(b, goodManifest()) {
		t.Errorf("marshal of parsed differs: %v\n%s", err, b)
	}
	if m.Video.Width != 320 || len(m.Segments) != 2 || !m.Segments[1].Discontinuity || m.EndedAt == nil {
		t.Errorf("parsed %+v", m)
	}
}

func TestManifestPlaylist(t *testing.T) {
	m, err := archive.ParseManifest(goodManifest())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.Playlist().Render(&b, func(n string) string { return "x/" + n }); err != nil {
		t.Fatal(err)
	}
	want := "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
		"#EXT-X-MAP:URI=\"x/init-0.mp4\"\n#EXTINF:2.000,\nx/seg-000001.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"x/init-0.mp4\"\n#EXTINF:2.000,\nx/seg-000002.m4s\n#EXT-X-ENDLIST\n"
	if b.String() != want {
		t.Errorf("playlist\n%s\nwant\n%s", b.String(), want)
	}
}

// TestFuzzCorpus checks that the committed seeds match the table; run
// with -update-fuzz-corpus to rewrite them.
func TestFuzzCorpus(t *testing.T) {
	seeds := map[string][]byte{}
	for _, c := range manifestCases {
		seeds[c.name] = c.data
	}
	fuzzcorpus.WriteBytes(t, "FuzzParseManifest", seeds)
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParseManifest", "seed-*"))
	if err != nil || len(files) != len(manifestCases) {
		t.Fatalf("%d seed files for %d cases (%v): run go test -run TestFuzzCorpus -update-fuzz-corpus", len(files), len(manifestCases), err)
	}
	for _, f := range files {
		if b, err := os.ReadFile(f); err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n[]byte(")) {
			t.Errorf("%s: not a fuzz seed: %v", f, err)
		}
	}
}

// FuzzParseManifest checks that ParseManifest never panics, and that what
// it accepts marshals to a manifest it accepts again, unchanged.
func FuzzParseManifest(f *testing.F) {
	for _, c := range manifestCases {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := archive.ParseManifest(data)
		if err != nil {
			return
		}
		b1, err := m.Marshal()
		if err != nil {
			t.Fatalf("marshal accepted manifest: %v", err)
		}
		m2, err := archive.ParseManifest(b1)
		if err != nil {
			t.Fatalf("reparse: %v\n%s", err, b1)
		}
		b2, err := m2.Marshal()
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("round trip changed: %v\n%s\n%s", err, b1, b2)
		}
		_ = m.Playlist().Render(&bytes.Buffer{}, nil)
	})
}
