package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/roomcast/roomcast/api/jointoken"
	"github.com/roomcast/roomcast/api/ratelimit"
	"github.com/roomcast/roomcast/pipeline/source"
)

// kind is what a request authenticated with.
type kind int

const (
	kindKey     kind = iota // a tenant's API key (config file or tenant store)
	kindService             // a worker's key, acting for the tenant it names
	kindAdmin               // the operator's admin key: tenants only
	kindToken               // a participant's join token: one room's media
)

// principal is who a request acts as.
type principal struct {
	kind   kind
	tenant string
	// limitKey names the rate-limit bucket: one per key.
	limitKey string
	claims   jointoken.Claims // kindToken
}

type principalKey struct{}

// who is the request's principal (zero without authentication).
func who(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// tenantOf is the tenant a request acts for.
func tenantOf(r *http.Request) string { return who(r).tenant }

// KeyStore authenticates keys minted through the API and holds each
// tenant's join-token secret (jobs/tenants.Store).
type KeyStore interface {
	Authenticate(presented string) (tenant, keyID string, ok bool)
	TokenSecret(tenant string) ([]byte, bool)
}

// authenticator checks bearer keys and join tokens. Configured keys are
// kept only as SHA-256 digests, compared in constant time, so keys are
// never held or logged in clear here.
type authenticator struct {
	keys   []keyDigest
	admin  *[32]byte
	store  KeyStore // nil: configured keys only, no join tokens
	now    func() time.Time
	limits *ratelimit.Limiter
}

type keyDigest struct {
	sum    [32]byte
	tenant string
	// service keys (a worker's) act for the tenant their request names in
	// source.TenantHeader.
	service bool
	id      string // for rate limits: a digest prefix, not the key
}

func newAuthenticator(cfg Config) *authenticator {
	a := &authenticator{store: noStore{}, now: time.Now, limits: ratelimit.New(cfg.RateLimit, cfg.RateBurst)}
	if cfg.Tenants != nil {
		a.store = cfg.Tenants
	}
	add := func(key, tenant string, service bool) {
		sum := sha256.Sum256([]byte(key))
		a.keys = append(a.keys, keyDigest{sum: sum, tenant: tenant, service: service, id: "cfg:" + hex.EncodeToString(sum[:6])})
	}
	for _, k := range cfg.Keys {
		add(k.Key, k.Tenant, false)
	}
	for _, k := range cfg.ServiceKeys {
		add(k, "", true)
	}
	if cfg.AdminKey != "" {
		sum := sha256.Sum256([]byte(cfg.AdminKey))
		a.admin = &sum
	}
	return a
}

// noStore is the KeyStore of a server without a tenant store.
type noStore struct{}

func (noStore) Authenticate(string) (string, string, bool) { return "", "", false }
func (noStore) TokenSecret(string) ([]byte, bool)          { return nil, false }

// errNoKey and errBadKey are the two refusals of a key.
var (
	errNoKey  = errors.New("missing API key: send Authorization: Bearer <key>")
	errBadKey = errors.New("invalid API key")
)

// key authenticates an API key (not a join token).
func (a *authenticator) key(presented string, r *http.Request) (principal, error) {
	sum := sha256.Sum256([]byte(presented))
	if a.admin != nil && subtle.ConstantTimeCompare(sum[:], a.admin[:]) == 1 {
		return principal{kind: kindAdmin, limitKey: "admin"}, nil
	}
	var found keyDigest
	ok := false
	for _, k := range a.keys {
		if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
			found, ok = k, true
		}
	}
	if !ok {
		t, id, ok := a.store.Authenticate(presented)
		if !ok {
			return principal{}, errBadKey
		}
		return principal{kind: kindKey, tenant: t, limitKey: "key:" + id}, nil
	}
	if !found.service {
		return principal{kind: kindKey, tenant: found.tenant, limitKey: found.id}, nil
	}
	t := r.Header.Get(source.TenantHeader)
	if !tenantRe.MatchString(t) {
		return principal{}, errBadKey
	}
	return principal{kind: kindService, tenant: t, limitKey: found.id}, nil
}

// tenantRe is a valid tenant id.
var tenantRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// token verifies a join token for the request's room.
func (a *authenticator) token(presented string, r *http.Request) (principal, error) {
	c, err := jointoken.Verify(presented, a.store.TokenSecret, r.PathValue("room"), a.now())
	if err != nil {
		return principal{}, err
	}
	return principal{kind: kindToken, tenant: c.Tenant, limitKey: "token:" + c.ID, claims: c}, nil
}

// Authenticate checks r's bearer credential as the media routes (WHIP
// and subscriptions) check it: a tenant's or a worker's API key, or a
// join token for r's {room} path value. It returns the tenant the
// request acts for. It applies no rate limit and serves nothing: the
// control-API benchmark (bench/controlapi) times it alone.
func (s *Server) Authenticate(r *http.Request) (tenant string, err error) {
	p, err := s.auth.authenticate(accessMedia, r)
	return p.tenant, err
}

// access says which principals a route takes.
type access int

const (
	accessTenant access = iota // tenant keys and service keys
	accessAdmin                // the admin key only
	accessMedia                // tenant and service keys, and join tokens for the room
)

// require authenticates a request for a route of the given access, then
// applies the principal's rate limit.
func (a *authenticator) require(acc access, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authenticate(acc, r)
		if err != nil {
			unauthorized(w, err)
			return
		}
		if ok, wait := a.limits.Allow(p.limitKey, a.now()); !ok {
			rateLimited(w, wait)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// authenticate finds the principal and checks it may use the route.
func (a *authenticator) authenticate(acc access, r *http.Request) (principal, error) {
	presented, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return principal{}, errNoKey
	}
	if jointoken.Looks(presented) {
		if acc != accessMedia {
			return principal{}, errTokenNotHere
		}
		return a.token(presented, r)
	}
	p, err := a.key(presented, r)
	switch {
	case err != nil:
		return principal{}, err
	case acc == accessAdmin && p.kind != kindAdmin:
		return principal{}, errNotAdmin
	case acc != accessAdmin && p.kind == kindAdmin:
		return principal{}, errAdminNotTenant
	}
	return p, nil
}

var (
	errTokenNotHere   = errors.New("a join token opens only its room's WHIP and subscription endpoints: use an API key here")
	errNotAdmin       = errors.New("this route needs the admin key")
	errAdminNotTenant = errors.New("the admin key manages tenants only: use a tenant's API key here")
)

// unauthorized answers 401; a refused join token's code is its reason
// (token_expired, invalid_signature, wrong_room, unknown_tenant, …).
func unauthorized(w http.ResponseWriter, err error) {
	code := codeOf(http.StatusUnauthorized)
	challenge := `Bearer realm="roomcast", error="invalid_token"`
	if reason := jointoken.Reason(err); reason != "" {
		code = reason
	}
	if errors.Is(err, errNoKey) {
		challenge = `Bearer realm="roomcast"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeAPIError(w, http.StatusUnauthorized, apiError{Code: code, Message: err.Error()})
}

// rateLimited answers 429 with Retry-After in whole seconds.
func rateLimited(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, "too many requests for this key: retry after "+strconv.Itoa(secs)+" s")
}

func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	k := strings.TrimSpace(h[len(prefix):])
	return k, k != ""
}
