package ratelimit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func serve(h http.Handler, key string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/v1/rooms", nil)
	r.Header.Set("X-Key", key)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func byHeader(r *http.Request) string { return r.Header.Get("X-Key") }

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
}

func TestMiddleware(t *testing.T) {
	now := t0
	l := New(0.25, 2, WithClock(func() time.Time { return now }))
	var gotWait time.Duration
	onLimited := func(w http.ResponseWriter, _ *http.Request, wait time.Duration) {
		gotWait = wait
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"error":"rate limited"}`)
	}
	h := Middleware(l, byHeader, onLimited)(okHandler())
	for i := range 2 {
		if w := serve(h, "a"); w.Code != http.StatusNoContent {
			t.Fatalf("request %d: status %d", i, w.Code)
		}
	}
	w := serve(h, "a")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "4" || gotWait != 4*time.Second {
		t.Fatalf("third request: status %d, Retry-After %q, wait %v; want 429, 4, 4s", w.Code, w.Header().Get("Retry-After"), gotWait)
	}
	if w.Body.String() != `{"error":"rate limited"}` {
		t.Fatalf("body %q, want the caller's", w.Body.String())
	}
	now = now.Add(1500 * time.Millisecond)
	if w := serve(h, "a"); w.Header().Get("Retry-After") != "3" {
		t.Fatalf("1.5s later: Retry-After %q, want 3 (2.5s rounded up)", w.Header().Get("Retry-After"))
	}
	if w := serve(h, "b"); w.Code != http.StatusNoContent {
		t.Fatalf("another key: status %d", w.Code)
	}
	now = now.Add(2500 * time.Millisecond)
	if w := serve(h, "a"); w.Code != http.StatusNoContent {
		t.Fatalf("after Retry-After: status %d", w.Code)
	}
}

func TestMiddlewareDefaults(t *testing.T) {
	l := New(1, 1, WithClock(func() time.Time { return t0 }))
	h := Middleware(l, byHeader, nil)(okHandler())
	serve(h, "a")
	w := serve(h, "a")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q; want 429, 1", w.Code, w.Header().Get("Retry-After"))
	}
	for range 3 {
		if w := serve(h, ""); w.Code != http.StatusNoContent {
			t.Fatalf("empty key: status %d, want it unlimited", w.Code)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tc := range []struct {
		wait time.Duration
		want int64
	}{
		{0, 1},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{time.Second + time.Nanosecond, 2},
		{2500 * time.Millisecond, 3},
		{time.Hour, 3600},
	} {
		if got := retryAfterSeconds(tc.wait); got != tc.want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", tc.wait, got, tc.want)
		}
	}
}
