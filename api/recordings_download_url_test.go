package api

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/archive"
)

// signedLinks reads the signed playlist_url and download_url of GET
// /v1/recordings/{id}.
func signedLinks(t *testing.T, f *recFixture, id string) (playlist, download *url.URL) {
	t.Helper()
	r := f.call(t, "GET", "/v1/recordings/"+id, acmeAuth)
	var view struct {
		PlaylistURL string `json:"playlist_url"`
		DownloadURL string `json:"download_url"`
	}
	if err := json.Unmarshal([]byte(r.body), &view); err != nil || r.status != http.StatusOK {
		t.Fatalf("get: %d %v %s", r.status, err, r.body)
	}
	var err error
	if playlist, err = url.Parse(view.PlaylistURL); err != nil {
		t.Fatal(err)
	}
	if download, err = url.Parse(view.DownloadURL); err != nil {
		t.Fatal(err)
	}
	return playlist, download
}

// TestRecordingsDownloadURL checks the signed download_url: it opens
// with no Authorization header, answers Range requests as a <video>
// element sends them, is read by ffprobe, and refuses a tampered or
// expired signature with the API's error shape.
func TestRecordingsDownloadURL(t *testing.T) {
	f := newRecFixture(t)
	m := f.addReal(t, "acme", "a", recT0)
	playlist, dl := signedLinks(t, f, m.ID)
	if dl.Path != "/v1/recordings/"+m.ID+"/download" || dl.Query().Get("sig") == "" || dl.Query().Get("t") != "acme" {
		t.Fatalf("download_url %q", dl)
	}
	exp, _ := strconv.ParseInt(dl.Query().Get("expires"), 10, 64)
	if d := time.Until(time.Unix(exp, 0)); d < 5*time.Hour || d > 7*time.Hour {
		t.Errorf("download_url expires in %v, want ~6h", d)
	}
	full := f.call(t, "GET", dl.String(), "")
	if full.status != http.StatusOK || full.header.Get("Accept-Ranges") != "bytes" ||
		full.header.Get("Content-Type") != "video/mp4" || full.body[4:8] != "ftyp" {
		t.Fatalf("download_url without a key: %d %v (%d bytes)", full.status, full.header, len(full.body))
	}
	checkSignedRanges(t, f, dl.String(), full.body)
	codecs, duration := probe(t, f.ts.URL+dl.String())
	if codecs["video"] != "h264" || codecs["audio"] != "aac" || math.Abs(duration-m.Duration) > 0.5 {
		t.Errorf("ffprobe of download_url: %v %.3f s, manifest %.3f s", codecs, duration, m.Duration)
	}
	// ffprobe reads the playlist by its URL with no header: the playlist
	// and every segment it links open on their signatures alone.
	codecs, duration = probe(t, f.ts.URL+playlist.String())
	if codecs["video"] != "h264" || codecs["audio"] != "aac" || math.Abs(duration-m.Duration) > 0.5 {
		t.Errorf("ffprobe of playlist_url: %v %.3f s, manifest %.3f s", codecs, duration, m.Duration)
	}
	checkSignedRefusals(t, f, m, dl, playlist)
}

// checkSignedRanges sends the Range requests of a seeking player to the
// signed link u of the MP4 full.
func checkSignedRanges(t *testing.T, f *recFixture, u, full string) {
	t.Helper()
	n := len(full)
	for _, c := range []struct {
		rng, want, contentRange string
	}{
		{"bytes=0-", full, "bytes 0-" + strconv.Itoa(n-1) + "/" + strconv.Itoa(n)},
		{"bytes=100-1099", full[100:1100], "bytes 100-1099/" + strconv.Itoa(n)},
		{"bytes=" + strconv.Itoa(n/2) + "-", full[n/2:], "bytes " + strconv.Itoa(n/2) + "-" + strconv.Itoa(n-1) + "/" + strconv.Itoa(n)},
		{"bytes=-500", full[n-500:], "bytes " + strconv.Itoa(n-500) + "-" + strconv.Itoa(n-1) + "/" + strconv.Itoa(n)},
	} {
		r := call(t, f.ts, "GET", u, "", "", "", "Range", c.rng)
		if r.status != http.StatusPartialContent || r.body != c.want || r.header.Get("Content-Range") != c.contentRange {
			t.Errorf("Range %s: %d %q, %d bytes, equal %v", c.rng, r.status, r.header.Get("Content-Range"), len(r.body), r.body == c.want)
		}
	}
	r := call(t, f.ts, "GET", u, "", "", "", "Range", "bytes="+strconv.Itoa(n+10)+"-")
	if r.status != http.StatusRequestedRangeNotSatisfiable || r.header.Get("Content-Range") != "bytes */"+strconv.Itoa(n) {
		t.Errorf("Range past the end: %d %v, want 416 with bytes */%d", r.status, r.header, n)
	}
	if e := errorShape(t, r); e.Code != "range_not_satisfiable" {
		t.Errorf("416 code %q", e.Code)
	}
}

// checkSignedRefusals checks that a download link works only as signed,
// only until it expires, and only for the download.
func checkSignedRefusals(t *testing.T, f *recFixture, m *archive.Manifest, dl, playlist *url.URL) {
	t.Helper()
	sig := dl.Query().Get("sig")
	flipped := []byte(sig)
	if flipped[10] == '0' {
		flipped[10] = '1'
	} else {
		flipped[10] = '0'
	}
	past := time.Now().Add(-time.Minute).Unix()
	expired := url.Values{"t": {"acme"}, "expires": {strconv.FormatInt(past, 10)}, "sig": {sign("acme", m.ID, downloadName, past)}}
	for name, p := range map[string]string{
		"one byte of sig changed":            strings.Replace(dl.String(), sig, string(flipped), 1),
		"expired":                            dl.Path + "?" + expired.Encode(),
		"playlist signature":                 dl.Path + "?" + playlist.RawQuery,
		"download signature on the playlist": playlist.Path + "?" + dl.RawQuery,
		"download signature on a file":       "/v1/recordings/" + m.ID + "/files/seg-000001.m4s?" + dl.RawQuery,
	} {
		r := f.call(t, "GET", p, "")
		if r.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, r.status)
			continue
		}
		if msg := errorOf(t, r); name == "expired" && !strings.Contains(msg, "expired") {
			t.Errorf("expired: message %q", msg)
		}
	}
	if r := f.call(t, "GET", dl.Path, ""); r.status != http.StatusUnauthorized {
		t.Errorf("download without key or signature: %d, want 401", r.status)
	}
}
