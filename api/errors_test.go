package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrorShape: every refusal answers {"error":{"code","message",
// "field"}} with the status's code, and names the field at fault where
// there is one.
func TestErrorShape(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	cases := []struct {
		name, method, path, auth, ctype, body string
		status                                int
		field                                 string
	}{
		{"no key", "GET", "/v1/rooms", "", "", "", http.StatusUnauthorized, ""},
		{"unknown route", "GET", "/v1/nope", auth, "", "", http.StatusNotFound, ""},
		{"wrong type", "POST", "/v1/rooms", auth, "application/json", `{"name":1}`, http.StatusBadRequest, "name"},
		{"unknown field", "POST", "/v1/rooms", auth, "application/json", `{"nmae":"x"}`, http.StatusBadRequest, "nmae"},
		{"bad json", "POST", "/v1/rooms", auth, "application/json", `{"name":`, http.StatusBadRequest, ""},
		{"content type", "POST", "/v1/rooms", auth, "text/plain", `{}`, http.StatusUnsupportedMediaType, ""},
		{"too large", "POST", "/v1/rooms", auth, "application/json", `{"name":"` + strings.Repeat("a", 70<<10) + `"}`, http.StatusRequestEntityTooLarge, ""},
		{"no room", "GET", "/v1/rooms/ghost", auth, "", "", http.StatusNotFound, ""},
		{"bad since", "GET", "/v1/rooms/ghost/history?since=yesterday", auth, "", "", http.StatusBadRequest, "since"},
		{"whip no room", "POST", "/v1/rooms/ghost/whip", auth, "application/sdp", "v=0", http.StatusNotFound, ""},
		{"trickle", "PATCH", "/v1/rooms/ghost/whip/x", auth, "application/trickle-ice-sdpfrag", "", http.StatusMethodNotAllowed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, ts, c.method, c.path, c.auth, c.ctype, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if e := errorShape(t, r); e.Field != c.field {
				t.Errorf("field %q, want %q (%s)", e.Field, c.field, e.Message)
			}
		})
	}
}

func TestJSONField(t *testing.T) {
	if f := jsonField(errString(`invalid JSON body: json: unknown field "x_y"`)); f != "x_y" {
		t.Errorf("unknown field: %q", f)
	}
	if f := jsonField(errString(`invalid JSON body: json: unknown field "unterminated`)); f != "" {
		t.Errorf("unterminated: %q", f)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
