package natsscan

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/jobs/seal"
)

// startServer runs a JetStream server on a loopback port for one test.
func startServer(t *testing.T) (*nats.Conn, jetstream.JetStream, string) {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		JetStream: true, StoreDir: t.TempDir(), Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js, srv.ClientURL()
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// found lists the findings as "stream where form #secret", sorted.
func found(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Stream+" "+f.Where+" "+f.Form+" #"+string(rune('0'+f.Secret)))
	}
	sort.Strings(out)
	return out
}

func TestScanFindsEveryForm(t *testing.T) {
	nc, js, natsURL := startServer(t)
	ctx := ctxFor(t)
	secrets := []string{
		"live_0123456789_streamkey",          // #0
		"tok&en<with>specials?x=1",           // #1
		"S3-SECRET-ACCESS-KEY-???>>>~~~0123", // #2
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "jobs"})
	if err != nil {
		t.Fatal(err)
	}
	// #0 in clear in a JSON value, #1 JSON-escaped (Go escapes & < >).
	rec, _ := json.Marshal(map[string]string{"url": "rtmp://h/app/" + secrets[0], "token": secrets[1]})
	if _, err := kv.Put(ctx, "job1", rec); err != nil {
		t.Fatal(err)
	}
	// #0 in a KV key (the subject).
	if _, err := kv.Put(ctx, "k."+secrets[0], []byte("x")); err != nil {
		t.Fatal(err)
	}
	// #2 in base64 at every alignment, and URL-escaped; #1 URL-escaped.
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "EVENTS", Subjects: []string{"ev.>"}}); err != nil {
		t.Fatal(err)
	}
	for pad := range 3 {
		b, _ := json.Marshal(map[string][]byte{"blob": append(bytes.Repeat([]byte{'p'}, pad), secrets[2]+"tail"...)})
		if _, err := js.Publish(ctx, "ev.b64", b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := js.Publish(ctx, "ev.url", []byte(base64.URLEncoding.EncodeToString([]byte(secrets[2])))); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "ev.q", []byte("https://hook?u="+url.QueryEscape("rtmp://h/a/"+secrets[1]))); err != nil {
		t.Fatal(err)
	}
	// #2 in a header.
	if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: "ev.h", Header: nats.Header{"Authorization": {"Bearer " + secrets[2]}}, Data: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	r, err := Scan(ctx, nc, secrets)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"EVENTS data base64 #2", "EVENTS data base64url #2", "EVENTS data query-escaped #1", "EVENTS header Authorization plain #2",
		"KV_jobs data json #1", "KV_jobs data plain #0", "KV_jobs subject plain #0",
	}
	got := found(r)
	for _, w := range want {
		if !contains(got, w) {
			t.Errorf("missing %q in findings:\n%s", w, r)
		}
	}
	// Three alignments of #2 in base64: three messages.
	n := 0
	for _, f := range r.Findings {
		if f.Stream == "EVENTS" && f.Form == "base64" && strings.HasSuffix(f.Subject, ".b64") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("base64 at 3 alignments: %d found\n%s", n, r)
	}
	if r.Streams["KV_jobs"] != 2 || r.Streams["EVENTS"] != 6 {
		t.Errorf("messages read: %v", r.Streams)
	}
	// No finding prints a secret.
	for _, s := range secrets {
		if strings.Contains(r.String(), s) {
			t.Fatalf("the report shows secret %q", s)
		}
	}
	// The same through a URL.
	r2, err := ScanURL(ctx, natsURL, secrets)
	if err != nil || len(r2.Findings) != len(r.Findings) {
		t.Fatalf("ScanURL: %v, %d findings, want %d", err, len(r2.Findings), len(r.Findings))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestScanObjectStoreAcrossChunks: a secret split over two chunks of an
// object is found.
func TestScanObjectStoreAcrossChunks(t *testing.T) {
	nc, js, _ := startServer(t)
	ctx := ctxFor(t)
	const secret = "straddling-the-chunks-0123456789"
	obs, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "manifests"})
	if err != nil {
		t.Fatal(err)
	}
	const chunk = 1024
	data := append(bytes.Repeat([]byte{'.'}, chunk-10), secret...)
	data = append(data, bytes.Repeat([]byte{'.'}, chunk)...)
	meta := jetstream.ObjectMeta{Name: "m.json", Opts: &jetstream.ObjectMetaOptions{ChunkSize: chunk}}
	if _, err := obs.Put(ctx, meta, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	r, err := Scan(ctx, nc, []string{secret})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Stream != "OBJ_manifests" || r.Findings[0].Form != "plain" {
		t.Fatalf("findings:\n%s", r)
	}
}

// TestScanCleanBus: sealed secrets, a work queue with its consumer and
// deleted messages are read without findings.
func TestScanCleanBus(t *testing.T) {
	nc, js, _ := startServer(t)
	ctx := ctxFor(t)
	const secret = "rtmp-stream-key-never-in-clear"
	k, _ := seal.GenerateKey("k1")
	ring, err := seal.ParseKeys(k)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := ring.Seal("rtmp://h/app/"+secret, "aad")
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "jobs", History: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "job1", []byte(`{"url":"`+sealed+`"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "job2", []byte(secret)); err != nil {
		t.Fatal(err)
	}
	if err := kv.Purge(ctx, "job2"); err != nil { // gone: a purge marker stays
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "WQ", Subjects: []string{"wq"}, Retention: jetstream.WorkQueuePolicy}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, "WQ", jetstream.ConsumerConfig{Durable: "workers", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "wq", []byte("EG_AAAAAAAAAAAAAAAA")); err != nil {
		t.Fatal(err)
	}
	r, err := Scan(ctx, nc, []string{secret})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 0 || r.Streams["WQ"] != 1 || r.Streams["KV_jobs"] < 2 {
		t.Fatalf("clean bus: %s", r)
	}
	Clean(t, nc, 10*time.Second, secret)
}

func TestScanRefusesUselessSecrets(t *testing.T) {
	nc, _, _ := startServer(t)
	ctx := ctxFor(t)
	for _, secrets := range [][]string{nil, {"abc"}, {"long-enough-secret", ""}} {
		if _, err := Scan(ctx, nc, secrets); err == nil {
			t.Errorf("secrets %q accepted", secrets)
		}
	}
}

func TestBase64Fragments(t *testing.T) {
	secret := []byte("0123456789abcdefghij")
	frags := base64Fragments(secret)
	if len(frags) != 3 {
		t.Fatalf("%d fragments", len(frags))
	}
	for pre := range 6 {
		for post := range 4 {
			data := append(append(bytes.Repeat([]byte{0xff}, pre), secret...), bytes.Repeat([]byte{0xee}, post)...)
			enc := base64.StdEncoding.EncodeToString(data)
			ok := false
			for _, f := range frags {
				ok = ok || strings.Contains(enc, f)
			}
			if !ok {
				t.Errorf("%d bytes before, %d after: no fragment in %s", pre, post, enc)
			}
		}
	}
}
