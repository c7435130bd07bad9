package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"time"
)

// asset is one embedded file, read once, with a strong ETag so that
// "Cache-Control: no-cache" revalidations end in 304.
type asset struct {
	name string
	data []byte
	etag string
	csp  string // contentSecurityPolicy unless set
}

func newAsset(fsys fs.FS, name string) (*asset, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &asset{name: name, data: data, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
}

func mustAsset(fsys fs.FS, name string) *asset {
	a, err := newAsset(fsys, name)
	if err != nil {
		panic(err) // the file is embedded at build time
	}
	return a
}

func (a *asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", contentTypes[path.Ext(a.name)])
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	csp := a.csp
	if csp == "" {
		csp = contentSecurityPolicy
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)")
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.data))
}

// staticHandler serves the files of the static directory by name. It lists
// no directory and serves only the known file types.
func staticHandler(fsys fs.FS) http.Handler {
	assets := map[string]*asset{}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		panic(err) // an embedded directory always reads
	}
	for _, e := range entries {
		if _, ok := contentTypes[path.Ext(e.Name())]; e.IsDir() || !ok {
			continue
		}
		assets[e.Name()] = mustAsset(fsys, e.Name())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[r.PathValue("file")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		a.ServeHTTP(w, r)
	})
}
