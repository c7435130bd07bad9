package web

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleTestHooks checks that every control of the console carries a
// data-test name for the browser test (test/e2e/console_test.go): those in
// index.html, and the buttons the modules build.
func TestConsoleTestHooks(t *testing.T) {
	h := Handler()
	index := get(t, h, "/")
	control := regexp.MustCompile(`<(button|input|select|textarea|a class="button[^"]*")[^>]*>`)
	for _, m := range control.FindAllString(index, -1) {
		if !strings.Contains(m, "data-test=") {
			t.Errorf("index.html: %s has no data-test", m)
		}
	}
	built := regexp.MustCompile(`(?m)^.*\bbutton\('.*$`)
	for _, name := range []string{"rooms.js", "jobs.js", "archive.js", "details.js", "join-link.js", "admin.js", "tenant-keys.js"} {
		for _, line := range built.FindAllString(get(t, h, "/static/"+name), -1) {
			if !strings.Contains(line, "testable(") {
				t.Errorf("%s builds a button with no data-test: %s", name, strings.TrimSpace(line))
			}
		}
	}
	for _, name := range []string{"rooms.js", "jobs.js", "join-link.js", "admin.js", "tenant-keys.js"} {
		for _, line := range regexp.MustCompile(`(?m)^.*el\('(input|select|a)'.*$`).FindAllString(get(t, h, "/static/"+name), -1) {
			if !strings.Contains(line, "'data-test'") {
				t.Errorf("%s builds a control with no data-test: %s", name, strings.TrimSpace(line))
			}
		}
	}
}

// TestConsoleSlots checks the Join link of each room and the Admin entry,
// which starts hidden and is shown for the admin key only.
func TestConsoleSlots(t *testing.T) {
	h := Handler()
	requireAll(t, h, "/", `id="nav-admin" data-test="nav-admin" hidden>Admin</a>`, `id="admin" data-slot="admin" hidden`)
	requireAll(t, h, "/static/rooms.js", "'data-slot': 'join-link'", "joinLinkSlot(name)", "/v1/rooms/{room}/tokens", "#token=<token>",
		"new JoinLink(link, name, this.say)")
	requireAll(t, h, "/static/join-link.js", "'/tokens'",
		"location.origin + '/rooms/' + encodeURIComponent(room) + '#token=' + encodeURIComponent(token)", "target: '_blank'")
	requireAll(t, h, "/static/console.js", "export function showAdmin(enabled)", "showAdmin(kind === 'admin')",
		"request('GET', '/v1/tenants')", "if (e.status !== 401) throw e;")
}

// TestConsoleSecretsStayOnPage checks that the modules that hold a secret
// shown once (a join link's token, a new API key) neither log nor store
// it, and that the settings editor sends the secret mark back untouched.
func TestConsoleSecretsStayOnPage(t *testing.T) {
	h := Handler()
	kept := regexp.MustCompile(`console\.|sessionStorage|localStorage|document\.cookie|indexedDB`)
	for _, name := range []string{"join-link.js", "tenant-keys.js", "copy.js"} {
		if hit := kept.FindString(get(t, h, "/static/"+name)); hit != "" {
			t.Errorf("%s uses %s: a secret could be logged or kept", name, hit)
		}
	}
	requireAll(t, h, "/static/tenant-form.js", "const secretMark = '********'", "typed !== '' ? typed : (stored ? secretMark : '')")
	requireAll(t, h, "/", `data-field="settings.webhook.url"`, `data-field="settings.quotas.rooms"`,
		`data-field="settings.storage.secret_access_key"`, `data-field="settings.allowed_rtmp_hosts"`, `data-field="settings.branding"`,
		"it will not be shown again")
}

// requireAll checks that what h serves at path holds each of wants.
func requireAll(t *testing.T, h http.Handler, path string, wants ...string) {
	t.Helper()
	body := get(t, h, path)
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q", path, want)
		}
	}
}

// TestConsoleKeyStaysOutOfURLs checks that the key lives in sessionStorage
// and no console module reads or writes it through the URL.
func TestConsoleKeyStaysOutOfURLs(t *testing.T) {
	h := Handler()
	if !strings.Contains(get(t, h, "/static/api.js"), "sessionStorage.setItem(keyItem, key)") {
		t.Error("api.js does not keep the key in sessionStorage")
	}
	url := regexp.MustCompile(`location\.(hash|search|href)|history\.(push|replace)State|[?&]key=`)
	for _, m := range consoleModules {
		if m == "vendor/hls.light.min.mjs" {
			continue
		}
		if hit := url.FindString(get(t, h, "/static/"+m)); hit != "" {
			t.Errorf("%s touches the URL: %q", m, hit)
		}
	}
}

// TestPlayerStreams checks that the player streams: hls.js on the signed
// playlist_url, the browser's own HLS, or the signed download_url MP4 as
// the <video> source, and never a whole-file Blob.
func TestPlayerStreams(t *testing.T) {
	h := Handler()
	player := get(t, h, "/static/player.js")
	for _, want := range []string{"import Hls from './vendor/hls.light.min.mjs'", "Hls.isSupported()",
		"hls.loadSource(view.playlist_url)", "canPlayType(hlsType)", "this.setSource('mp4', view.download_url)", "enableWorker: false"} {
		if !strings.Contains(player, want) {
			t.Errorf("player.js lacks %q", want)
		}
	}
	for _, bad := range []string{"fetchBlob", "createObjectURL"} {
		if strings.Contains(player, bad) {
			t.Errorf("player.js uses %s: the whole file would load before playback", bad)
		}
	}
	if a := get(t, h, "/static/archive.js"); !strings.Contains(a, "saveURL(view.download_url") {
		t.Error("archive.js does not download through the signed download_url")
	}
}

// TestVendoredHLSJS checks the vendored hls.js: its README names the
// version the script pins and the license sits next to it.
func TestVendoredHLSJS(t *testing.T) {
	readme, err := files.ReadFile("static/vendor/README")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("../scripts/vendor-hlsjs.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`HLSJS_VERSION:-([0-9.]+)\}`).FindSubmatch(script)
	if m == nil {
		t.Fatal("scripts/vendor-hlsjs.sh pins no HLSJS_VERSION")
	}
	if !strings.Contains(string(readme), "hls.js "+string(m[1])+",") {
		t.Errorf("vendor/README does not name hls.js %s:\n%s", m[1], readme)
	}
	if lic, err := files.ReadFile("static/vendor/hls.js.LICENSE"); err != nil || !strings.Contains(string(lic), "Apache License") {
		t.Errorf("vendor/hls.js.LICENSE: %v", err)
	}
	lib := get(t, Handler(), "/static/vendor/hls.light.min.mjs")
	if regexp.MustCompile(`\beval\(|new Function\(`).MatchString(lib) {
		t.Error("the vendored hls.js evaluates strings, which the Content-Security-Policy forbids")
	}
}
