package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/roomcast/roomcast/configs"
)

type tenantKey struct{}

// authenticator checks bearer keys. It keeps only SHA-256 digests, compared
// in constant time, so keys are never held or logged in clear here.
type authenticator struct {
	keys []keyDigest
}

type keyDigest struct {
	sum    [32]byte
	tenant string
}

func newAuthenticator(keys []configs.APIKey) *authenticator {
	a := &authenticator{}
	for _, k := range keys {
		a.keys = append(a.keys, keyDigest{sha256.Sum256([]byte(k.Key)), k.Tenant})
	}
	return a
}

// tenant returns the tenant of a presented key, or "" when none matches.
func (a *authenticator) tenant(presented string) string {
	sum := sha256.Sum256([]byte(presented))
	found := ""
	for _, k := range a.keys {
		if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
			found = k.tenant
		}
	}
	return found
}

func (a *authenticator) require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="roomcast"`)
			writeError(w, http.StatusUnauthorized, "missing API key: send Authorization: Bearer <key>")
			return
		}
		t := a.tenant(key)
		if t == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="roomcast", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid API key")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, t)))
	})
}

func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	k := strings.TrimSpace(h[len(prefix):])
	return k, k != ""
}
