package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

var routeCases = []struct {
	method, path string
	status       int
	contentType  string
	contains     string
}{
	{"GET", "/", 200, "text/html; charset=utf-8", "/static/console.js"},
	{"HEAD", "/", 200, "text/html; charset=utf-8", ""},
	{"GET", "/rooms/r1", 200, "text/html; charset=utf-8", "/static/room.js"},
	{"GET", "/rooms/any%20name", 200, "text/html; charset=utf-8", "/static/room.js"},
	{"GET", "/static/room.js", 200, "text/javascript; charset=utf-8", "createDataChannel"},
	{"GET", "/static/console.js", 200, "text/javascript; charset=utf-8", "sessionStorage"},
	{"GET", "/static/api.js", 200, "text/javascript; charset=utf-8", "Bearer"},
	{"GET", "/static/whip.js", 200, "text/javascript; charset=utf-8", "application/sdp"},
	{"GET", "/static/tiles.js", 200, "text/javascript; charset=utf-8", "<video>"},
	{"GET", "/static/room.css", 200, "text/css; charset=utf-8", ".tiles"},
	{"GET", "/static/common.css", 200, "text/css; charset=utf-8", ":root"},
	{"GET", "/static/console.css", 200, "text/css; charset=utf-8", "table"},
	{"GET", "/static/favicon.svg", 200, "image/svg+xml", "<svg"},
	{"GET", "/static/archive.js", 200, "text/javascript; charset=utf-8", "/v1/recordings"},
	{"GET", "/static/details.js", 200, "text/javascript; charset=utf-8", "discontinuities"},
	{"GET", "/static/player.js", 200, "text/javascript; charset=utf-8", "loadSource(view.playlist_url)"},
	{"GET", "/static/blob.js", 200, "text/javascript; charset=utf-8", "getReader"},
	{"GET", "/static/jobs.js", 200, "text/javascript; charset=utf-8", "/v1/egress"},
	{"GET", "/static/rooms.js", 200, "text/javascript; charset=utf-8", "/v1/rooms"},
	{"GET", "/static/egress-form.js", 200, "text/javascript; charset=utf-8", "'POST', '/v1/egress'"},
	{"GET", "/static/fields.js", 200, "text/javascript; charset=utf-8", "data-field"},
	{"GET", "/static/poll.js", 200, "text/javascript; charset=utf-8", "visibilitychange"},
	{"GET", "/static/vendor/hls.light.min.mjs", 200, "text/javascript; charset=utf-8", "loadSource"},
	{"GET", "/static/vendor/README", 404, "", ""},
	{"GET", "/static/vendor/", 404, "", ""},
	{"GET", "/static/recorder.js", 404, "", ""},
	{"GET", "/static/dom.js", 200, "text/javascript; charset=utf-8", "textContent"},
	{"GET", "/static/format.js", 200, "text/javascript; charset=utf-8", "toISOString"},
	{"HEAD", "/static/archive.js", 200, "text/javascript; charset=utf-8", ""},
	{"GET", "/static/missing.js", 404, "", ""},
	{"GET", "/static/", 404, "", ""},
	{"GET", "/static", 404, "", ""},
	{"GET", "/rooms/", 404, "", ""},
	{"GET", "/rooms/a/b", 404, "", ""},
	{"GET", "/index.html", 404, "", ""},
	{"GET", "/room.html", 404, "", ""},
	{"GET", "/nope", 404, "", ""},
	{"POST", "/", 405, "", ""},
	{"POST", "/rooms/r1", 405, "", ""},
}

func TestHandlerRoutes(t *testing.T) {
	h := Handler()
	for _, c := range routeCases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d", rec.Code, c.status)
			}
			if c.status != http.StatusOK {
				return
			}
			checkHeaders(t, rec.Header(), c.contentType)
			if !strings.Contains(rec.Body.String(), c.contains) {
				t.Errorf("body lacks %q", c.contains)
			}
		})
	}
}

func checkHeaders(t *testing.T, h http.Header, contentType string) {
	t.Helper()
	csp := contentSecurityPolicy
	if strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors *") {
		csp = embeddablePolicy
	}
	want := map[string]string{
		"Content-Type":            contentType,
		"Cache-Control":           "no-cache",
		"Content-Security-Policy": csp,
		"X-Content-Type-Options":  "nosniff",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if h.Get("ETag") == "" {
		t.Error("no ETag")
	}
}

func TestHandlerRevalidates(t *testing.T) {
	h := Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/static/room.js", nil))
	req := httptest.NewRequest("GET", "/static/room.js", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("status %d, want 304", rec.Code)
	}
}

// TestPagesFitPolicy checks what the Content-Security-Policy forbids: inline
// scripts, inline styles and inline event handlers. It also checks that
// every /static/ reference of the pages, and every module those
// import, is served.
func TestPagesFitPolicy(t *testing.T) {
	h := Handler()
	inline := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=`)
	ref := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	for _, page := range []string{"/", "/rooms/r1"} {
		body := get(t, h, page)
		if m := inline.FindString(body); m != "" {
			t.Errorf("%s has inline code %q", page, m)
		}
		for _, m := range ref.FindAllStringSubmatch(body, -1) {
			checkImports(t, h, m[1])
		}
	}
}

// checkImports fetches a static file and, for a module, what it imports.
func checkImports(t *testing.T, h http.Handler, path string) {
	t.Helper()
	body := get(t, h, path)
	imp := importRe
	for _, m := range imp.FindAllStringSubmatch(body, -1) {
		checkImports(t, h, "/static/"+m[1])
	}
}

func get(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// importRe finds a module's relative imports, vendored ones included.
var importRe = regexp.MustCompile(`from '\./([a-z][a-z./-]*\.m?js)'`)

// consoleModules are the modules of the console.
var consoleModules = []string{"api.js", "rooms.js", "egress-form.js", "jobs.js", "fields.js", "poll.js", "archive.js",
	"details.js", "player.js", "vendor/hls.light.min.mjs", "blob.js", "dom.js", "format.js",
	"join-link.js", "copy.js", "admin.js", "tenant-view.js", "tenant-form.js", "tenant-keys.js"}

// TestConsoleModules checks that the console preloads its recording
// modules and that console.js reaches each of them through its imports.
func TestConsoleModules(t *testing.T) {
	h := Handler()
	index := get(t, h, "/")
	reached := map[string]bool{}
	collectImports(t, h, "console.js", reached)
	for _, m := range consoleModules {
		if !strings.Contains(index, `<link rel="modulepreload" href="/static/`+m+`">`) {
			t.Errorf("index.html does not preload %s", m)
		}
		if !reached[m] {
			t.Errorf("console.js does not import %s", m)
		}
	}
	for _, id := range []string{"key-form", "rooms", "egress-form", "jobs", "archive-filter", "recordings", "load-more", "player-video", "player-download", "archive-status", "nav-admin", "admin",
		"tenants", "tenant-create-form", "tenant-view", "tenant-form", "tenant-keys", "tenant-key-new"} {
		if !strings.Contains(index, `id="`+id+`"`) {
			t.Errorf("index.html lacks #%s", id)
		}
	}
}

func collectImports(t *testing.T, h http.Handler, name string, seen map[string]bool) {
	t.Helper()
	if seen[name] {
		return
	}
	seen[name] = true
	imp := importRe
	for _, m := range imp.FindAllStringSubmatch(get(t, h, "/static/"+name), -1) {
		collectImports(t, h, m[1], seen)
	}
}

// TestScriptsStayLocal checks what the policy relies on in the scripts:
// they build no HTML from strings and call no other origin.
func TestScriptsStayLocal(t *testing.T) {
	h := Handler()
	entries, err := files.ReadDir("static")
	if err != nil {
		t.Fatal(err)
	}
	banned := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|https?://`)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".js") {
			continue
		}
		if m := banned.FindString(get(t, h, "/static/"+e.Name())); m != "" {
			t.Errorf("%s uses %q", e.Name(), m)
		}
	}
}

// TestRoomPageSharesScreen checks the room page's screen share: a Share
// screen button and a preview tile, a script that captures with
// getDisplayMedia, publishes it over WHIP with screen=1, stops when the
// browser ends the track and DELETEs the session, and a policy that lets
// the page capture.
func TestRoomPageSharesScreen(t *testing.T) {
	h := Handler()
	page := get(t, h, "/rooms/r1")
	for _, want := range []string{`<button type="button" id="share"`, `>Share screen</button>`, `id="local-screen"`, `id="local-screen-video"`} {
		if !strings.Contains(page, want) {
			t.Errorf("room.html lacks %s", want)
		}
	}
	script := get(t, h, "/static/room.js")
	for _, want := range []string{
		"getDisplayMedia(", "/whip?screen=1&name=", "' (screen)'", "addEventListener('ended'",
		"end(share.whip", "'Stop sharing'", "$('share').addEventListener('click'", "tiles.ignore(",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("room.js lacks %q", want)
		}
	}
	if !strings.Contains(get(t, h, "/static/tiles.js"), "ignore(id)") {
		t.Error("tiles.js cannot ignore a participant (the page's own screen share)")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/rooms/r1", nil))
	if p := rec.Header().Get("Permissions-Policy"); !strings.Contains(p, "display-capture=(self)") {
		t.Errorf("Permissions-Policy %q does not allow display-capture", p)
	}
}

// TestRoomPageAutoShare checks the fragment that lets a test share a
// screen without a click (test/e2e/browser_screen_test.go): autoshare=1
// next to autojoin=1 starts sharing once the page has joined, when the
// browser can share.
func TestRoomPageAutoShare(t *testing.T) {
	script := get(t, Handler(), "/static/room.js")
	for _, want := range []string{
		"autoshare: p.get('autoshare') === '1'", "join(key, name, autoshare)",
		"if (share && !$('share').hidden) s.startShare();",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("room.js lacks %q", want)
		}
	}
}

// TestOnlyTheRoomPageIsFramable: a company frames the room page in its
// own site; the console, which takes keys, no one may frame.
func TestOnlyTheRoomPageIsFramable(t *testing.T) {
	h := Handler()
	for path, want := range map[string]string{"/": "frame-ancestors 'none'", "/rooms/demo": "frame-ancestors *"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasSuffix(csp, want) {
			t.Errorf("%s: %q, want it to end with %q", path, csp, want)
		}
	}
}
