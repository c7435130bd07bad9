package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// consoleRoom is the room the console test works in.
const consoleRoom = "console"

// consoleAdminKey is the operator's admin key of the console tests' server.
const consoleAdminKey = "e2e-admin-key-0123456789abcdef"

// TestConsole drives the console (/) in headless Chromium over the
// DevTools protocol, as a user would: log in with the key, create a room,
// make its join link, which a second tab opens to join and publish with
// the fake camera, start a grid recording plus an RTMP stream to a local
// nginx-rtmp, watch the target go live, switch the layout to speaker,
// stop, and stream the recording in the archive's player past 5 s; its
// download link is an MP4 that ffprobe reads. Every step leaves a
// screenshot.
func TestConsole(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s, b, c := startConsole(t, "console", "ROOMCAST_RTMPS_CA_FILE="+ng.CertFile())

	consoleLogIn(t, c, s, s.Key)
	consoleCreateRoom(t, c)
	link := consoleJoinLink(t, c, s, consoleRoom, "chrome")
	pub := b.newTab(t, "room", c.shots)
	pub.must("open the join link", chromedp.Navigate(roomPageURL(link)))
	c.waitJS(30*time.Second, "chrome listed in the room's row",
		rowHas(`[data-test=room-row][data-room="`+consoleRoom+`"] [data-test=room-participants]`, "chrome"))
	pub.shot("publishing")
	if stored, err := evalIn[string](pub, `sessionStorage.getItem('roomcast.key') || ''`); err != nil || stored != "" {
		t.Errorf("the room page holds an API key (%v): it should join with the link's token alone", err)
	}
	c.shot("participant-listed")

	consoleFieldError(t, c)
	rtmpKey := "console-grid"
	consoleStart(t, c, ng.RTMPURL(ng.App(), rtmpKey))
	job := `[data-test=job][data-room="` + consoleRoom + `"]`
	c.waitJS(40*time.Second, "the target live in the console", rowHas(job+` [data-test=target-state]`, "live"))
	c.waitJS(10*time.Second, "a bitrate shown for the target", `/^[1-9][0-9]* kbps$/.test(`+textOf(job+` [data-test=target-bitrate]`)+`)`)
	c.shot("target-live")
	consoleAddRemoveTarget(t, c, job, ng.RTMPURL(ng.App(), "console-extra"))

	c.must("switch the layout to speaker",
		chromedp.SetValue(chromedp.CSS(job+` [data-test=job-layout]`), "speaker"),
		chromedp.Click(chromedp.CSS(job+` [data-test=job-layout-apply]`)))
	c.waitJS(10*time.Second, "the job's layout speaker", rowHas(job+` [data-test=job-layout-current]`, "speaker"))
	c.shot("layout-speaker")
	c.waitJS(40*time.Second, "12 s recorded", `(() => { const m = /(\d+):(\d\d)/.exec(`+textOf(job+` [data-test=job-record]`)+`); return !!m && Number(m[1]) * 60 + Number(m[2]) >= 12; })()`)

	consoleStop(t, c, job)
	rec := consoleRecording(t, c)
	consolePlay(t, c, rec)
	consoleDownload(t, c, s)
	if _, err := ng.WaitRecordDone(rtmpKey, 20*time.Second); err != nil {
		t.Errorf("nginx-rtmp recorded nothing from the console's target: %v", err)
	}
}

// startConsole starts what the console tests share: a server that also
// takes the admin key (env adds settings), and Chromium with its first
// tab, named name, on no page yet.
func startConsole(t *testing.T, name string, env ...string) (*Server, *cdpBrowser, *tab) {
	t.Helper()
	bin := chromiumPath(t)
	// GODEBUG=netdns=go: the pure Go resolver refuses .onion names
	// (RFC 7686) without asking a DNS server, so an unresolvable webhook
	// host costs no traffic.
	env = append([]string{"ROOMCAST_ADMIN_KEY=" + consoleAdminKey, "GODEBUG=netdns=go"}, env...)
	s := StartServer(t, env...)
	b := startCDPBrowser(t, bin)
	return s, b, b.firstTab(t, name, screenshotDir(t))
}

// roomPageURL is the join link the console made, opened so that the page
// joins at once: the token in the link is the only credential.
func roomPageURL(link string) string { return link + "&autojoin=1" }

// consoleLogIn logs in with key, a tenant's key (the tenant features
// show) or the admin key (the tenant admin screens show).
func consoleLogIn(t *testing.T, c *tab, s *Server, key string) {
	t.Helper()
	c.must("open the console", chromedp.Navigate(s.URL+"/"))
	c.waitJS(10*time.Second, "the login form", visible(`[data-test=login-key]`))
	c.shot("login")
	c.must("log in",
		chromedp.SendKeys(chromedp.CSS(`[data-test=login-key]`), key),
		chromedp.Click(chromedp.CSS(`[data-test=login-submit]`)))
	features := visible(`[data-test=rooms-refresh]`)
	if key == consoleAdminKey {
		features = visible(`[data-test=tenants-refresh]`)
	}
	c.waitJS(10*time.Second, "logged in", visible(`[data-test=login-state]`)+` && `+features)
	if loc, err := evalIn[string](c, `location.href`); err != nil || strings.Contains(loc, key) {
		t.Errorf("the key is in the URL %q (%v)", loc, err)
	}
	if stored, err := evalIn[string](c, `sessionStorage.getItem('roomcast.key')`); err != nil || stored != key {
		t.Errorf("sessionStorage holds %q (%v), want the key", stored, err)
	}
}

// consoleJoinLink makes room's join link for name in the console (publish
// and subscribe, 1 hour) and returns it, read from the page.
func consoleJoinLink(t *testing.T, c *tab, s *Server, room, name string) string {
	t.Helper()
	row := `[data-test=room-row][data-room="` + room + `"] `
	c.must("open the join link form", chromedp.Click(chromedp.CSS(row+`[data-test=room-join-link]`)))
	c.waitJS(5*time.Second, "the join link form", visible(row+`[data-test=join-link-form]`))
	c.must("make a join link",
		chromedp.SendKeys(chromedp.CSS(row+`[data-test=join-link-name]`), name),
		chromedp.SetValue(chromedp.CSS(row+`[data-test=join-link-ttl]`), "3600"),
		chromedp.Click(chromedp.CSS(row+`[data-test=join-link-make]`)))
	url := `document.querySelector(` + strconv.Quote(row+`[data-test=join-link-url]`) + `).value`
	c.waitJS(10*time.Second, "the join link", url+` !== ''`)
	c.shot("join-link")
	link, err := evalIn[string](c, url)
	if err != nil {
		t.Fatal(err)
	}
	prefix := s.URL + "/rooms/" + room + "#token="
	if !strings.HasPrefix(link, prefix) || len(link) < len(prefix)+20 {
		t.Fatalf("join link %q, want %s<token>", link, prefix)
	}
	token := strings.TrimPrefix(link, prefix)
	open, err := evalIn[[]string](c, `(() => { const a = document.querySelector(`+strconv.Quote(row+`[data-test=join-link-open]`)+`);`+
		` return [a.href, a.target]; })()`)
	if err != nil || len(open) != 2 || open[0] != link || open[1] != "_blank" {
		t.Errorf("the Open link is %q (%v), want the join link in a new tab", open, err)
	}
	kept, err := evalIn[string](c, `JSON.stringify(sessionStorage) + JSON.stringify(localStorage) + document.cookie`)
	if err != nil || strings.Contains(kept, token) {
		t.Errorf("the console keeps the join token (%v)", err)
	}
	return link
}

func consoleCreateRoom(t *testing.T, c *tab) {
	t.Helper()
	c.must("create a room",
		chromedp.SendKeys(chromedp.CSS(`[data-test=room-create-name]`), consoleRoom),
		chromedp.Click(chromedp.CSS(`[data-test=room-create]`)))
	c.waitJS(10*time.Second, "the room's row", exists(`[data-test=room-row][data-room="`+consoleRoom+`"]`))
}

// consoleFieldError asks for layout single of someone not in the room
// and checks that the API's error shows next to the participant field.
func consoleFieldError(t *testing.T, c *tab) {
	t.Helper()
	c.must("ask for a participant not in the room",
		chromedp.SetValue(chromedp.CSS(`[data-test=egress-room]`), consoleRoom),
		chooseLayout("single"),
		chromedp.SendKeys(chromedp.CSS(`[data-test=egress-participant]`), "nobody"),
		chromedp.Click(chromedp.CSS(`[data-test=egress-start]`)))
	c.waitJS(10*time.Second, "the participant's field error",
		`(() => { const e = document.querySelector('[data-test=egress-participant]').nextElementSibling;`+
			` return !!e && e.dataset.test === 'field-error' && !e.hidden && e.textContent.includes('nobody'); })()`)
	c.shot("field-error")
	if n, err := evalIn[int](c, `document.querySelectorAll('[data-test=job]').length`); err != nil || n != 0 {
		t.Fatalf("a refused request started %d jobs (%v)", n, err)
	}
}

func consoleStart(t *testing.T, c *tab, target string) {
	t.Helper()
	c.must("start a grid recording and stream",
		chromedp.SetValue(chromedp.CSS(`[data-test=egress-room]`), consoleRoom),
		chooseLayout("grid"),
		chromedp.SetValue(chromedp.CSS(`[data-test=egress-width]`), "640"),
		chromedp.SetValue(chromedp.CSS(`[data-test=egress-height]`), "360"),
		chromedp.SendKeys(chromedp.CSS(`[data-test=egress-rtmp]`), target),
		chromedp.Click(chromedp.CSS(`[data-test=egress-start]`)))
	c.waitJS(10*time.Second, "the job's card", exists(`[data-test=job][data-room="`+consoleRoom+`"]`))
	if n, err := evalIn[int](c, `document.querySelectorAll('.field-error:not([hidden])').length`); err != nil || n != 0 {
		t.Errorf("%d field errors left after a good request (%v)", n, err)
	}
}

// consoleAddRemoveTarget adds a second target to the running job, waits
// until the console shows it live, and removes it again.
func consoleAddRemoveTarget(t *testing.T, c *tab, job, target string) {
	t.Helper()
	c.must("add a target",
		chromedp.SendKeys(chromedp.CSS(job+` [data-test=target-add-url]`), target),
		chromedp.Click(chromedp.CSS(job+` [data-test=target-add]`)))
	rows := job + ` [data-test=target-row]`
	c.waitJS(40*time.Second, "two live targets", `[...document.querySelectorAll(`+strconv.Quote(rows+` [data-test=target-state]`)+`)]`+
		`.filter((e) => e.textContent === 'live').length === 2`)
	c.shot("two-targets")
	c.must("remove the added target", chromedp.Click(chromedp.CSS(rows+`:last-child [data-test=target-remove]`)))
	c.waitJS(10*time.Second, "one target left", `document.querySelectorAll(`+strconv.Quote(rows)+`).length === 1`)
}

func consoleStop(t *testing.T, c *tab, job string) {
	t.Helper()
	// Stopping a job with a stream asks first: the test answers yes.
	c.must("stop the job",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(job+` [data-test=job-stop]`)))
	c.waitJS(20*time.Second, "the job's card gone", `!`+exists(job))
	c.shot("stopped")
}

// consoleRecording searches the archive until the room's recording is
// complete, and returns its row's selector.
func consoleRecording(t *testing.T, c *tab) string {
	t.Helper()
	row := `[data-test=recording-row][data-room="` + consoleRoom + `"][data-status=complete]`
	c.must("filter the archive by room", chromedp.SendKeys(chromedp.CSS(`[data-test=archive-room]`), consoleRoom))
	// A search redraws the list: each one gets 3 s to show the row.
	found := func() bool {
		c.must("search the archive", chromedp.Click(chromedp.CSS(`[data-test=archive-search]`)))
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
			if ok, err := evalIn[bool](c, exists(row)); err == nil && ok {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(30 * time.Second); !found(); {
		if time.Now().After(deadline) {
			c.shot("no-recording")
			t.Fatal("no complete recording of the room in the archive within 30 s")
		}
	}
	c.shot("recording-listed")
	return row
}

// consolePlay plays the recording and waits until it has played past 5 s.
func consolePlay(t *testing.T, c *tab, row string) {
	t.Helper()
	c.must("play the recording", chromedp.Click(chromedp.CSS(row+` [data-test=recording-play]`)))
	video := `document.querySelector('[data-test=player-video]')`
	c.waitJS(60*time.Second, "the player past 5 s", video+`.currentTime > 5`)
	src, err := evalIn[string](c, video+`.dataset.source || ''`)
	if err != nil || src != "hls" {
		t.Errorf("the player streams from %q (%v), want hls", src, err)
	}
	c.shot("playing")
}

// consoleDownload fetches the player's download link with no key and
// probes the MP4.
func consoleDownload(t *testing.T, c *tab, s *Server) {
	t.Helper()
	href, err := evalIn[string](c, `document.querySelector('[data-test=player-download]').getAttribute('href')`)
	if err != nil || !strings.Contains(href, "sig=") {
		t.Fatalf("download link %q: %v", href, err)
	}
	resp, err := http.Get(s.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("download: %s %v", resp.Status, resp.Header)
	}
	path := filepath.Join(t.TempDir(), "download.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	p, err := harness.ProbeFile(path)
	if err != nil {
		t.Fatalf("ffprobe the download: %v", err)
	}
	if p.Duration < 10*time.Second || p.Codecs()["video"] != "h264" {
		t.Errorf("download: %v long, codecs %v", p.Duration, p.Codecs())
	}
	t.Logf("download: %v, codecs %v", p.Duration, p.Codecs())
}

// chooseLayout picks layout in the Start form as a user would: the form
// shows the participant field for "single" on the change event.
func chooseLayout(layout string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const l = document.querySelector('[data-test=egress-layout]');` +
		` l.value = ` + strconv.Quote(layout) + `; l.dispatchEvent(new Event('change')); })()`)
}

// JavaScript snippets the waits evaluate.

func exists(sel string) string { return `!!document.querySelector(` + strconv.Quote(sel) + `)` }

func visible(sel string) string {
	return `(() => { const e = document.querySelector(` + strconv.Quote(sel) + `); return !!e && e.offsetParent !== null; })()`
}

func textOf(sel string) string {
	return `((document.querySelector(` + strconv.Quote(sel) + `) || {}).textContent || '')`
}

func rowHas(sel, text string) string { return textOf(sel) + `.includes(` + strconv.Quote(text) + `)` }
