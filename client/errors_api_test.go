package client_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/client"
	"github.com/roomcast/roomcast/test/apifixture"
)

// TestErrors: the API's error answers arrive as *APIError with its
// code, message, field and Retry-After; none shows the key.
func TestErrors(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{Burst: 2})
	ctx := ctxOf(t)
	noKey, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = noKey.ListRooms(ctx)
	if ae := apiErr(t, "no key", err, 401, "unauthorized"); !strings.Contains(ae.Message, "missing API key") {
		t.Errorf("no key: %q", ae.Message)
	}
	wrong := newClient(t, srv, "wrong-key-SECRET")
	_, err = wrong.ListRooms(ctx)
	if ae := apiErr(t, "wrong key", err, 401, "unauthorized"); ae.Message != "invalid API key" {
		t.Errorf("wrong key: %q", ae.Message)
	}

	c := newClient(t, srv, apifixture.Key)
	_, err = c.GetEgress(ctx, "EG_nope")
	if ae := apiErr(t, "unknown job", err, 404, "not_found"); ae.Message != "no such egress job" || ae.Field != "" || ae.RetryAfter != 0 {
		t.Errorf("unknown job: %+v", ae)
	}
	_, err = c.CreateRoom(ctx, "bad name!")
	apiErr(t, "bad room name", err, 400, "invalid_request")
	_, err = c.ListRooms(ctx) // the third request of this key
	ae := apiErr(t, "past the burst", err, 429, "rate_limited")
	if ae.RetryAfter < time.Second || ae.RetryAfter > time.Minute || ae.Message != "too many requests, slow down" {
		t.Errorf("429: %+v, want Retry-After within a minute", ae)
	}
}

// TestTransportErrors: a server that is not there, or that cuts a
// download short, is an error that names the call, not the key.
func TestTransportErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := client.New("http://"+addr, client.WithKey("the-key-SECRET"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListRooms(ctxOf(t))
	var ae *client.APIError
	var op *net.OpError
	if err == nil || errors.As(err, &ae) || !errors.As(err, &op) || !strings.Contains(err.Error(), "GET /v1/rooms") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("refused connection: %v", err)
	}

	short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(1000))
		_, _ = w.Write([]byte("ftyp partial"))
	}))
	defer short.Close()
	c, err = client.New(short.URL, client.WithKey("the-key-SECRET"), client.WithHTTPClient(short.Client()))
	if err != nil {
		t.Fatal(err)
	}
	var sink strings.Builder
	if _, err := c.DownloadRecording(ctxOf(t), "REC_1", &sink); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a download cut short: %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://h/", "http://", "://x"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
	if _, err := client.New("http://u:SECRET@h/"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.New("ftp://u:SECRET@h/"); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a bad URL with a password: %v", err)
	}
	_, err := client.New("http://h", client.WithKey("SECRET\nX-Evil: 1"))
	if !errors.Is(err, client.ErrBadKey) || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a key with a newline: %v", err)
	}
	c, err := client.New("http://127.0.0.1:8080/")
	if err != nil || c.BaseURL() != "http://127.0.0.1:8080" || c.URL("/v1/x?y=1") != "http://127.0.0.1:8080/v1/x?y=1" {
		t.Errorf("trailing slash: %v %v", c, err)
	}
}
