package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/roomcast/roomcast/api/jointoken"
)

// defaultTokenTTL is a join token's life when the request sets none.
const defaultTokenTTL = time.Hour

// tokenRequest is the body of POST /v1/rooms/{room}/tokens.
type tokenRequest struct {
	Name       string `json:"name"`
	Publish    bool   `json:"publish"`
	Subscribe  bool   `json:"subscribe"`
	TTLSeconds int    `json:"ttl_seconds"`
}

// tokenView is the minted token.
type tokenView struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createToken mints a participant's join token for one room: it opens
// that room's WHIP and subscription endpoints (as allowed) until it
// expires, and nothing else.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if status, err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		writeBodyError(w, status, err)
		return
	}
	ttl, field, msg := s.tokenTTL(req)
	if field != "" {
		writeFieldError(w, http.StatusBadRequest, field, field+": "+msg)
		return
	}
	rm := r.PathValue("room")
	if _, err := s.rooms(r).Get(rm); err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	tenant := tenantOf(r)
	secret, ok := s.auth.store.TokenSecret(tenant)
	if !ok {
		s.log.Warn("join token: no token secret for the tenant", "tenant", tenant)
		writeError(w, http.StatusServiceUnavailable, "join tokens are not available for this tenant yet, try again")
		return
	}
	now := s.auth.now()
	c := jointoken.Claims{Tenant: tenant, Room: rm, Name: req.Name, Publish: req.Publish, Subscribe: req.Subscribe, IssuedAt: now, ExpiresAt: now.Add(ttl)}
	tok, err := jointoken.Sign(secret, c)
	if errors.Is(err, jointoken.ErrInvalidClaims) {
		writeFieldError(w, http.StatusBadRequest, "name", "name: "+err.Error())
		return
	}
	if err != nil {
		s.log.Error("join token: sign", "tenant", tenant, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	writeJSON(w, http.StatusCreated, tokenView{Token: tok, ExpiresAt: c.ExpiresAt.UTC().Truncate(time.Second)})
}

// tokenTTL checks a token request: the field at fault and why, or the
// token's life.
func (s *Server) tokenTTL(req tokenRequest) (time.Duration, string, string) {
	switch {
	case !req.Publish && !req.Subscribe:
		return 0, "publish", "a token must allow publishing, subscribing or both"
	case req.TTLSeconds < 0:
		return 0, "ttl_seconds", "must not be negative"
	case req.TTLSeconds == 0:
		return min(defaultTokenTTL, s.cfg.TokenMaxTTL), "", ""
	}
	if int64(req.TTLSeconds) > int64(s.cfg.TokenMaxTTL/time.Second) {
		return 0, "ttl_seconds", "at most " + s.cfg.TokenMaxTTL.String()
	}
	return time.Duration(req.TTLSeconds) * time.Second, "", ""
}
