package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Errors of signed recording URLs.
var (
	errBadSignature = errors.New("invalid or tampered signature")
	errExpired      = errors.New("signed link expired")
)

// urlSigner makes and checks URLs to one object of one recording that
// work without an API key until they expire, for players (ffmpeg, hls.js)
// that send no Authorization header to segments. The signature is an
// HMAC-SHA256 over tenant, id, name and expiry, so no part can be changed.
type urlSigner struct {
	key []byte
	now func() time.Time
}

func (u *urlSigner) mac(tenant, id, name, expires string) []byte {
	h := hmac.New(sha256.New, u.key)
	h.Write([]byte(tenant + "\n" + id + "\n" + name + "\n" + expires))
	return h.Sum(nil)
}

// URL is the absolute-path URL of object name of recording id, valid
// for ttl. id and name must have passed archive.ValidID/ValidName.
func (u *urlSigner) URL(tenant, id, name string, ttl time.Duration) string {
	return "/v1/recordings/" + id + "/files/" + name + "?" + u.query(tenant, id, name, ttl)
}

// playlistName and downloadName stand for the playlist and the one-MP4
// download in signatures; each is also the path after the recording's id.
// No object name can be one (archive.ValidName refuses a leading '/'), so
// a playlist or download link opens no file, a file link neither of them,
// and neither of them the other.
const (
	playlistName = "/index.m3u8"
	downloadName = "/download"
)

// PlaylistURL is the absolute-path URL of recording id's playlist, valid
// for ttl: a link to share with players that send no API key.
func (u *urlSigner) PlaylistURL(tenant, id string, ttl time.Duration) string {
	return u.routeURL(tenant, id, playlistName, ttl)
}

// DownloadURL is the absolute-path URL of recording id as one MP4, valid
// for ttl: a <video> element or a plain link opens it without a key, and
// it answers Range requests.
func (u *urlSigner) DownloadURL(tenant, id string, ttl time.Duration) string {
	return u.routeURL(tenant, id, downloadName, ttl)
}

// routeURL signs the route of recording id that name stands for.
func (u *urlSigner) routeURL(tenant, id, name string, ttl time.Duration) string {
	return "/v1/recordings/" + id + name + "?" + u.query(tenant, id, name, ttl)
}

func (u *urlSigner) query(tenant, id, name string, ttl time.Duration) string {
	expires := strconv.FormatInt(u.now().Add(ttl).Unix(), 10)
	q := url.Values{
		"t":       {tenant},
		"expires": {expires},
		"sig":     {hex.EncodeToString(u.mac(tenant, id, name, expires))},
	}
	return q.Encode()
}

// verify returns the tenant a signed request for object name of
// recording id was made for.
func (u *urlSigner) verify(q url.Values, id, name string) (string, error) {
	tenant, expires := q.Get("t"), q.Get("expires")
	sig, err := hex.DecodeString(q.Get("sig"))
	if err != nil || tenant == "" || !hmac.Equal(sig, u.mac(tenant, id, name, expires)) {
		return "", errBadSignature
	}
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return "", errBadSignature
	}
	if u.now().Unix() >= exp {
		return "", errExpired
	}
	return tenant, nil
}

// bearerOrSigned lets a request through with a valid API key or, when it
// has no Authorization header but a sig parameter, a valid unexpired
// signature of its {id} path value and the name it asks for.
func (s *Server) bearerOrSigned(u *urlSigner, name func(*http.Request) string, next http.Handler) http.Handler {
	bearerAuth := s.auth.require(accessTenant, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Header.Get("Authorization") != "" || !q.Has("sig") {
			bearerAuth.ServeHTTP(w, r)
			return
		}
		tenant, err := u.verify(q, r.PathValue("id"), name(r))
		if err != nil {
			writeError(w, http.StatusForbidden, err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, principal{kind: kindKey, tenant: tenant})))
	})
}
