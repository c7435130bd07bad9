package remux

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func TestServeContentRange(t *testing.T) {
	rec := avRecording(t)
	f, out := buildBytes(t, rec.segs, rec.fetch)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "recording.mp4", time.Time{}, f.NewReader(r.Context()))
	}))
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second}

	get := func(rangeHdr string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rangeHdr != "" {
			req.Header.Set("Range", rangeHdr)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	resp, body := get("bytes=100-199")
	if resp.StatusCode != http.StatusPartialContent || resp.ContentLength != 100 || !bytes.Equal(body, out[100:200]) {
		t.Errorf("range: status %d, Content-Length %d, %d bytes (equal %v)",
			resp.StatusCode, resp.ContentLength, len(body), bytes.Equal(body, out[100:200]))
	}
	mid := f.Size() / 2
	resp, body = get("bytes=" + strconv.FormatInt(mid, 10) + "-")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, out[mid:]) {
		t.Errorf("open range in mdat: status %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, body = get("")
	if resp.StatusCode != http.StatusOK || resp.ContentLength != f.Size() || !bytes.Equal(body, out) {
		t.Errorf("whole file: status %d, Content-Length %d of %d", resp.StatusCode, resp.ContentLength, f.Size())
	}
	if ct := resp.Header.Get("Content-Type"); ct != "video/mp4" {
		t.Logf("Content-Type %q (set by the caller's handler if needed)", ct)
	}
}
