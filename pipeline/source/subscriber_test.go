package source_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
)

type nopHandler struct{}

func (nopHandler) TrackAdded(*media.Track)   {}
func (nopHandler) Unit(*media.Unit)          {}
func (nopHandler) TrackRemoved(*media.Track) {}

func TestNewValidates(t *testing.T) {
	ok := source.Config{Server: "http://127.0.0.1:1", Room: "r", Handler: nopHandler{}}
	cases := []struct {
		name string
		edit func(*source.Config)
	}{
		{"no server", func(c *source.Config) { c.Server = "" }},
		{"server not http", func(c *source.Config) { c.Server = "ftp://x" }},
		{"server without host", func(c *source.Config) { c.Server = "http://" }},
		{"no room", func(c *source.Config) { c.Room = "" }},
		{"no handler", func(c *source.Config) { c.Handler = nil }},
		{"negative latency", func(c *source.Config) { c.Latency = -time.Second }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			c.edit(&cfg)
			if _, err := source.New(cfg); !errors.Is(err, source.ErrInvalidConfig) {
				t.Fatalf("New: %v, want ErrInvalidConfig", err)
			}
		})
	}
	if _, err := source.New(ok); err != nil {
		t.Fatalf("New(valid): %v", err)
	}
}

// TestSubscribeErrors checks the request the ingest sends and how it
// reports a refused subscription.
func TestSubscribeErrors(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cases := []struct {
		name    string
		status  int
		body    string
		wantErr error
		wantMsg string
	}{
		{"room not found", http.StatusNotFound, `{"error":{"code":"not_found","message":"room \"lobby\" not found"}}`, source.ErrRoomNotFound, `room "lobby" not found`},
		{"unauthorized", http.StatusUnauthorized, `{"error":"bad token"}`, nil, "status 401: bad token"},
		{"not json", http.StatusBadGateway, "upstream down\n", nil, "status 502: upstream down"},
		{"created without location", http.StatusCreated, "v=0\r\n", nil, "bad Location"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := checkSubscribeRequest(r); err != nil {
					http.Error(w, err.Error(), http.StatusTeapot)
					return
				}
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, c.body)
			}))
			defer srv.Close()
			in, err := source.New(source.Config{Server: srv.URL + "/", Token: "s3cret", Room: "lobby", Name: "rec 1", LoopbackOnly: true, Handler: nopHandler{}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = in.Run(ctx)
			if err == nil || !strings.Contains(err.Error(), c.wantMsg) || (c.wantErr != nil && !errors.Is(err, c.wantErr)) {
				t.Fatalf("Run: %v, want %q (%v)", err, c.wantMsg, c.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error leaks the token: %v", err)
			}
			if err := in.Run(ctx); !errors.Is(err, source.ErrAlreadyRun) {
				t.Fatalf("second Run: %v, want ErrAlreadyRun", err)
			}
		})
	}
}

// checkSubscribeRequest checks a subscribe request: method, path, name,
// token, content type, and an offer with one data channel m-section.
func checkSubscribeRequest(r *http.Request) error {
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/rooms/lobby/subscribe":
		return errors.New("bad method or path " + r.Method + " " + r.URL.Path)
	case r.URL.Query().Get("name") != "rec 1":
		return errors.New("bad name " + r.URL.RawQuery)
	case r.Header.Get("Authorization") != "Bearer s3cret":
		return errors.New("bad authorization")
	case r.Header.Get("Content-Type") != "application/sdp":
		return errors.New("bad content type")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var d sdp.SessionDescription
	if err := d.UnmarshalString(string(body)); err != nil {
		return err
	}
	if len(d.MediaDescriptions) != 1 || d.MediaDescriptions[0].MediaName.Media != "application" {
		return errors.New("offer is not one data channel")
	}
	if !strings.Contains(string(body), "a=candidate:") {
		return errors.New("offer without candidates")
	}
	return nil
}
