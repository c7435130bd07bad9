package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"regexp"
	"strings"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/pipeline/source"
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
	// service keys (a worker's) act for the tenant their request names in
	// source.TenantHeader.
	service bool
}

func newAuthenticator(keys []configs.APIKey, serviceKeys []string) *authenticator {
	a := &authenticator{}
	for _, k := range keys {
		a.keys = append(a.keys, keyDigest{sum: sha256.Sum256([]byte(k.Key)), tenant: k.Tenant})
	}
	for _, k := range serviceKeys {
		a.keys = append(a.keys, keyDigest{sum: sha256.Sum256([]byte(k)), service: true})
	}
	return a
}

// match returns the key a presented one is, if any.
func (a *authenticator) match(presented string) (keyDigest, bool) {
	sum := sha256.Sum256([]byte(presented))
	var found keyDigest
	ok := false
	for _, k := range a.keys {
		if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
			found, ok = k, true
		}
	}
	return found, ok
}

// tenant returns the tenant a request acts for, or "" when its key
// matches none (or a service key names no valid tenant).
func (a *authenticator) tenant(presented string, r *http.Request) string {
	k, ok := a.match(presented)
	switch {
	case !ok:
		return ""
	case k.service:
		t := r.Header.Get(source.TenantHeader)
		if !tenantRe.MatchString(t) {
			return ""
		}
		return t
	}
	return k.tenant
}

// tenantRe is a valid tenant id.
var tenantRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

func (a *authenticator) require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="roomcast"`)
			writeError(w, http.StatusUnauthorized, "missing API key: send Authorization: Bearer <key>")
			return
		}
		t := a.tenant(key, r)
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
