package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// TestRecordingsDownload stores a real recording (ffmpeg H.264 + AAC cut
// by the mux Segmenter), downloads it as one MP4 and checks it with
// ffprobe, then checks a Range request.
func TestRecordingsDownload(t *testing.T) {
	f := newRecFixture(t)
	m := f.addReal(t, "acme", "a", recT0)
	r := f.call(t, "GET", "/v1/recordings/"+m.ID+"/download", acmeAuth)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "video/mp4" ||
		r.header.Get("Content-Disposition") != `attachment; filename="`+m.ID+`.mp4"` ||
		r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Fatalf("download: %d %v (%d bytes)", r.status, r.header, len(r.body))
	}
	out := filepath.Join(t.TempDir(), "out.mp4")
	if err := os.WriteFile(out, []byte(r.body), 0o644); err != nil {
		t.Fatal(err)
	}
	codecs, duration := probe(t, out)
	if codecs["video"] != "h264" || codecs["audio"] != "aac" {
		t.Errorf("codecs %v, want h264 + aac", codecs)
	}
	if math.Abs(duration-m.Duration) > 0.5 {
		t.Errorf("duration %.3f s, manifest %.3f s", duration, m.Duration)
	}
	if r.body[4:8] != "ftyp" || bytes.Index([]byte(r.body), []byte("moov")) > bytes.Index([]byte(r.body), []byte("mdat")) {
		t.Errorf("not faststart")
	}
	checkRange(t, f, m.ID, r.body)
	checkPlaylistPlays(t, f, m)
}

// checkPlaylistPlays saves the playlist with absolute links and has
// ffprobe read it: segments are fetched with no Authorization header.
func checkPlaylistPlays(t *testing.T, f *recFixture, m *archive.Manifest) {
	t.Helper()
	r := f.call(t, "GET", "/v1/recordings/"+m.ID+"/index.m3u8", acmeAuth)
	if r.status != http.StatusOK {
		t.Fatalf("playlist: %d", r.status)
	}
	body := strings.ReplaceAll(r.body, "/v1/recordings/", f.ts.URL+"/v1/recordings/")
	pl := filepath.Join(t.TempDir(), "index.m3u8")
	if err := os.WriteFile(pl, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	codecs, duration := probe(t, pl, "-protocol_whitelist", "file,http,tcp", "-allowed_extensions", "ALL")
	if codecs["video"] != "h264" || codecs["audio"] != "aac" || math.Abs(duration-m.Duration) > 0.5 {
		t.Errorf("playlist probe: %v %.3f s, manifest %.3f s", codecs, duration, m.Duration)
	}
}

func checkRange(t *testing.T, f *recFixture, id, full string) {
	t.Helper()
	lo, hi := len(full)/3, len(full)/3+9999
	req, _ := http.NewRequest("GET", f.ts.URL+"/v1/recordings/"+id+"/download", nil)
	req.Header.Set("Authorization", acmeAuth)
	req.Header.Set("Range", "bytes="+strconv.Itoa(lo)+"-"+strconv.Itoa(hi))
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || string(b) != full[lo:hi+1] ||
		resp.Header.Get("Content-Range") != "bytes "+strconv.Itoa(lo)+"-"+strconv.Itoa(hi)+"/"+strconv.Itoa(len(full)) {
		t.Errorf("range: %d %v, %d bytes, equal %v", resp.StatusCode, resp.Header, len(b), string(b) == full[lo:hi+1])
	}
}

func probe(t *testing.T, path string, opts ...string) (map[string]string, float64) {
	t.Helper()
	args := append(opts, "-v", "error", "-show_entries", "stream=codec_type,codec_name:format=duration", "-of", "json", path)
	out, err := exec.Command("ffprobe", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	var p struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			CodecName string `json:"codec_name"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	codecs := map[string]string{}
	for _, s := range p.Streams {
		codecs[s.CodecType] = s.CodecName
	}
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return codecs, d
}

// addReal stores a recording of 10 s of ffmpeg test video and audio cut
// into 2 s segments, with its manifest and index entry.
func (f *recFixture) addReal(t *testing.T, tenant, room string, start time.Time) *archive.Manifest {
	t.Helper()
	fx := mediafixture.Load(t)
	video, audio, units := fx.Video, fx.Audio, fx.Units
	seg, err := mux.NewSegmenter(mux.SegmenterConfig{Tracks: []*media.Track{video, audio}, TargetDuration: 2 * time.Second, FirstSequence: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := &archive.Manifest{
		Version: archive.ManifestVersion,
		Summary: archive.Summary{ID: archive.NewID(start), Tenant: tenant, Room: room, Status: archive.StatusComplete, StartedAt: start, UpdatedAt: start, Video: &archive.VideoInfo{Codec: "h264", Width: 320, Height: 240, FPS: 30}, Audio: &archive.AudioInfo{Codec: "aac", SampleRate: 48000, Channels: 2}},
	}
	var init bytes.Buffer
	if err := seg.WriteInit(&init); err != nil {
		t.Fatal(err)
	}
	m.Inits = []archive.File{f.putFile(t, m, archive.InitName(0), init.Bytes())}
	for _, u := range units {
		s, err := seg.Push(u)
		if err != nil {
			t.Fatal(err)
		}
		f.addSegment(t, m, s)
	}
	s, _ := seg.Flush()
	f.addSegment(t, m, s)
	f.putManifest(t, m)
	return m
}

func (f *recFixture) putFile(t *testing.T, m *archive.Manifest, name string, b []byte) archive.File {
	t.Helper()
	f.put(t, archive.Key(m.Tenant, m.Room, m.ID, name), b)
	sum := sha256.Sum256(b)
	m.Size += int64(len(b))
	return archive.File{Name: name, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
}

func (f *recFixture) addSegment(t *testing.T, m *archive.Manifest, s *mux.Segment) {
	t.Helper()
	if s == nil {
		return
	}
	file := f.putFile(t, m, archive.SegmentName(s.Sequence), s.Data)
	m.Segments = append(m.Segments, archive.Segment{File: file, Sequence: s.Sequence, Init: archive.InitName(0),
		Start: s.Start.Seconds(), Duration: s.Duration.Seconds()})
	m.Duration += s.Duration.Seconds()
}
