package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
)

// TestMain checks that no test leaves goroutines behind (rooms, PCs,
// servers), and that api/openapi.yaml describes every response the tests
// provoked (openapi_capture_test.go).
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		code = checkCapturedAfterRun(func(s string) { fmt.Fprintln(os.Stderr, s) })
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: errors on successful test run: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

const key = "test-key-0123456789abcdef"

func newTestServer(t *testing.T, maxParticipants int) *httptest.Server {
	t.Helper()
	rooms, err := room.NewManager(room.Config{MaxParticipants: maxParticipants, RTC: rtc.Options{LoopbackOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Keys: []configs.APIKey{{Tenant: "default", Key: key}}, MaxBodyBytes: 64 << 10, Rooms: rooms})
	s.SetReady(true)
	ts := httptest.NewServer(capture(t, s))
	t.Cleanup(func() { ts.Close(); rooms.Close() })
	return ts
}

type result struct {
	status int
	body   string
	header http.Header
}

// call sends one request; hdr are more header name, value pairs.
func call(t *testing.T, ts *httptest.Server, method, path, auth, ctype, body string, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, string(b), resp.Header}
}

// errorOf checks that a body is the JSON error shape
// {"error":{"code","message","field"}}, with the code its status implies,
// and returns the message.
func errorOf(t *testing.T, r result) string {
	t.Helper()
	e := errorShape(t, r)
	return e.Message
}

// errorShape decodes and checks an error body strictly.
func errorShape(t *testing.T, r result) apiError {
	t.Helper()
	var e errorBody
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("status %d: body %q is not {\"error\":{\"code\",\"message\"}}", r.status, r.body)
	}
	if e.Error.Code != codeOf(r.status) && !slices.Contains(moreCodes[r.status], e.Error.Code) {
		t.Errorf("status %d: code %q, want %q or one of %q", r.status, e.Error.Code, codeOf(r.status), moreCodes[r.status])
	}
	if (e.Error.Code == "invalid_field") != (e.Error.Field != "" && r.status == http.StatusBadRequest) {
		t.Errorf("status %d: code %q with field %q", r.status, e.Error.Code, e.Error.Field)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("status %d: error content type %q", r.status, ct)
	}
	return e.Error
}

func TestAuth(t *testing.T) {
	ts := newTestServer(t, 16)
	for _, auth := range []string{"", "Bearer ", "Bearer wrong-key-0123456789", "Basic " + key, key} {
		r := call(t, ts, "GET", "/v1/rooms", auth, "", "")
		if r.status != http.StatusUnauthorized {
			t.Errorf("auth %q: status %d, want 401", auth, r.status)
		}
		if reason := errorOf(t, r); strings.Contains(reason, key) {
			t.Errorf("error leaks the key: %q", reason)
		}
	}
	if r := call(t, ts, "GET", "/v1/rooms", "Bearer "+key, "", ""); r.status != http.StatusOK {
		t.Errorf("good key: %d %s", r.status, r.body)
	}
	if r := call(t, ts, "GET", "/healthz", "", "", ""); r.status != http.StatusOK {
		t.Errorf("healthz: %d", r.status)
	}
}

func TestRoomsCRUDAndBadInput(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	cases := []struct {
		name, method, path, ctype, body string
		want                            int
	}{
		{"create", "POST", "/v1/rooms", "application/json", `{"name":"r1"}`, http.StatusCreated},
		{"duplicate", "POST", "/v1/rooms", "application/json", `{"name":"r1"}`, http.StatusConflict},
		{"bad name", "POST", "/v1/rooms", "application/json", `{"name":"../etc"}`, http.StatusBadRequest},
		{"empty name", "POST", "/v1/rooms", "application/json", `{}`, http.StatusBadRequest},
		{"unknown field", "POST", "/v1/rooms", "application/json", `{"name":"r2","x":1}`, http.StatusBadRequest},
		{"not json", "POST", "/v1/rooms", "application/json", `{"name":`, http.StatusBadRequest},
		{"trailing", "POST", "/v1/rooms", "application/json", `{"name":"r3"} {}`, http.StatusBadRequest},
		{"wrong type", "POST", "/v1/rooms", "text/plain", `{"name":"r4"}`, http.StatusUnsupportedMediaType},
		{"huge body", "POST", "/v1/rooms", "application/json", `{"name":"` + strings.Repeat("a", 100<<10) + `"}`, http.StatusRequestEntityTooLarge},
		{"get", "GET", "/v1/rooms/r1", "", "", http.StatusOK},
		{"unknown room", "GET", "/v1/rooms/nope", "", "", http.StatusNotFound},
		{"unknown endpoint", "GET", "/v1/nothing", "", "", http.StatusNotFound},
		{"whip unknown room", "POST", "/v1/rooms/nope/whip?name=a", "application/sdp", "v=0\r\n", http.StatusNotFound},
		{"whip wrong type", "POST", "/v1/rooms/r1/whip?name=a", "application/json", "{}", http.StatusUnsupportedMediaType},
		{"whip empty", "POST", "/v1/rooms/r1/whip?name=a", "application/sdp", "", http.StatusBadRequest},
		{"whip garbage", "POST", "/v1/rooms/r1/whip?name=a", "application/sdp", "this is not sdp", http.StatusBadRequest},
		{"whip huge", "POST", "/v1/rooms/r1/whip?name=a", "application/sdp", strings.Repeat("a=x\r\n", 30<<10), http.StatusRequestEntityTooLarge},
		{"whip unknown session", "DELETE", "/v1/rooms/r1/whip/PA_nope", "", "", http.StatusNotFound},
		{"trickle", "PATCH", "/v1/rooms/r1/whip/PA_nope", "application/trickle-ice-sdpfrag", "", http.StatusMethodNotAllowed},
		{"subscribe garbage", "POST", "/v1/rooms/r1/subscribe", "application/sdp", "garbage", http.StatusBadRequest},
		{"delete", "DELETE", "/v1/rooms/r1", "", "", http.StatusNoContent},
		{"delete again", "DELETE", "/v1/rooms/r1", "", "", http.StatusNotFound},
	}
	for _, tc := range cases {
		r := call(t, ts, tc.method, tc.path, auth, tc.ctype, tc.body)
		if r.status != tc.want {
			t.Errorf("%s: %s %s → %d %s, want %d", tc.name, tc.method, tc.path, r.status, r.body, tc.want)
			continue
		}
		if r.status >= 400 {
			errorOf(t, r)
		}
	}
}

// vp9OnlyOffer is a browser-like offer whose video offers no codec roomcast takes.
const vp9OnlyOffer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n" +
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
	"a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
	"a=setup:actpass\r\na=rtcp-mux\r\na=rtpmap:98 VP9/90000\r\n"

func TestWHIPUnsupportedCodec(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	call(t, ts, "POST", "/v1/rooms", auth, "application/json", `{"name":"r1"}`)
	r := call(t, ts, "POST", "/v1/rooms/r1/whip?name=a", auth, "application/sdp", vp9OnlyOffer)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(errorOf(t, r), "VP9") {
		t.Errorf("VP9-only offer: %d %s, want 422 naming VP9", r.status, r.body)
	}
}
