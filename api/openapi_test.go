package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/storage/archive"
)

// The description, api/openapi.yaml, is kept true three ways:
// TestOpenAPIDocument checks that it is a sound OpenAPI 3.1.0 document,
// TestOpenAPIRoutes that it describes every registered route, and
// TestMain that every response the package's tests provoked through
// capture (their test servers wrap the API in it) is described: its
// status for its route, and its JSON body by the schema. This test
// provokes the responses the other tests do not.

// step is one request of TestOpenAPIResponses and the status it must get.
type step struct {
	method, path, auth, ctype, body string
	want                            int
}

// runSteps sends each step to ts and checks its status.
func runSteps(t *testing.T, ts *httptest.Server, steps []step) {
	t.Helper()
	for _, c := range steps {
		if r := call(t, ts, c.method, c.path, c.auth, c.ctype, c.body); r.status != c.want {
			t.Errorf("%s %s → %d %s, want %d", c.method, c.path, r.status, r.body, c.want)
		}
	}
}

// TestOpenAPIResponses drives every route of a fully configured server
// through its main answers and checks them against the description.
func TestOpenAPIResponses(t *testing.T) {
	s, st := newFullServer(t)
	ts := httptest.NewServer(capture(t, s))
	t.Cleanup(ts.Close)
	f := &recFixture{ts: ts, store: st}
	auth := "Bearer " + key
	steps := append(serviceSteps(t, ts), egressSteps(auth)...)
	steps = append(steps, webhookSteps(auth)...)
	steps = append(steps, recordingSteps(t, f, auth)...)
	runSteps(t, ts, steps)
	down := httptest.NewServer(capture(t, newDownServer(t)))
	t.Cleanup(down.Close)
	runSteps(t, down, []step{
		{"GET", "/healthz", "", "", "", http.StatusServiceUnavailable},
		{"GET", "/v1/workers", auth, "", "", http.StatusServiceUnavailable},
		{"GET", "/v1/webhooks/parked", auth, "", "", http.StatusServiceUnavailable},
		{"POST", "/v1/webhooks/parked/WH_1/retry", auth, "", "", http.StatusServiceUnavailable},
	})
	checkOwnCaptures(t, len(steps)+4)
	logUncovered(t, s.Routes())
}

// checkOwnCaptures checks this test's captured responses, at least n.
func checkOwnCaptures(t *testing.T, n int) {
	t.Helper()
	if got := len(captures.all(t.Name())); got < n {
		t.Fatalf("%d responses captured, want %d: is capture broken?", got, n)
	}
	problems, err := checkAllCaptured(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// logUncovered lists the registered routes no test has provoked yet
// (in this run, up to now).
func logUncovered(t *testing.T, routes []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range captures.all("") {
		seen[c.pattern] = true
	}
	var missing []string
	for _, r := range routes {
		if !seen[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		t.Logf("routes no test provoked: %v", missing)
	}
}

// newDownServer is a server that is not ready and whose job bus is out
// of reach.
func newDownServer(t *testing.T) *Server {
	t.Helper()
	return New(Config{
		Keys:     []configs.APIKey{{Tenant: configs.DefaultTenant, Key: key}},
		Workers:  func(context.Context) (any, error) { return nil, errBoom },
		Webhooks: &fakeParking{down: true},
	})
}

func serviceSteps(t *testing.T, ts *httptest.Server) []step {
	t.Helper()
	r := call(t, ts, "GET", "/v1/openapi.yaml", "", "", "")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != OpenAPIContentType || r.body != string(openAPIDoc) {
		t.Errorf("GET /v1/openapi.yaml: %d %q, %d bytes, want the embedded description", r.status, r.header.Get("Content-Type"), len(r.body))
	}
	if _, err := parseOpenAPI([]byte(r.body)); err != nil {
		t.Errorf("served description: %v", err)
	}
	return []step{
		{"GET", "/healthz", "", "", "", http.StatusOK},
		{"GET", "/metrics", "", "", "", http.StatusOK},
		{"GET", "/v1/rooms", "", "", "", http.StatusUnauthorized},
		{"GET", "/v1/nope", "Bearer " + key, "", "", http.StatusNotFound},
	}
}

func egressSteps(auth string) []step {
	const js = "application/json"
	spec := `{"room":"r1","layout":"grid","video":{"width":1280,"height":720},"outputs":{"rtmp":["rtmp://93.184.216.34/live/k"],"record":{}}}`
	return []step{
		{"POST", "/v1/rooms", auth, js, `{"name":"r1"}`, http.StatusCreated},
		{"GET", "/v1/rooms", auth, "", "", http.StatusOK},
		{"POST", "/v1/egress", auth, js, spec, http.StatusCreated},
		{"POST", "/v1/egress", auth, js, `{"room":"r1"}`, http.StatusBadRequest},
		{"POST", "/v1/egress", auth, js, `{"room":"nope","outputs":{"record":{}}}`, http.StatusBadRequest},
		{"POST", "/v1/egress", auth, "text/plain", spec, http.StatusUnsupportedMediaType},
		{"GET", "/v1/egress?room=r1&active=true", auth, "", "", http.StatusOK},
		{"GET", "/v1/egress?active=maybe", auth, "", "", http.StatusBadRequest},
		{"GET", "/v1/egress/EG_1", auth, "", "", http.StatusOK},
		{"GET", "/v1/egress/" + egMissing, auth, "", "", http.StatusNotFound},
		{"GET", "/v1/egress/" + egDown, auth, "", "", http.StatusServiceUnavailable},
		{"GET", "/v1/egress/" + egBroken, auth, "", "", http.StatusInternalServerError},
		{"PATCH", "/v1/egress/EG_1", auth, js, `{"remove_rtmp":["o1"],"layout":"speaker","thumbnails":false}`, http.StatusOK},
		{"PATCH", "/v1/egress/EG_1", auth, js, `{"fit":"cover"}`, http.StatusBadRequest},
		{"PATCH", "/v1/egress/" + egEnded, auth, js, `{"remove_rtmp":["o1"]}`, http.StatusConflict},
		{"PATCH", "/v1/egress/EG_1", auth, js, `{"nope":1}`, http.StatusBadRequest},
		{"DELETE", "/v1/egress/EG_1", auth, "", "", http.StatusOK},
		{"DELETE", "/v1/egress/" + egNotRunning, auth, "", "", http.StatusConflict},
		{"GET", "/v1/workers", auth, "", "", http.StatusOK},
	}
}

func webhookSteps(auth string) []step {
	return []step{
		{"GET", "/v1/webhooks/parked", auth, "", "", http.StatusOK},
		{"POST", "/v1/webhooks/parked/WH_1/retry", auth, "", "", http.StatusAccepted},
		{"POST", "/v1/webhooks/parked/" + whMissing + "/retry", auth, "", "", http.StatusNotFound},
		{"POST", "/v1/webhooks/parked/" + whDown + "/retry", auth, "", "", http.StatusServiceUnavailable},
	}
}

// recordingSteps stores recordings of every kind and lists the requests
// that read, play, download and delete them.
func recordingSteps(t *testing.T, f *recFixture, auth string) []step {
	t.Helper()
	tenant := configs.DefaultTenant
	full := f.add(t, tenant, "r1", recT0, archive.StatusComplete)
	fillManifest(t, full)
	f.putManifest(t, full)
	live := f.add(t, tenant, "r1", recT0.Add(time.Minute), archive.StatusRecording)
	empty := f.add(t, tenant, "r1", recT0.Add(2*time.Minute), archive.StatusComplete)
	empty.Segments = nil
	f.putManifest(t, empty)
	broken := f.add(t, tenant, "r1", recT0.Add(3*time.Minute), archive.StatusComplete)
	f.put(t, archive.Key(tenant, "r1", broken.ID, archive.ManifestName), []byte("{not json"))
	playlistURL := signedPlaylistURL(t, f, auth, full.ID)
	base := "/v1/recordings/" + full.ID
	return []step{
		{"GET", "/v1/recordings", auth, "", "", http.StatusOK},
		{"GET", "/v1/recordings?status=complete&limit=1", auth, "", "", http.StatusOK},
		{"GET", "/v1/recordings?limit=0", auth, "", "", http.StatusBadRequest},
		{"GET", "/v1/recordings?since=yesterday", auth, "", "", http.StatusBadRequest},
		{"GET", base, auth, "", "", http.StatusOK},
		{"GET", "/v1/recordings/" + archive.NewID(recT0.Add(time.Hour)), auth, "", "", http.StatusNotFound},
		{"GET", "/v1/recordings/" + broken.ID, auth, "", "", http.StatusInternalServerError},
		{"GET", base + "/index.m3u8", auth, "", "", http.StatusOK},
		{"GET", playlistURL, "", "", "", http.StatusOK},
		{"GET", base + "/index.m3u8?t=" + tenant + "&expires=9999999999&sig=00", "", "", "", http.StatusForbidden},
		{"GET", "/v1/recordings/" + empty.ID + "/index.m3u8", auth, "", "", http.StatusOK},
		{"GET", base + "/files/" + archive.SegmentName(1), auth, "", "", http.StatusOK},
		{"GET", base + "/files/" + archive.ManifestName, auth, "", "", http.StatusOK},
		{"GET", base + "/files/nope.m4s", auth, "", "", http.StatusNotFound},
		{"GET", base + "/files/" + archive.SegmentName(1) + "?t=x&expires=1&sig=00", "", "", "", http.StatusForbidden},
		{"GET", base + "/download", auth, "", "", http.StatusInternalServerError}, // its segments are not media
		{"GET", "/v1/recordings/" + empty.ID + "/download", auth, "", "", http.StatusConflict},
		{"DELETE", "/v1/recordings/" + live.ID, auth, "", "", http.StatusConflict},
		{"DELETE", base, auth, "", "", http.StatusNoContent},
		{"DELETE", base, auth, "", "", http.StatusNotFound},
	}
}

// fillManifest sets every optional field of a manifest.
func fillManifest(t *testing.T, m *archive.Manifest) {
	t.Helper()
	end := m.StartedAt.Add(4 * time.Second)
	m.EndedAt, m.Generation, m.Error = &end, 1, "worker w1 died"
	m.Size = 12
	m.Video = &archive.VideoInfo{Codec: "h264", Width: 1280, Height: 720, FPS: 30}
	m.Audio = &archive.AudioInfo{Codec: "aac", SampleRate: 48000, Channels: 2}
	m.Segments[1].Discontinuity, m.Segments[1].Fill, m.Segments[1].Wall = true, true, end
	m.Discontinuities = []archive.Discontinuity{{Sequence: 2, At: end, Reason: "worker w1 died"}}
	m.Raw = []archive.RawFile{{File: archive.File{Name: "raw/p1-a.ogg", Size: 4, SHA256: "00"}, Participant: "p1", Track: "a", Codec: "opus", Duration: 4}}
	m.Dropped = &archive.Dropped{Segments: 1, Raw: 1, Bytes: 100}
	q, err := json.Marshal(fullInfo("EG_1").Quality)
	if err != nil {
		t.Fatal(err)
	}
	m.Quality = q
}

// signedPlaylistURL reads the playlist_url of recording id.
func signedPlaylistURL(t *testing.T, f *recFixture, auth, id string) string {
	t.Helper()
	r := f.call(t, "GET", "/v1/recordings/"+id, auth)
	var v struct {
		PlaylistURL string `json:"playlist_url"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.PlaylistURL == "" {
		t.Fatalf("recording %s: %d %s", id, r.status, r.body)
	}
	u, err := url.Parse(v.PlaylistURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// TestOpenAPICheckCatchesDrift: responses that stray from the
// description are reported, naming the route, the status and the JSON
// path at fault.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	doc := loadOpenAPI(t)
	room := `{"name":"r1","participants":[],"subscribers":0}`
	errBody := func(code string) string { return `{"error":{"code":"` + code + `","message":"m"}}` }
	cases := []struct {
		name, pattern, method string
		status                int
		ctype, body           string
		want                  []string // parts of the one problem reported; none: it passes
	}{
		{"good", "GET /v1/rooms/{room}", "GET", 200, "application/json", room, nil},
		{"good error", "GET /v1/rooms/{room}", "GET", 404, "application/json", errBody("not_found"), nil},
		{"catch-all", "/v1/", "GET", 404, "application/json", errBody("not_found"), nil},
		{"mux's own", "", "POST", 405, "text/plain", "Method Not Allowed", nil},
		{"status", "GET /v1/rooms/{room}", "GET", 418, "application/json", errBody("invalid_request"), []string{"status 418 is not described", "GET /v1/rooms/{room}"}},
		{"extra field", "GET /v1/rooms/{room}", "GET", 200, "application/json", `{"name":"r1","participants":[],"subscribers":0,"secret":"x"}`, []string{"$.secret", "not in the description", "→ 200"}},
		{"nested extra field", "GET /v1/rooms/{room}", "GET", 200, "application/json", `{"name":"r1","participants":[{"id":"p","name":"a","tracks":[{"id":"t","kind":"video","codec":"VP8","source":"camera","ssrc":1}]}],"subscribers":0}`, []string{"$.participants[0].tracks[0].ssrc"}},
		{"missing field", "GET /v1/rooms/{room}", "GET", 200, "application/json", `{"name":"r1","participants":[]}`, []string{`$: required field "subscribers"`}},
		{"wrong type", "GET /v1/rooms/{room}", "GET", 200, "application/json", `{"name":"r1","participants":null,"subscribers":0}`, []string{"$.participants: null, want type array"}},
		{"enum", "GET /v1/rooms/{room}", "GET", 404, "application/json", errBody("gone"), []string{"$.error.code", `"gone" is not one of`}},
		{"integer", "GET /v1/rooms/{room}", "GET", 200, "application/json", `{"name":"r1","participants":[],"subscribers":1.5}`, []string{"$.subscribers: number, want type integer"}},
		{"content type", "GET /v1/rooms/{room}", "GET", 200, "text/html", "<p>", []string{"content type text/html is not one of [application/json]"}},
		{"body where none", "DELETE /v1/rooms/{room}", "DELETE", 204, "application/json", "{}", []string{"a application/json body where the description has none"}},
		{"not JSON", "GET /v1/rooms/{room}", "GET", 200, "application/json", "{", []string{"body is not JSON"}},
		{"undocumented route", "GET /v1/secret", "GET", 200, "application/json", "{}", []string{"GET /v1/secret is not in openapi.yaml"}},
		{"catch-all status", "/v1/", "GET", 200, "application/json", errBody("not_found"), []string{"status 200, want 404"}},
		{"oneOf", "GET /v1/egress/{id}", "GET", 200, "application/json", `{"id":"x"}`, []string{`required field "room"`}},
		{"missing header", "POST /v1/rooms", "POST", 201, "application/json", room, []string{"required header Location is missing"}},
	}
	for _, c := range cases {
		got := doc.checkCaptured(captured{test: "drift", method: c.method, path: "/x", pattern: c.pattern, status: c.status,
			header: http.Header{"Content-Type": {c.ctype}}, contentType: c.ctype, body: []byte(c.body)})
		switch {
		case c.want == nil && len(got) > 0:
			t.Errorf("%s: reported %q", c.name, got)
		case c.want != nil && len(got) == 0:
			t.Errorf("%s: not reported", c.name)
		}
		for _, w := range c.want {
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
				t.Errorf("%s: %q does not say %q", c.name, got, w)
			}
		}
	}
	redirect := captured{method: "GET", pattern: "GET /v1/recordings/{id}", status: http.StatusTemporaryRedirect, header: http.Header{}}
	redirect.path = "/v1/recordings/a/files/../../b"
	if got := doc.checkCaptured(redirect); len(got) > 0 {
		t.Errorf("the mux's redirect of an unclean path: %q", got)
	}
	redirect.path = "/v1/recordings/b"
	if got := doc.checkCaptured(redirect); len(got) != 1 || !strings.Contains(got[0], "status 307 is not described") {
		t.Errorf("a handler's own 307: %q", got)
	}
}

// TestSchemaValidator checks the validator's keywords on their own.
func TestSchemaValidator(t *testing.T) {
	doc, err := parseOpenAPI([]byte(`
components:
  schemas:
    Target:
      oneOf:
        - type: string
        - type: object
          required: [url]
          additionalProperties: false
          properties:
            url: {type: string}
    Both:
      anyOf:
        - {type: string}
        - {type: string, enum: [a]}
    Bounded:
      type: object
      properties:
        n: {type: integer, minimum: 1, maximum: 3}
        l: {type: array, maxItems: 1, items: {type: [string, "null"]}}
        s: {type: string, maxLength: 2}
        c: {const: 7}
        x: {allOf: [{type: number}, {maximum: 1}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	v := &schemaValidator{doc: doc}
	ref := func(name string) any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	cases := []struct {
		schema string
		json   string
		bad    int // problems expected
	}{
		{"Target", `"rtmp://a/b"`, 0},
		{"Target", `{"url":"rtmp://a/b"}`, 0},
		{"Target", `{"url":"rtmp://a/b","x":1}`, 1},
		{"Target", `3`, 1},
		{"Both", `"a"`, 0},
		{"Both", `"b"`, 0},
		{"Bounded", `{"n":2,"l":[null],"s":"ab","c":7,"x":0.5}`, 0},
		{"Bounded", `{"n":0}`, 1},
		{"Bounded", `{"n":4,"l":["a","b"],"s":"abc","c":8,"x":2}`, 5},
		{"Bounded", `{"l":[1]}`, 1},
	}
	for _, c := range cases {
		val, err := decodeJSONValue([]byte(c.json))
		if err != nil {
			t.Fatal(err)
		}
		if got := v.validate(ref(c.schema), val, "$"); len(got) != c.bad {
			t.Errorf("%s %s: %d problems %q, want %d", c.schema, c.json, len(got), got, c.bad)
		}
	}
	if err := v.checkKeywords(map[string]any{"type": "string", "pattern": "^a"}, "#/x"); err == nil {
		t.Error("checkKeywords took pattern, which validate does not check")
	}
}

// checkCapturedAfterRun checks every response the tests captured and
// prints the problems; it returns the exit code TestMain adds.
func checkCapturedAfterRun(report func(string)) int {
	problems, err := checkAllCaptured("")
	if err != nil {
		report(err.Error())
		return 1
	}
	sort.Strings(problems)
	for _, p := range problems {
		report(p)
	}
	if testing.Verbose() {
		all := captures.all("")
		report(fmt.Sprintf("openapi: %d responses checked, %d described operation and status pairs seen", len(all), len(coverage(all))))
	}
	if len(problems) > 0 {
		report("--- FAIL: responses that api/openapi.yaml does not describe (api/openapi_capture_test.go)")
		return 1
	}
	return 0
}

// TestOpenAPITenantsAndTokens drives the tenant administration and join
// token routes, on a real tenant store, through their answers.
func TestOpenAPITenantsAndTokens(t *testing.T) {
	s := newTenantServer(t, nil)
	const js = "application/json"
	admin, auth := "Bearer "+adminKey, "Bearer "+key
	settings := `{"layout":"grid","canvas":{"width":1280,"height":720},"branding":{"labels":false,"title":{"text":"Acme"}},` +
		`"storage":{"endpoint":"https://s3.acme.test","region":"eu","bucket":"rec","prefix":"p/","access_key_id":"AK","secret_access_key":"SK-secret","path_style":true},` +
		`"webhook":{"url":"https://hooks.acme.test/rc","secret":"whsec-secret-of-acme"},"quotas":{"rooms":5,"participants_per_room":4,"concurrent_jobs":2,"targets_per_job":3,"retention_days":30},` +
		`"allowed_rtmp_hosts":["*.twitch.tv"]}`
	steps := []step{
		{"POST", "/v1/tenants", admin, js, `{"id":"acme","name":"Acme","settings":` + settings + `}`, http.StatusCreated},
		{"POST", "/v1/tenants", admin, js, `{"id":"bare"}`, http.StatusCreated},
		{"POST", "/v1/tenants", auth, js, `{"id":"nope"}`, http.StatusUnauthorized},
		{"GET", "/v1/tenants", admin, "", "", http.StatusOK},
		{"GET", "/v1/tenants/acme", admin, "", "", http.StatusOK},
		{"GET", "/v1/tenants/ghost", admin, "", "", http.StatusNotFound},
		{"PATCH", "/v1/tenants/acme", admin, js, `{"disabled":true,"settings":{"layout":null}}`, http.StatusOK},
		{"PATCH", "/v1/tenants/acme", admin, js, `{"id":"other"}`, http.StatusBadRequest},
		{"PATCH", "/v1/tenants/ghost", admin, js, `{"name":"x"}`, http.StatusNotFound},
		{"POST", "/v1/tenants/acme/keys", admin, "", "", http.StatusCreated},
		{"POST", "/v1/tenants/ghost/keys", admin, "", "", http.StatusNotFound},
		{"GET", "/v1/tenants/acme/keys", admin, "", "", http.StatusOK},
		{"DELETE", "/v1/tenants/acme/keys/nope", admin, "", "", http.StatusNotFound},
		{"DELETE", "/v1/tenants/bare", admin, "", "", http.StatusNoContent},
		{"DELETE", "/v1/tenants/bare", admin, "", "", http.StatusNotFound},
		{"POST", "/v1/rooms", auth, js, `{"name":"r1"}`, http.StatusCreated},
		{"POST", "/v1/rooms/r1/tokens", auth, js, `{"name":"ann","subscribe":true,"ttl_seconds":600}`, http.StatusCreated},
		{"POST", "/v1/rooms/r1/tokens", auth, js, `{"name":"ann"}`, http.StatusBadRequest},
		{"POST", "/v1/rooms/ghost/tokens", auth, js, `{"name":"ann","publish":true}`, http.StatusNotFound},
		{"POST", "/v1/rooms/r1/tokens", admin, js, `{"name":"ann","publish":true}`, http.StatusUnauthorized},
	}
	runSteps(t, s.ts, steps)
	tok := joinToken(t, s, `{"name":"ann","subscribe":true}`)
	runSteps(t, s.ts, []step{
		{"POST", "/v1/rooms/r1/whip", tok, "application/sdp", "v=0", http.StatusForbidden},
		{"DELETE", "/v1/rooms/r1/whip/PA_x", tok, "", "", http.StatusForbidden},
		{"POST", "/v1/rooms/r1/subscribe", tok, "application/sdp", "garbage", http.StatusBadRequest},
		{"DELETE", "/v1/rooms/r1/subscribe/SU_x", tok, "", "", http.StatusNotFound},
		{"POST", "/v1/rooms/r2/subscribe", tok, "application/sdp", "v=0", http.StatusUnauthorized},
		{"GET", "/v1/rooms", tok, "", "", http.StatusUnauthorized},
		{"GET", "/v1/rooms/r1/relay", tok, "", "", http.StatusUpgradeRequired},
	})
	pub := joinToken(t, s, `{"name":"bob","publish":true}`)
	runSteps(t, s.ts, []step{{"GET", "/v1/rooms/r1/relay", pub, "", "", http.StatusForbidden}})
	checkOwnCaptures(t, len(steps)+10)
}

// joinToken mints a join token of room r1 and returns its Authorization.
func joinToken(t *testing.T, s *tenantServer, body string) string {
	t.Helper()
	r := s.do(t, key, "POST", "/v1/rooms/r1/tokens", body)
	var v struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.Token == "" {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	return "Bearer " + v.Token
}
