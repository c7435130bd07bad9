package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPostTreatsRedirectTimeoutAndStatusAsEndpointErrors(t *testing.T) {
	js, _ := startJS(t)
	var hit atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Store(true) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, target.URL, http.StatusFound)
		case "/slow": // the server notices the client hang up once the body is read
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		case "/big":
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
		}
	}))
	defer srv.Close()
	ev, err := NewEvent(EgressEnded, "TN_1", "EG_1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/redirect", "/slow", "/big"} {
		d := newDispatcher(t, js, srv.URL+path+"?sig=querysecret", nil)
		d.cfg.Timeout = 100 * time.Millisecond
		err := onlyQueue(t, d).post(context.Background(), ev, []byte("{}"))
		if !errors.Is(err, ErrEndpoint) || strings.Contains(err.Error(), "querysecret") {
			t.Errorf("%s: err %v", path, err)
		}
		d.client.CloseIdleConnections()
	}
	if hit.Load() {
		t.Error("redirect was followed")
	}
}
