package ratelimit

import (
	"net/http"
	"strconv"
	"time"
)

// OnLimited answers a refused request. The Retry-After header is set
// when it is called; it writes the status (429 Too Many Requests) and
// the body, in the caller's own error format.
type OnLimited func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)

// Middleware limits requests by the key keyOf returns for them; requests
// with an empty key pass unlimited. A refused request gets a Retry-After
// header in whole seconds (RFC 9110 §10.2.3), rounded up and at least 1,
// and the answer of onLimited, or a plain 429 when it is nil.
func Middleware(l *Limiter, keyOf func(*http.Request) string, onLimited OnLimited) func(http.Handler) http.Handler {
	if onLimited == nil {
		onLimited = plainTooMany
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := keyOf(r)
			if key == "" {
				next.ServeHTTP(w, r)
				return
			}
			ok, wait := l.Allow(key, l.now())
			if !ok {
				w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(wait), 10))
				onLimited(w, r, wait)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// retryAfterSeconds rounds wait up to whole seconds, at least 1.
func retryAfterSeconds(wait time.Duration) int64 {
	s := int64(wait / time.Second)
	if wait%time.Second != 0 {
		s++
	}
	return max(s, 1)
}

func plainTooMany(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
	http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
}
