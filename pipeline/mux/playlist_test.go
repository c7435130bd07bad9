package mux

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// playlistCases feed the render tests, the parse tests and the fuzz seeds.
var playlistCases = []struct {
	name string
	pl   Playlist
	text string
}{
	{
		name: "live",
		pl: Playlist{MediaSequence: 3, Segments: []PlaylistSegment{
			{Name: "seg-3.m4s", Duration: 4 * time.Second, Init: "init.mp4"},
			{Name: "seg-4.m4s", Duration: 4033 * time.Millisecond, Init: "init.mp4"},
		}},
		text: `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:5
#EXT-X-MEDIA-SEQUENCE:3
#EXT-X-PLAYLIST-TYPE:EVENT
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.000,
seg-3.m4s
#EXTINF:4.033,
seg-4.m4s
`,
	},
	{
		name: "ended with restart",
		pl: Playlist{Ended: true, Segments: []PlaylistSegment{
			{Name: "a/0.m4s", Duration: 4 * time.Second, Init: "a/init.mp4"},
			{Name: "a/1.m4s", Duration: 1500 * time.Millisecond, Init: "a/init.mp4"},
			{Name: "b/2.m4s", Duration: 3999 * time.Millisecond, Init: "b/init.mp4", Discontinuity: true},
			{Name: "b/3.m4s", Duration: 2 * time.Second, Init: "b/init.mp4", Discontinuity: true},
		}},
		text: `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="a/init.mp4"
#EXTINF:4.000,
a/0.m4s
#EXTINF:1.500,
a/1.m4s
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="b/init.mp4"
#EXTINF:3.999,
b/2.m4s
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="b/init.mp4"
#EXTINF:2.000,
b/3.m4s
#EXT-X-ENDLIST
`,
	},
	{
		name: "empty",
		pl:   Playlist{},
		text: "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-INDEPENDENT-SEGMENTS\n",
	},
}

func TestPlaylistRender(t *testing.T) {
	for _, c := range playlistCases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			n, err := c.pl.WriteTo(&b)
			if err != nil || n != int64(b.Len()) {
				t.Fatalf("WriteTo: %d, %v", n, err)
			}
			if b.String() != c.text {
				t.Errorf("got\n%s\nwant\n%s", b.String(), c.text)
			}
		})
	}
}

func TestParsePlaylist(t *testing.T) {
	for _, c := range playlistCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParsePlaylist([]byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, c.pl) && !(len(got.Segments) == 0 && len(c.pl.Segments) == 0) {
				t.Errorf("got %+v\nwant %+v", *got, c.pl)
			}
		})
	}
}

func TestParsePlaylistErrors(t *testing.T) {
	for _, text := range []string{
		"",
		"#EXT-X-VERSION:7\n",
		"#EXTM3U\nseg.m4s\n",
		"#EXTM3U\n#EXTINF:x,\nseg.m4s\n",
		"#EXTM3U\n#EXTINF:-1,\nseg.m4s\n",
		"#EXTM3U\n#EXTINF:1,\n",
		"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-1\n",
		"#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\n",
		"#EXTM3U\n#EXT-X-MAP:BYTERANGE=10\n",
	} {
		if _, err := ParsePlaylist([]byte(text)); !errors.Is(err, ErrBadPlaylist) {
			t.Errorf("%q: err %v, want ErrBadPlaylist", text, err)
		}
	}
}

func TestPlaylistRenderURIs(t *testing.T) {
	pl := playlistCases[1].pl
	var b bytes.Buffer
	err := pl.Render(&b, func(name string) string { return "https://cdn.example/" + name + "?sig=x" })
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nhttps://cdn.example/a/0.m4s?sig=x\n", `#EXT-X-MAP:URI="https://cdn.example/b/init.mp4?sig=x"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	if pl.NextSequence() != 4 || pl.Duration() != 11499*time.Millisecond {
		t.Errorf("next %d duration %v", pl.NextSequence(), pl.Duration())
	}
}

// TestFuzzCorpus keeps the committed seed corpus in step with the table.
func TestFuzzCorpus(t *testing.T) {
	for _, c := range playlistCases {
		path := filepath.Join("testdata", "fuzz", "FuzzParsePlaylist", strings.ReplaceAll(c.name, " ", "-"))
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", c.text)
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			if os.Getenv("MUX_UPDATE_CORPUS") != "" {
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			t.Errorf("%s is stale (run with MUX_UPDATE_CORPUS=1): %v", path, err)
		}
	}
}

// FuzzParsePlaylist checks that what ParsePlaylist accepts renders back to
// a playlist that parses to the same value.
func FuzzParsePlaylist(f *testing.F) {
	for _, c := range playlistCases {
		f.Add([]byte(c.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePlaylist(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if _, err := p.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		q, err := ParsePlaylist(b.Bytes())
		if err != nil {
			t.Fatalf("reparse: %v\n%s", err, b.String())
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed\n%+v\n%+v\n%s", p, q, b.String())
		}
	})
}
