package rawrec

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// TestOggOpusLayout reads back a part: OpusHead on a BOS page, OpusTags,
// packets in order, page sequence numbers, one serial, granules that grow
// and an EOS last page.
func TestOggOpusLayout(t *testing.T) {
	fx := loadFixtures(t)
	var c collector
	r, _ := newTestRecorder(t, &c)
	tr := testTrack(media.CodecOpus, "mic", "p")
	r.TrackAdded(tr)
	n := 73 // 1.46 s: one part
	for _, u := range fx.opus.units[:n] {
		r.Unit(&media.Unit{Track: tr, PTS: u.PTS + time.Hour, Data: u.Data})
	}
	partial := filepath.Join(r.cfg.Dir, "p", "mic-0001.ogg") + partialSuffix
	if _, err := os.Stat(partial); err != nil {
		t.Errorf("open part not at its partial name: %v", err)
	}
	r.TrackRemoved(tr)
	if len(c.files) != 1 {
		t.Fatalf("files %+v", c.files)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("partial file left: %v", err)
	}
	b, err := os.ReadFile(c.files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	pkts, pages, err := readOgg(b)
	if err != nil {
		t.Fatal(err)
	}
	checkOpusHeaders(t, pkts)
	for i, p := range pkts[2:] {
		if !bytes.Equal(p, fx.opus.units[i].Data) {
			t.Fatalf("packet %d differs", i)
		}
	}
	checkOggPages(t, pages, int64(n*960))
	if c.files[0].Duration != time.Duration(n)*20*time.Millisecond {
		t.Errorf("duration %v", c.files[0].Duration)
	}
}

func checkOpusHeaders(t *testing.T, pkts [][]byte) {
	t.Helper()
	if len(pkts) < 3 || len(pkts[0]) != 19 || !bytes.HasPrefix(pkts[0], []byte("OpusHead")) ||
		!bytes.HasPrefix(pkts[1], []byte("OpusTags")) {
		t.Fatalf("headers %q %q", pkts[0], pkts[1])
	}
	if h := pkts[0]; h[8] != 1 || h[9] != 2 || binary.LittleEndian.Uint32(h[12:]) != opusRate || h[18] != 0 {
		t.Errorf("OpusHead %x", h)
	}
}

func checkOggPages(t *testing.T, pages []oggTestPage, lastGranule int64) {
	t.Helper()
	if pages[0].flags != oggBOS || pages[0].granule != 0 || pages[1].granule != 0 {
		t.Errorf("header pages %+v", pages[:2])
	}
	last := pages[len(pages)-1]
	if last.flags != oggEOS || last.granule != lastGranule {
		t.Errorf("last page %+v, want EOS at %d", last, lastGranule)
	}
	for i, p := range pages {
		if p.seq != uint32(i) || p.serial != pages[0].serial {
			t.Errorf("page %d: %+v", i, p)
		}
		if i > 0 && p.granule < pages[i-1].granule {
			t.Errorf("page %d granule %d goes back", i, p.granule)
		}
	}
}
