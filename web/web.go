// Package web serves roomcast's browser pages from files embedded in the
// binary: the console (/), the room page (/rooms/{room}) and their scripts
// and styles (/static/...). The pages call the /v1 API with the key the user
// pastes; nothing here talks to the API itself.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed index.html room.html static
var files embed.FS

// contentSecurityPolicy allows only same-origin scripts, styles and API
// calls: every script lives in /static, none is inline.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; media-src 'self' blob: mediastream:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// embeddablePolicy is the room page's: contentSecurityPolicy, except that
// any site may frame it, so that a company embeds the room in its own
// pages (with a join token: the page holds no API key). The console
// stays unframeable.
const embeddablePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; media-src 'self' blob: mediastream:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors *"

// contentTypes maps the extensions embedded here to their media types, so
// the answer does not depend on the host's mime tables.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// Handler serves the embedded pages:
//
//	GET /                → index.html (the console)
//	GET /rooms/{room}    → room.html (the same page for every room)
//	GET /static/{file}   → the scripts, styles and icon
//	GET /static/vendor/{file} → third-party scripts (hls.js; see its README)
//
// HEAD is served too; any other path is 404.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", mustAsset(files, "index.html"))
	roomPage := mustAsset(files, "room.html")
	roomPage.csp = embeddablePolicy
	mux.Handle("GET /rooms/{room}", roomPage)
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	mux.Handle("GET /static/{file}", staticHandler(static))
	vendor, err := fs.Sub(static, "vendor")
	if err != nil {
		panic(err)
	}
	mux.Handle("GET /static/vendor/{file}", staticHandler(vendor))
	return mux
}
