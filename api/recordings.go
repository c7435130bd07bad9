package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
)

// DefaultPresignTTL is how long playlist links stay valid by default.
const DefaultPresignTTL = 6 * time.Hour

// recordingAPI serves the stored recordings of the caller's tenant.
type recordingAPI struct {
	cat    *archive.Catalog
	signer *urlSigner
	ttl    time.Duration
	s      *Server
}

func (s *Server) recordingRoutes(v1 func(string, http.HandlerFunc)) {
	if s.cfg.Recordings == nil {
		return
	}
	a := &recordingAPI{cat: s.cfg.Recordings, ttl: s.cfg.PresignTTL, s: s,
		signer: &urlSigner{key: s.cfg.SigningKey, now: time.Now}}
	if a.ttl <= 0 {
		a.ttl = DefaultPresignTTL
	}
	if len(a.signer.key) == 0 {
		// Links then last only as long as this process: safe, not useful.
		s.log.Warn("recordings: no SigningKey configured; using a random per-process key")
		a.signer.key = make([]byte, 32)
		_, _ = rand.Read(a.signer.key)
	}
	v1("GET /v1/recordings", a.list)
	v1("GET /v1/recordings/{id}", a.get)
	v1("DELETE /v1/recordings/{id}", a.delete)
	s.mux.Handle("GET /v1/recordings/{id}/index.m3u8", s.bearerOrSigned(a.signer, signedPlaylist, http.HandlerFunc(a.playlist)))
	s.mux.Handle("GET /v1/recordings/{id}/download", s.bearerOrSigned(a.signer, signedDownload, http.HandlerFunc(a.download)))
	s.mux.Handle("GET /v1/recordings/{id}/files/{name...}", s.bearerOrSigned(a.signer, signedFile, http.HandlerFunc(a.file)))
}

func signedPlaylist(*http.Request) string { return playlistName }
func signedDownload(*http.Request) string { return downloadName }
func signedFile(r *http.Request) string   { return r.PathValue("name") }

// own reads the manifest of the {id} of the caller's tenant, answering
// the error itself when it cannot.
func (a *recordingAPI) own(w http.ResponseWriter, r *http.Request) (*archive.Manifest, bool) {
	m, err := a.cat.Get(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return nil, false
	}
	return m, true
}

// recordingView is a manifest with signed links to its playlist and to
// its one-MP4 download.
type recordingView struct {
	*archive.Manifest
	// PlaylistURL plays the recording without an API key until it
	// expires (storage.presign_ttl); absolute path on this server.
	PlaylistURL string `json:"playlist_url"`
	// DownloadURL is the whole recording as one MP4, without an API key
	// until it expires (storage.presign_ttl), with Range support so a
	// <video> element can seek in it; absolute path on this server.
	DownloadURL string `json:"download_url"`
}

func (a *recordingAPI) get(w http.ResponseWriter, r *http.Request) {
	if m, ok := a.own(w, r); ok {
		writeJSON(w, http.StatusOK, recordingView{m,
			a.signer.PlaylistURL(m.Tenant, m.ID, a.ttl), a.signer.DownloadURL(m.Tenant, m.ID, a.ttl)})
	}
}

// delete reads only the recording's head: a recording whose chunks a
// failed delete already removed is still deleted.
func (a *recordingAPI) delete(w http.ResponseWriter, r *http.Request) {
	m, err := a.cat.Head(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if m.Status == archive.StatusRecording {
		writeError(w, http.StatusConflict, "recording is still being written: stop its egress first")
		return
	}
	if err := a.cat.Delete(r.Context(), m.Tenant, m.ID); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// playlist renders the HLS playlist with links that need no API key:
// presigned store URLs, or roomcast's own signed URLs for stores that
// cannot presign.
func (a *recordingAPI) playlist(w http.ResponseWriter, r *http.Request) {
	m, ok := a.own(w, r)
	if !ok {
		return
	}
	uris, err := a.links(r.Context(), m)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := m.Playlist().Render(&b, func(name string) string { return uris[name] }); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = w.Write(b.Bytes())
}

// links maps every init and segment name of m to a URL.
func (a *recordingAPI) links(ctx context.Context, m *archive.Manifest) (map[string]string, error) {
	uris := map[string]string{}
	presign := true
	for _, s := range m.Segments {
		for _, name := range []string{s.Init, s.Name} {
			if _, done := uris[name]; done {
				continue
			}
			if presign {
				u, err := a.cat.Presign(ctx, m, name, a.ttl)
				if err == nil {
					uris[name] = u
					continue
				}
				if !errors.Is(err, storage.ErrPresignUnsupported) {
					return nil, err
				}
				presign = false
			}
			uris[name] = a.signer.URL(m.Tenant, m.ID, name, a.ttl)
		}
	}
	return uris, nil
}

// download serves the recording as one MP4, with Range support.
func (a *recordingAPI) download(w http.ResponseWriter, r *http.Request) {
	w = streamWrites(w, r)
	m, ok := a.own(w, r)
	if !ok {
		return
	}
	f, err := a.cat.MP4(r.Context(), m)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Content-Disposition", `attachment; filename="`+m.ID+`.mp4"`)
	http.ServeContent(jsonErrors(w), r, m.ID+".mp4", m.UpdatedAt, f.NewReader(r.Context()))
}

// file streams one stored object of a recording.
func (a *recordingAPI) file(w http.ResponseWriter, r *http.Request) {
	w = streamWrites(w, r)
	name := r.PathValue("name")
	if !archive.ValidName(name) {
		writeError(w, http.StatusNotFound, "no such file")
		return
	}
	m, ok := a.own(w, r)
	if !ok {
		return
	}
	obj, err := a.cat.Store().Stat(r.Context(), archive.Key(m.Tenant, m.Room, m.ID, name))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	rc, err := a.cat.Open(r.Context(), m, name)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", contentType(name))
	w.Header().Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.CopyN(w, rc, obj.Size)
	}
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".mp4", ".m4s":
		return "video/mp4"
	case ".json":
		return "application/json"
	case ".m3u8":
		return "application/vnd.apple.mpegurl"
	case ".ogg", ".opus":
		return "audio/ogg"
	case ".webm":
		return "video/webm"
	}
	return "application/octet-stream"
}

// writeError maps catalog and store errors to statuses. Store errors are
// logged in full and answered with a short reason only.
func (a *recordingAPI) writeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, archive.ErrNotFound), errors.Is(err, storage.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such recording or file")
	case errors.Is(err, archive.ErrNoSegments):
		writeError(w, http.StatusConflict, "recording has no segments yet")
	case errors.Is(err, archive.ErrBadCursor):
		writeError(w, http.StatusBadRequest, "cursor: not a next_cursor of this API")
	case errors.Is(err, archive.ErrBadManifest):
		a.s.log.Error("recording manifest unreadable", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "recording manifest is unreadable")
	case isRemuxError(err):
		a.s.log.Error("recording remux failed", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "recording cannot be made into one MP4")
	case errors.Is(err, context.Canceled):
		writeError(w, http.StatusServiceUnavailable, "request canceled")
	default:
		a.s.log.Error("recording store failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, "recording store unavailable")
	}
}
