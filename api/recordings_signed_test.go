package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/storage/archive"
)

// serverOn is another API process on the same store with its own key.
func serverOn(t *testing.T, f *recFixture, key []byte) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(capture(t, New(Config{
		Keys:       []configs.APIKey{{Tenant: "acme", Key: strings.TrimPrefix(acmeAuth, "Bearer ")}},
		Recordings: archive.NewCatalog(f.store), SigningKey: key,
	})))
	t.Cleanup(ts.Close)
	return ts
}

// TestRecordingsPlaylistURL checks the signed playlist link of GET
// /v1/recordings/{id}: it plays without a key on every server with the
// same signing key, and on no other.
func TestRecordingsPlaylistURL(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusComplete)
	r := f.call(t, "GET", "/v1/recordings/"+m.ID, acmeAuth)
	var view struct {
		ID          string `json:"id"`
		PlaylistURL string `json:"playlist_url"`
	}
	if err := json.Unmarshal([]byte(r.body), &view); err != nil || view.ID != m.ID {
		t.Fatalf("get: %v %s", err, r.body)
	}
	u, err := url.Parse(view.PlaylistURL)
	if err != nil || u.Path != "/v1/recordings/"+m.ID+"/index.m3u8" || u.Query().Get("sig") == "" {
		t.Fatalf("playlist_url %q: %v", view.PlaylistURL, err)
	}
	for name, ts := range map[string]*httptest.Server{"this server": f.ts, "a server with the same key": serverOn(t, f, signingKey)} {
		got := call(t, ts, "GET", view.PlaylistURL, "", "", "")
		if got.status != http.StatusOK || len(playlistURIs(t, got.body)) != 3 {
			t.Errorf("%s: playlist_url without a key: %d %s", name, got.status, got.body)
		}
	}
	other := serverOn(t, f, []byte("another-signing-key-0123456789abcdef"))
	if got := call(t, other, "GET", view.PlaylistURL, "", "", ""); got.status != http.StatusForbidden {
		t.Errorf("a server with another key: %d, want 403", got.status)
	}
	// The playlist's signature opens no file, and a file's no playlist.
	files := "/v1/recordings/" + m.ID + "/files/"
	for _, p := range []string{files + "index.m3u8?" + u.RawQuery, files + "seg-000001.m4s?" + u.RawQuery} {
		if got := f.call(t, "GET", p, ""); got.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", p, got.status)
		}
	}
	exp := time.Now().Add(time.Hour).Unix()
	fileSig := url.Values{"t": {"acme"}, "expires": {strconv.FormatInt(exp, 10)}, "sig": {sign("acme", m.ID, "seg-000001.m4s", exp)}}
	if got := f.call(t, "GET", u.Path+"?"+fileSig.Encode(), ""); got.status != http.StatusForbidden {
		t.Errorf("a file's signature on the playlist: %d, want 403", got.status)
	}
	if got := f.call(t, "GET", u.Path, ""); got.status != http.StatusUnauthorized {
		t.Errorf("playlist without key or signature: %d, want 401", got.status)
	}
}
