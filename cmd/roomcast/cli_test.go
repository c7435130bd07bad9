package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/client"
	"github.com/roomcast/roomcast/test/apifixture"
)

// cliRun runs `roomcast args…` in process against srv with the
// fixture's key and returns its exit code, stdout and stderr; no output
// may show a key.
func cliRun(t *testing.T, srv string, args ...string) (int, string, string) {
	t.Helper()
	return cliRunKey(t, srv, apifixture.Key, args...)
}

// cliRunKey is cliRun with key.
func cliRunKey(t *testing.T, srv, key string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	full := append(append([]string{}, args...), "--server", srv, "--key", key)
	code := run(full, &stdout, &stderr)
	if !apifixture.Redacted(stdout.String()) || !apifixture.Redacted(stderr.String()) {
		t.Errorf("roomcast %v shows a key:\n%s\n%s", args, stdout.String(), stderr.String())
	}
	return code, stdout.String(), stderr.String()
}

// cliOK runs a command that must succeed and returns its stdout.
func cliOK(t *testing.T, srv string, args ...string) string {
	t.Helper()
	return cliOKKey(t, srv, apifixture.Key, args...)
}

// cliOKKey is cliOK with key.
func cliOKKey(t *testing.T, srv, key string, args ...string) string {
	t.Helper()
	code, out, errOut := cliRunKey(t, srv, key, args...)
	if code != 0 {
		t.Fatalf("roomcast %v: exit %d: %s", args, code, errOut)
	}
	return out
}

// cliJSON runs a command with --json and decodes its output into v.
func cliJSON(t *testing.T, srv string, v any, args ...string) {
	t.Helper()
	out := cliOK(t, srv, append(args, "--json")...)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("roomcast %v --json: %v\n%s", args, err, out)
	}
}

// lines is out's lines, each with its runs of spaces made one.
func lines(out string) []string {
	var ls []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		ls = append(ls, strings.Join(strings.Fields(l), " "))
	}
	return ls
}

func TestCLIRooms(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{})
	if out := cliOK(t, srv.URL, "rooms", "create", "demo"); out != "created room demo\n" {
		t.Errorf("create: %q", out)
	}
	var created types.Room
	cliJSON(t, srv.URL, &created, "rooms", "create", "second")
	if created.Name != "second" || created.Participants == nil {
		t.Errorf("create --json: %+v", created)
	}
	if got := lines(cliOK(t, srv.URL, "rooms", "list")); len(got) != 3 || got[0] != "NAME PARTICIPANTS TRACKS SUBSCRIBERS" || got[1] != "demo 0 0 0" || got[2] != "second 0 0 0" {
		t.Errorf("list: %q", got)
	}
	var list struct{ Rooms []types.Room }
	cliJSON(t, srv.URL, &list, "rooms", "list")
	if len(list.Rooms) != 2 {
		t.Errorf("list --json: %+v", list)
	}
	if got := lines(cliOK(t, srv.URL, "rooms", "get", "demo")); len(got) != 3 || got[0] != "room demo" || got[1] != "participants 0" {
		t.Errorf("get: %q", got)
	}
	var room types.Room
	cliJSON(t, srv.URL, &room, "rooms", "get", "demo")
	if room.Name != "demo" {
		t.Errorf("get --json: %+v", room)
	}
	if out := cliOK(t, srv.URL, "rooms", "delete", "demo"); out != "deleted room demo\n" {
		t.Errorf("delete: %q", out)
	}
	var deleted map[string]string
	cliJSON(t, srv.URL, &deleted, "rooms", "delete", "second")
	if deleted["deleted"] != "second" {
		t.Errorf("delete --json: %v", deleted)
	}
	code, out, errOut := cliRun(t, srv.URL, "rooms", "get", "demo")
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "roomcast rooms: ") || !strings.Contains(errOut, "(404 not_found)") {
		t.Errorf("get a deleted room: exit %d, %q %q", code, out, errOut)
	}
}

func TestCLIErrors(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{})
	var stdout, stderr bytes.Buffer
	code := run([]string{"rooms", "list", "--server", srv.URL, "--key", "wrong-SECRET"}, &stdout, &stderr)
	if code != 1 || stdout.Len() != 0 || stderr.String() != "roomcast rooms: invalid API key (401 unauthorized)\n" {
		t.Errorf("a wrong key: exit %d, %q %q", code, stdout.String(), stderr.String())
	}
	code, _, errOut := cliRun(t, srv.URL, "egress", "get", "EG_nope")
	if code != 1 || errOut != "roomcast egress: no such egress job (404 not_found)\n" {
		t.Errorf("an unknown job: exit %d, %q", code, errOut)
	}
	for _, args := range [][]string{{"rooms", "create"}, {"rooms", "frobnicate"}, {"rooms"}, {"recordings", "list", "--from", "someday"}, {"egress", "start", "--room", "r"}} {
		if code, _, errOut := cliRun(t, srv.URL, args...); code != 1 || errOut == "" {
			t.Errorf("roomcast %v: exit %d, %q", args, code, errOut)
		}
	}
	t.Setenv("ROOMCAST_API_KEY", "")
	stderr.Reset()
	if code := run([]string{"rooms", "list", "--server", srv.URL}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no API key") {
		t.Errorf("no key: exit %d, %q", code, stderr.String())
	}
	t.Setenv("ROOMCAST_SERVER", srv.URL)
	t.Setenv("ROOMCAST_API_KEY", apifixture.Key)
	stdout.Reset()
	if code := run([]string{"rooms", "list"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "NAME") {
		t.Errorf("server and key from the environment: exit %d, %q", code, stdout.String())
	}
}

func TestCLIEgress(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{})
	cliOK(t, srv.URL, "rooms", "create", "demo")
	out := cliOK(t, srv.URL, "egress", "start", "--room", "demo", "--layout", "grid", "--rtmp", "rtmp://93.184.216.34/live/SECRET-1", "--record")
	got := lines(out)
	if len(got) < 8 || got[0] != "id EG_0001" || got[1] != "room demo" || got[2] != "layout grid" || got[3] != "status active" ||
		!strings.Contains(out, "ago)") || !slices.Contains(got, "TARGET URL STATE BITRATE SENT RECONNECTS ERROR") ||
		!slices.Contains(got, "out_2 rtmp://93.184.216.34:1935/live/**** live 2500 kb/s 123.5 kB 0 -") {
		t.Errorf("start:\n%s", out)
	}
	spec := filepath.Join(t.TempDir(), "spec.json")
	if err := os.WriteFile(spec, []byte(`{"room":"demo","layout":"speaker","outputs":{"record":{"segment_seconds":2}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var second types.Info
	cliJSON(t, srv.URL, &second, "egress", "start", "--spec", spec)
	if second.ID != "EG_0003" || second.Layout != "speaker" || second.Outputs.Record == nil || srv.Egress.Specs[1].Outputs.Record.SegmentSeconds != 2 {
		t.Errorf("start --spec: %+v", second)
	}
	if got := lines(cliOK(t, srv.URL, "egress", "list")); len(got) != 3 || !strings.HasPrefix(got[0], "ID ROOM LAYOUT STATUS OUTPUTS CREATED") ||
		!strings.HasPrefix(got[1], "EG_0003 demo speaker active record ") || !strings.HasPrefix(got[2], "EG_0001 demo grid active 1 rtmp + record ") {
		t.Errorf("list: %q", got)
	}
	var one types.Info
	cliJSON(t, srv.URL, &one, "egress", "add-target", "EG_0001", "rtmp://93.184.216.35/live/SECRET-2")
	if len(one.Outputs.RTMP) != 2 {
		t.Fatalf("add-target: %+v", one)
	}
	cliJSON(t, srv.URL, &one, "egress", "remove-target", "EG_0001", one.Outputs.RTMP[0].ID)
	cliJSON(t, srv.URL, &one, "egress", "layout", "EG_0001", "presentation")
	if len(one.Outputs.RTMP) != 1 || one.Layout != "presentation" {
		t.Errorf("remove-target and layout: %+v", one)
	}
	if got := lines(cliOK(t, srv.URL, "egress", "stop", "EG_0001")); got[3] != "status complete" {
		t.Errorf("stop: %q", got)
	}
	var list struct{ Egress []types.Info }
	cliJSON(t, srv.URL, &list, "egress", "list", "--active")
	if len(list.Egress) != 1 || list.Egress[0].ID != "EG_0003" {
		t.Errorf("list --active --json: %+v", list)
	}
}

func TestCLIRecordings(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{})
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	old := srv.AddRecording(t, apifixture.Tenant, "a", t0)
	recent := srv.AddRecording(t, apifixture.Tenant, "b", t0.Add(time.Hour))
	got := lines(cliOK(t, srv.URL, "recordings", "list"))
	if len(got) != 3 || got[0] != "ID ROOM STATUS STARTED DURATION SIZE" ||
		!strings.HasPrefix(got[1], recent.ID+" b complete "+t0.Add(time.Hour).Local().Format(time.RFC3339)+" 10s ") {
		t.Errorf("list: %q", got)
	}
	var page types.RecordingPage
	cliJSON(t, srv.URL, &page, "recordings", "list", "--to", "2025-03-01T12:30:00Z")
	if len(page.Recordings) != 1 || page.Recordings[0].ID != old.ID {
		t.Errorf("list --to --json: %+v", page)
	}
	code, out, errOut := cliRun(t, srv.URL, "recordings", "list", "--limit", "1")
	if code != 0 || len(lines(out)) != 2 || !strings.HasPrefix(errOut, "more: add --cursor ") {
		t.Errorf("list --limit 1: %q %q", out, errOut)
	}
	if out := cliOK(t, srv.URL, "recordings", "get", old.ID); !strings.Contains(out, "playlist") || !strings.Contains(out, srv.URL+"/v1/recordings/"+old.ID+"/index.m3u8?") {
		t.Errorf("get:\n%s", out)
	}

	c, err := client.New(srv.URL, client.WithKey(apifixture.Key))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if _, err := c.DownloadRecording(context.Background(), old.ID, &want); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "talk.mp4")
	if out := cliOK(t, srv.URL, "recordings", "download", old.ID, "-o", file); !strings.HasPrefix(out, "saved "+file+" (") {
		t.Errorf("download: %q", out)
	}
	if b, err := os.ReadFile(file); err != nil || !bytes.Equal(b, want.Bytes()) {
		t.Errorf("downloaded %d bytes (%v), want the %d of the API", len(b), err, want.Len())
	}
	if out := cliOK(t, srv.URL, "recordings", "download", old.ID, "-o", "-"); out != want.String() {
		t.Errorf("download -o -: %d bytes, want %d", len(out), want.Len())
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("the download left %d files beside it", len(entries))
	}
	cliOK(t, srv.URL, "recordings", "delete", old.ID)
	if code, _, errOut := cliRun(t, srv.URL, "recordings", "download", old.ID, "-o", file+"2"); code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("download a deleted recording: %d %q", code, errOut)
	}
	if _, err := os.Stat(file + "2"); !os.IsNotExist(err) {
		t.Errorf("a failed download left its file: %v", err)
	}
}
