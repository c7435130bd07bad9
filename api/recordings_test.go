package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
)

const (
	acmeAuth  = "Bearer acme-key-0123456789abcdef"
	otherAuth = "Bearer other-key-0123456789abcdef"
)

var (
	signingKey = []byte("0123456789abcdef0123456789abcdef")
	recT0      = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
)

type recFixture struct {
	ts    *httptest.Server
	store *local.Store
}

func newRecordingServer(t *testing.T, store storage.Store) *httptest.Server {
	t.Helper()
	s := New(Config{
		Keys: []configs.APIKey{
			{Tenant: "acme", Key: strings.TrimPrefix(acmeAuth, "Bearer ")},
			{Tenant: "other", Key: strings.TrimPrefix(otherAuth, "Bearer ")},
		},
		Recordings: archive.NewCatalog(store), SigningKey: signingKey,
	})
	ts := httptest.NewServer(capture(t, s))
	t.Cleanup(ts.Close)
	return ts
}

func newRecFixture(t *testing.T) *recFixture {
	t.Helper()
	st, err := local.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &recFixture{ts: newRecordingServer(t, st), store: st}
}

// add stores a recording with two small segments and returns its manifest.
func (f *recFixture) add(t *testing.T, tenant, room string, start time.Time, status string) *archive.Manifest {
	t.Helper()
	m := &archive.Manifest{
		Version:         archive.ManifestVersion,
		Summary:         archive.Summary{ID: archive.NewID(start), Tenant: tenant, Room: room, Egress: "EG_1", Status: status, StartedAt: start, UpdatedAt: start, Participants: []archive.Participant{{ID: "p1", Name: "alice", FirstSeen: start}}},
		Inits:           []archive.File{{Name: archive.InitName(0), Size: 4}},
		Discontinuities: []archive.Discontinuity{},
	}
	f.put(t, archive.Key(tenant, room, m.ID, archive.InitName(0)), []byte("init"))
	for seq := uint64(1); seq <= 2; seq++ {
		name := archive.SegmentName(seq)
		m.Segments = append(m.Segments, archive.Segment{File: archive.File{Name: name, Size: 4},
			Sequence: seq, Init: archive.InitName(0), Start: float64(seq-1) * 2, Duration: 2})
		f.put(t, archive.Key(tenant, room, m.ID, name), []byte("moof"))
	}
	m.Duration = 4
	f.putManifest(t, m)
	return m
}

func (f *recFixture) putManifest(t *testing.T, m *archive.Manifest) {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	f.put(t, archive.Key(m.Tenant, m.Room, m.ID, archive.ManifestName), b)
	f.put(t, archive.IndexEntryKey(m.Tenant, m.Room, m.ID), archive.IndexBody(m))
}

func (f *recFixture) put(t *testing.T, key string, b []byte) {
	t.Helper()
	if err := f.store.Put(context.Background(), key, bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
}

func (f *recFixture) call(t *testing.T, method, path, auth string) result {
	t.Helper()
	return call(t, f.ts, method, path, auth, "", "")
}

type listBody struct {
	Recordings []map[string]any `json:"recordings"`
	Next       *string          `json:"next_cursor"`
}

func decodeList(t *testing.T, r result) ([]string, string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("list: status %d: %s", r.status, r.body)
	}
	var b listBody
	if err := json.Unmarshal([]byte(r.body), &b); err != nil || b.Next == nil || b.Recordings == nil {
		t.Fatalf("list body %s: %v", r.body, err)
	}
	var ids []string
	for _, rec := range b.Recordings {
		ids = append(ids, rec["id"].(string))
	}
	return ids, *b.Next
}

// seven adds 7 acme recordings a minute apart (rooms a/b alternating, the
// first two interrupted) and one of tenant other; ids newest first.
func (f *recFixture) seven(t *testing.T) []string {
	t.Helper()
	var ids []string
	for i := range 7 {
		room, status := "a", archive.StatusComplete
		if i%2 == 1 {
			room = "b"
		}
		if i < 2 {
			status = archive.StatusInterrupted
		}
		ids = append(ids, f.add(t, "acme", room, recT0.Add(time.Duration(i)*time.Minute), status).ID)
	}
	f.add(t, "other", "a", recT0, archive.StatusComplete)
	slices.Reverse(ids)
	return ids
}

func TestRecordingsListPaging(t *testing.T) {
	f := newRecFixture(t)
	want := f.seven(t)
	var got []string
	var sizes []int
	path := "/v1/recordings?limit=3"
	for range 5 {
		ids, next := decodeList(t, f.call(t, "GET", path, acmeAuth))
		got, sizes = append(got, ids...), append(sizes, len(ids))
		if next == "" {
			break
		}
		path = "/v1/recordings?limit=3&cursor=" + url.QueryEscape(next)
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) || !slices.Equal(got, want) {
		t.Errorf("pages %v ids %v, want [3 3 1] %v", sizes, got, want)
	}
	ids, _ := decodeList(t, f.call(t, "GET", "/v1/recordings", otherAuth))
	if len(ids) != 1 {
		t.Errorf("tenant other sees %d recordings, want 1", len(ids))
	}
}

func TestRecordingsListSummary(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusComplete)
	r := f.call(t, "GET", "/v1/recordings", acmeAuth)
	var b struct {
		Recordings []map[string]any `json:"recordings"`
	}
	if err := json.Unmarshal([]byte(r.body), &b); err != nil || len(b.Recordings) != 1 {
		t.Fatalf("body %s: %v", r.body, err)
	}
	s := b.Recordings[0]
	for _, k := range []string{"segments", "inits", "raw", "discontinuities", "tenant"} {
		if _, ok := s[k]; ok {
			t.Errorf("summary has %q", k)
		}
	}
	if s["segment_count"] != float64(2) || s["room"] != "a" || s["status"] != "complete" {
		t.Errorf("summary %v", s)
	}
	links, _ := s["links"].(map[string]any)
	base := "/v1/recordings/" + m.ID
	if links["manifest"] != base || links["playlist"] != base+"/index.m3u8" || links["download"] != base+"/download" {
		t.Errorf("links %v", links)
	}
}

func TestRecordingsListFilters(t *testing.T) {
	f := newRecFixture(t)
	ids := f.seven(t) // ids[k] started at recT0 + (6-k) min
	ts := func(d time.Duration) string { return url.QueryEscape(recT0.Add(d).Format(time.RFC3339)) }
	cases := []struct {
		query string
		want  []string
	}{
		{"room=b", []string{ids[1], ids[3], ids[5]}},
		{"status=interrupted", []string{ids[5], ids[6]}},
		{"since=" + ts(5*time.Minute), []string{ids[0], ids[1]}},
		{"until=" + ts(2*time.Minute), []string{ids[5], ids[6]}},
		{"since=" + ts(2*time.Minute) + "&until=" + ts(4*time.Minute), []string{ids[3], ids[4]}},
		{"room=a&status=interrupted", []string{ids[6]}},
		{"status=recording", nil},
		{"room=nope", nil},
	}
	for _, c := range cases {
		got, next := decodeList(t, f.call(t, "GET", "/v1/recordings?"+c.query, acmeAuth))
		if !slices.Equal(got, c.want) || next != "" {
			t.Errorf("%s: %v next %q, want %v", c.query, got, next, c.want)
		}
	}
}

func TestRecordingsListBadParams(t *testing.T) {
	f := newRecFixture(t)
	for query, param := range map[string]string{
		"limit=0": "limit", "limit=1001": "limit", "limit=x": "limit", "limit=-1": "limit",
		"since=yesterday": "since", "until=2025-03-01": "until", "status=done": "status",
		"cursor=..%2F..%2Fx": "cursor", "cursor=REC_": "cursor",
	} {
		r := f.call(t, "GET", "/v1/recordings?"+query, acmeAuth)
		if r.status != http.StatusBadRequest || !strings.HasPrefix(errorOf(t, r), param+":") {
			t.Errorf("%s: status %d %s, want 400 naming %s", query, r.status, r.body, param)
		}
	}
	if r := f.call(t, "GET", "/v1/recordings?limit=1000", acmeAuth); r.status != http.StatusOK {
		t.Errorf("limit=1000: %d", r.status)
	}
	if r := f.call(t, "GET", "/v1/recordings", ""); r.status != http.StatusUnauthorized {
		t.Errorf("no key: %d", r.status)
	}
}

func TestRecordingsGet(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusComplete)
	r := f.call(t, "GET", "/v1/recordings/"+m.ID, acmeAuth)
	got, err := archive.ParseManifest([]byte(r.body))
	if r.status != http.StatusOK || err != nil || got.ID != m.ID || len(got.Segments) != 2 {
		t.Fatalf("get: %d %v %s", r.status, err, r.body)
	}
	for _, c := range []struct{ path, auth string }{
		{"/v1/recordings/" + m.ID, otherAuth},
		{"/v1/recordings/" + archive.NewID(recT0), acmeAuth},
		{"/v1/recordings/REC_x", acmeAuth},
		{"/v1/recordings/..%2Facme", acmeAuth},
		{"/v1/recordings/" + m.ID + "/index.m3u8", otherAuth},
		{"/v1/recordings/" + m.ID + "/download", otherAuth},
		{"/v1/recordings/" + m.ID + "/files/seg-000001.m4s", otherAuth},
	} {
		r := f.call(t, "GET", c.path, c.auth)
		if r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", c.path, r.status)
		}
		errorOf(t, r)
	}
}

// TestRecordingsTraversal checks that no id or name reaches outside the
// recording, whatever the encoding.
func TestRecordingsTraversal(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusComplete)
	const secret = "top-secret-object"
	f.put(t, "acme/secret.txt", []byte(secret))
	f.put(t, "other/a/x/seg-000001.m4s", []byte(secret))
	base := "/v1/recordings/" + m.ID + "/files/"
	for _, p := range []string{
		base + "..%2F..%2Fsecret.txt", base + "..%2F..%2F..%2Fother%2Fa%2Fx%2Fseg-000001.m4s",
		base + "%2Fetc%2Fpasswd", base + "a%5C..%5Cb", base + "../../secret.txt", base + "",
		"/v1/recordings/..%2F..%2Fsecret.txt/files/x", "/v1/recordings/" + m.ID + "%2F..%2F..%2Fsecret.txt/files/x",
	} {
		r := f.call(t, "GET", p, acmeAuth)
		if r.status == http.StatusOK || strings.Contains(r.body, secret) {
			t.Errorf("%s: status %d body %q", p, r.status, r.body)
		}
	}
	r := f.call(t, "GET", base+"seg-000001.m4s", acmeAuth)
	if r.status != http.StatusOK || r.body != "moof" || r.header.Get("Content-Type") != "video/mp4" {
		t.Errorf("own segment with key: %d %q %v", r.status, r.body, r.header)
	}
	r = f.call(t, "GET", base+"manifest.json", acmeAuth)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" ||
		r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Errorf("manifest file: %d %v", r.status, r.header)
	}
}

func playlistURIs(t *testing.T, body string) []string {
	t.Helper()
	var uris []string
	for _, line := range strings.Split(body, "\n") {
		if u, ok := strings.CutPrefix(line, `#EXT-X-MAP:URI="`); ok {
			uris = append(uris, strings.TrimSuffix(u, `"`))
		} else if line != "" && !strings.HasPrefix(line, "#") {
			uris = append(uris, line)
		}
	}
	return uris
}

func sign(tenant, id, name string, expires int64) string {
	h := hmac.New(sha256.New, signingKey)
	fmt.Fprintf(h, "%s\n%s\n%s\n%d", tenant, id, name, expires)
	return hex.EncodeToString(h.Sum(nil))
}

func TestRecordingsPlaylistSigned(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusComplete)
	r := f.call(t, "GET", "/v1/recordings/"+m.ID+"/index.m3u8", acmeAuth)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/vnd.apple.mpegurl" ||
		!strings.HasPrefix(r.body, "#EXTM3U\n") || !strings.Contains(r.body, "#EXT-X-ENDLIST") {
		t.Fatalf("playlist: %d %v\n%s", r.status, r.header, r.body)
	}
	uris := playlistURIs(t, r.body)
	if len(uris) != 3 {
		t.Fatalf("uris %v", uris)
	}
	for i, want := range []string{"init-0.mp4", "seg-000001.m4s", "seg-000002.m4s"} {
		u, err := url.Parse(uris[i])
		if err != nil || u.Path != "/v1/recordings/"+m.ID+"/files/"+want || u.Query().Get("t") != "acme" {
			t.Fatalf("uri %q: %v", uris[i], err)
		}
		exp, _ := strconv.ParseInt(u.Query().Get("expires"), 10, 64)
		if d := time.Until(time.Unix(exp, 0)); d < 5*time.Hour || d > 7*time.Hour {
			t.Errorf("expires in %v, want ~6h", d)
		}
		// No Authorization header, as a player would fetch it.
		got := f.call(t, "GET", uris[i], "")
		if got.status != http.StatusOK || got.header.Get("Content-Length") != "4" || got.header.Get("Content-Type") != "video/mp4" {
			t.Errorf("signed fetch %s: %d %v %q", uris[i], got.status, got.header, got.body)
		}
	}
	u, _ := url.Parse(uris[1])
	q := u.Query()
	tamper := func(mut func(u *url.URL, q url.Values)) string {
		u2, q2 := *u, url.Values{}
		for k, v := range q {
			q2[k] = slices.Clone(v)
		}
		mut(&u2, q2)
		u2.RawQuery = q2.Encode()
		return u2.String()
	}
	past := time.Now().Add(-time.Minute).Unix()
	for name, p := range map[string]string{
		"sig flipped":   tamper(func(_ *url.URL, q url.Values) { q.Set("sig", strings.Repeat("0", 64)) }),
		"sig not hex":   tamper(func(_ *url.URL, q url.Values) { q.Set("sig", "zz") }),
		"expires moved": tamper(func(_ *url.URL, q url.Values) { q.Set("expires", strconv.FormatInt(past+1e9, 10)) }),
		"other tenant":  tamper(func(_ *url.URL, q url.Values) { q.Set("t", "other") }),
		"other name":    tamper(func(u *url.URL, _ url.Values) { u.Path = strings.Replace(u.Path, "seg-000001", "seg-000002", 1) }),
		"no tenant":     tamper(func(_ *url.URL, q url.Values) { q.Del("t") }),
		"expired": tamper(func(_ *url.URL, q url.Values) {
			q.Set("expires", strconv.FormatInt(past, 10))
			q.Set("sig", sign("acme", m.ID, "seg-000001.m4s", past))
		}),
	} {
		r := f.call(t, "GET", p, "")
		if r.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, r.status)
		}
		if reason := errorOf(t, r); name == "expired" && !strings.Contains(reason, "expired") {
			t.Errorf("expired: reason %q", reason)
		}
	}
	if r := f.call(t, "GET", u.Path, ""); r.status != http.StatusUnauthorized {
		t.Errorf("no key, no sig: %d", r.status)
	}
	// A signed link of a tenant for another tenant's recording finds nothing.
	o := f.add(t, "other", "a", recT0, archive.StatusComplete)
	exp := time.Now().Add(time.Hour).Unix()
	p := fmt.Sprintf("/v1/recordings/%s/files/seg-000001.m4s?t=acme&expires=%d&sig=%s", o.ID, exp, sign("acme", o.ID, "seg-000001.m4s", exp))
	if r := f.call(t, "GET", p, ""); r.status != http.StatusNotFound {
		t.Errorf("acme-signed link to other's recording: %d", r.status)
	}
}

func TestRecordingsDelete(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusComplete)
	live := f.add(t, "acme", "a", recT0.Add(time.Minute), archive.StatusRecording)
	if r := f.call(t, "DELETE", "/v1/recordings/"+m.ID, otherAuth); r.status != http.StatusNotFound {
		t.Errorf("delete by other tenant: %d", r.status)
	}
	if r := f.call(t, "DELETE", "/v1/recordings/"+live.ID, acmeAuth); r.status != http.StatusConflict {
		t.Errorf("delete while recording: %d", r.status)
	} else {
		errorOf(t, r)
	}
	if r := f.call(t, "DELETE", "/v1/recordings/"+m.ID, acmeAuth); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := f.call(t, "GET", "/v1/recordings/"+m.ID, acmeAuth); r.status != http.StatusNotFound {
		t.Errorf("get after delete: %d", r.status)
	}
	if r := f.call(t, "DELETE", "/v1/recordings/"+m.ID, acmeAuth); r.status != http.StatusNotFound {
		t.Errorf("second delete: %d", r.status)
	}
	objs, err := f.store.List(context.Background(), "acme/a/"+m.ID, "", 0)
	if err != nil || len(objs) != 0 {
		t.Errorf("objects left: %v %v", objs, err)
	}
}

// TestRecordingsDeleteChunkedHalfDeleted: a chunked recording whose
// delete stopped half way (its index chunks gone, its head not) is still
// deleted by the next DELETE, which needs only its status: objects left
// behind would stay in the bucket for good.
func TestRecordingsDeleteChunkedHalfDeleted(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusComplete)
	for seq := uint64(3); seq <= 150; seq++ {
		m.Segments = append(m.Segments, archive.Segment{File: archive.File{Name: archive.SegmentName(seq), Size: 4},
			Sequence: seq, Init: archive.InitName(0), Start: float64(seq-1) * 2, Duration: 2})
		f.put(t, archive.Key(m.Tenant, m.Room, m.ID, archive.SegmentName(seq)), []byte("moof"))
	}
	var chunks []string
	err := (&archive.IndexWriter{}).Write(m, func(name string, b []byte) error {
		if name != archive.ManifestName {
			chunks = append(chunks, name)
		}
		f.put(t, archive.Key(m.Tenant, m.Room, m.ID, name), b)
		return nil
	})
	if err != nil || len(chunks) != 1 {
		t.Fatalf("chunked manifest: %d chunks, %v", len(chunks), err)
	}
	if err := f.store.Delete(context.Background(), archive.Key(m.Tenant, m.Room, m.ID, chunks[0])); err != nil {
		t.Fatal(err)
	}
	if r := f.call(t, "DELETE", "/v1/recordings/"+m.ID, acmeAuth); r.status != http.StatusNoContent {
		t.Fatalf("delete of a half-deleted recording: %d %s", r.status, r.body)
	}
	objs, err := f.store.List(context.Background(), "acme/a/"+m.ID, "", 0)
	if err != nil || len(objs) != 0 {
		t.Errorf("objects left: %d %v", len(objs), err)
	}
}

func TestRecordingsDownloadNoSegments(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusRecording)
	m.Segments = nil
	f.putManifest(t, m)
	if r := f.call(t, "GET", "/v1/recordings/"+m.ID+"/download", acmeAuth); r.status != http.StatusConflict {
		t.Errorf("download without segments: %d %s", r.status, r.body)
	} else {
		errorOf(t, r)
	}
}

func TestRecordingsCorruptManifest(t *testing.T) {
	f := newRecFixture(t)
	m := f.add(t, "acme", "a", recT0, archive.StatusComplete)
	f.put(t, archive.Key("acme", "a", m.ID, archive.ManifestName), []byte("{not json"))
	r := f.call(t, "GET", "/v1/recordings/"+m.ID, acmeAuth)
	if r.status != http.StatusInternalServerError {
		t.Errorf("corrupt manifest: %d", r.status)
	}
	errorOf(t, r)
}

// outageStore fails every call with an error that names a credential.
type outageStore struct{ storage.Store }

var errOutage = errors.New("dial s3: AKIASECRETKEY1234 refused")

func (outageStore) List(context.Context, string, string, int) ([]storage.Object, error) {
	return nil, errOutage
}

func (outageStore) Get(context.Context, string) (io.ReadCloser, error) { return nil, errOutage }

func TestRecordingsStoreOutage(t *testing.T) {
	ts := newRecordingServer(t, outageStore{})
	for _, p := range []string{"/v1/recordings", "/v1/recordings/" + archive.NewID(recT0), "/v1/recordings/" + archive.NewID(recT0) + "/index.m3u8"} {
		r := call(t, ts, "GET", p, acmeAuth, "", "")
		if r.status != http.StatusServiceUnavailable || strings.Contains(r.body, "AKIA") {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
		errorOf(t, r)
	}
}

func TestRecordingsDisabled(t *testing.T) {
	s := New(Config{Keys: []configs.APIKey{{Tenant: "acme", Key: strings.TrimPrefix(acmeAuth, "Bearer ")}}})
	ts := httptest.NewServer(capture(t, s))
	defer ts.Close()
	if r := call(t, ts, "GET", "/v1/recordings", acmeAuth, "", ""); r.status != http.StatusNotFound {
		t.Errorf("without a catalog: %d", r.status)
	}
}
