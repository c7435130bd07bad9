package jobs

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/test/natsscan"
	"github.com/roomcast/roomcast/test/testutil"
)

// streamKey is a distinctive stream key for one test.
func streamKey(name string) string { return "sk_" + name + "_" + strings.ToLower(rand.Text()) }

// seenURLs collects the URLs the fake RTMP outputs were given.
type seenURLs struct {
	mu   sync.Mutex
	urls []string
}

func (s *seenURLs) has(u string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.urls, u)
}

// leakyDeps are testDeps whose RTMP outputs record the URL they get and
// report it back unredacted, as a careless pipeline would: what reaches
// the bus must be redacted all the same.
func leakyDeps(seen *seenURLs) egress.Deps {
	d := testDeps()
	d.NewRTMP = func(raw string, r *fanout.Reader, _ *slog.Logger) (egress.Output, string, error) {
		seen.mu.Lock()
		seen.urls = append(seen.urls, raw)
		seen.mu.Unlock()
		return &countOutput{src: r}, raw, nil
	}
	return d
}

// publishEvents is an EventSink that stores events on the webhook
// stream, as `serve` and `roomcast worker` do (through their outbox).
func publishEvents(t *testing.T, js jetstream.JetStream) EventSink {
	return func(typ string, info types.Info) {
		ev, err := webhook.NewEvent(typ, info.Tenant, info.ID, info)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = webhook.Publish(ctx, js, ev)
		}
		if err != nil {
			t.Errorf("event %s: %v", typ, err)
		}
	}
}

// refuseAll answers every webhook POST with 503, so events are parked.
type refuseAll struct{}

func (refuseAll) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Body: http.NoBody, Request: r, Header: http.Header{}}, nil
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestNoSecretsOnTheBus runs a job with two RTMP targets, adds a third
// while it runs, keeps a tenant with its own storage credentials, webhook
// secret and API key, parks the job's webhook events, and reads every
// message the NATS server stores: no secret is there in any form, while
// the worker got the targets' real URLs.
//
// What the bus holds, and what was checked (see also secrets.go):
//   - KV roomcast_egress, the job records: Spec's RTMP target URLs are
//     sealed by encode (aad roomcast/egress/<id>/spec.outputs.rtmp.url),
//     Info's URLs redacted by encode whatever the pipeline reported;
//     Info.Error and the outputs' errors never quote a URL (egress/rtmp
//     errors use Target.Redacted, ParseTarget's never quote the URL). The
//     spec holds no other secret: layout, video, branding pictures and
//     recording settings.
//   - stream ROOMCAST_EGRESS, the work queue: job ids only.
//   - KV roomcast_workers: each worker's id, capacity, load and job ids.
//   - KV roomcast_locks: "recording.<id>" → the holder's name.
//   - subjects roomcast.egress.control.<id> (stop, update, orphans) and
//     roomcast.workers.alive.<id>: core NATS request-reply, stored by no
//     stream. An update's add_rtmp carries new URLs in clear there, in
//     transit only (use tls:// to NATS); the replies carry a redacted
//     Info.
//   - stream EGRESS_EVENTS, webhook events: Data is the job as the API
//     shows it; the client's and workers' sinks see redacted Info only
//     (redactedEvents). Endpoint URLs and secrets are configuration,
//     never on the bus (consumers are named by a hash of the URL).
//   - KV roomcast_webhook_parked: the parked event (the same Data), the
//     endpoint's name (a hash) and the last error, without the URL.
//   - KV roomcast_tenants (jobs/tenants): storage and webhook secrets and
//     the join token secret sealed by that package with the same
//     keyring, API keys kept as hashes.
//   - Recordings and their manifests go to the store (local or S3), not
//     to NATS; the outbox of events waiting for NATS is on local disk.
func TestNoSecretsOnTheBus(t *testing.T) {
	b := newBus(t)
	ctx := testCtx(t)
	nc := b.conn("scan")
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := webhook.EnsureStream(ctx, js); err != nil {
		t.Fatal(err)
	}
	ring := newTestKeyring("k1")

	// A tenant with its own S3 credentials, webhook and API key, sealed
	// with the same keyring.
	store, err := tenants.Open(ctx, js, ring, nil)
	if err != nil {
		t.Fatal(err)
	}
	s3Secret, tenantHookSecret, tenantHookToken := "s3sk_"+rand.Text(), "whsec_tenant_"+rand.Text(), "whtok_"+rand.Text()
	tn, err := store.Create(ctx, tenants.Tenant{ID: "acme", Settings: tenants.Settings{
		Storage: &tenants.Storage{Endpoint: "https://s3.acme.test", Bucket: "rec", AccessKeyID: "AKIAACME", SecretAccessKey: s3Secret},
		Webhook: &tenants.Webhook{URL: "https://hooks.acme.test/in?token=" + tenantHookToken, Secret: tenantHookSecret},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, apiKey, err := store.CreateKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}

	// Webhook events, all parked: the endpoint refuses them.
	hookToken, hookSecret := "whtok_"+rand.Text(), "whsec_global_"+rand.Text()
	d, err := webhook.NewDispatcher(js, webhook.Config{
		URL: "https://hooks.example.test/roomcast?token=" + hookToken, Secret: hookSecret,
		MaxAttempts: 1, MinBackoff: 10 * time.Millisecond, MaxBackoff: 10 * time.Millisecond,
		Client: &http.Client{Transport: refuseAll{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dctx, stopDispatch := context.WithCancel(context.Background())
	dispatched := make(chan error, 1)
	go func() { dispatched <- d.Run(dctx) }()
	defer func() { stopDispatch(); <-dispatched }()

	events := publishEvents(t, js)
	c, err := NewClient(ctx, ClientConfig{NC: b.conn("api"), Keyring: ring, Costs: Costs{Transcode: 10, Composite: 10}, Lease: testLease, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	seen := &seenURLs{}
	nw, err := NewWorker(ctx, WorkerConfig{ID: "w1", Capacity: 100, NC: b.conn("w1"), Keyring: ring, Deps: leakyDeps(seen),
		Lease: testLease, Drain: 5 * time.Second, Events: events, Meter: NewCPUMeter(MeterConfig{ProcessCPU: realtimeCPU(0)})})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stopWorker := context.WithCancel(context.Background())
	worked := make(chan error, 1)
	go func() { worked <- nw.Run(wctx) }()
	defer func() { stopWorker(); <-worked }()

	k1, k2, k3 := streamKey("one"), streamKey("two"), streamKey("three")
	urls := []string{
		"rtmp://127.0.0.1/live/" + k1,
		"rtmps://live.example.test:443/app/" + k2 + "?auth=" + k2 + "&x=<y>",
		"rtmp://[::1]:1936/live/" + k3,
	}
	spec := types.Spec{Room: "r1", Outputs: types.OutputsSpec{RTMP: []types.Target{{URL: urls[0]}, {URL: urls[1], MaxRetrySeconds: 30}}}}.WithDefaults()
	info, err := c.Start(ctx, "acme", spec)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, info.ID, busWait, active)
	upd, err := c.Update(ctx, info.ID, types.Update{AddRTMP: types.URLs(urls[2])})
	if err != nil {
		t.Fatal(err)
	}
	running := waitJob(t, c, info.ID, busWait, func(i types.Info) bool { return active(i) && len(i.Outputs.RTMP) == 3 })
	testutil.Eventually(t, busWait, "the third target in the record", func() bool {
		rec, _, err := c.get(ctx, info.ID)
		return err == nil && len(rec.Spec.Outputs.RTMP) == 3
	})

	secrets := []string{k1, k2, k3, s3Secret, tenantHookSecret, tenantHookToken, apiKey, string(tn.TokenSecret), hookToken, hookSecret}
	secrets = append(secrets, urls...)
	for _, i := range []types.Info{info, upd, running} {
		shown, _ := json.Marshal(i)
		for _, s := range secrets {
			if strings.Contains(string(shown), s) {
				t.Fatalf("the API's view of the job shows a secret: %s", shown)
			}
		}
	}
	// While it runs: its record, its request, the worker's entry, the
	// tenant and the events so far.
	r := natsscan.Clean(t, nc, 10*time.Second, secrets...)
	for _, st := range []string{"KV_" + BucketJobs, StreamRequests, "KV_" + BucketWorkers, "KV_" + tenants.Bucket, webhook.StreamName} {
		if r.Streams[st] == 0 {
			t.Errorf("nothing read in %s: %s", st, r)
		}
	}

	// The worker ran the targets' real URLs, and the record gives them
	// back to the next owner.
	for _, u := range urls {
		if !seen.has(u) {
			t.Errorf("the worker's output never got %s", u)
		}
	}
	rec, _, err := c.get(ctx, info.ID)
	if err != nil || rec.sealed() != nil {
		t.Fatalf("read the record: %v %v", err, rec.sealed())
	}
	if got := []string{rec.Spec.Outputs.RTMP[0].URL, rec.Spec.Outputs.RTMP[1].URL, rec.Spec.Outputs.RTMP[2].URL}; !slices.Equal(got, urls) {
		t.Errorf("targets opened from the record differ: %d of %d", len(got), len(urls))
	}
	if rec.Spec.Outputs.RTMP[1].MaxRetrySeconds != 30 {
		t.Errorf("a sealed target lost its settings: %+v", rec.Spec.Outputs.RTMP[1].MaxRetrySeconds)
	}

	// Removing a target keeps the others' sealed URLs valid.
	if _, err := c.Update(ctx, info.ID, types.Update{RemoveRTMP: []string{running.Outputs.RTMP[0].ID}}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 5*time.Second, "the record without the first target", func() bool {
		rec, _, err := c.get(ctx, info.ID)
		return err == nil && rec.sealed() == nil && len(rec.Spec.Outputs.RTMP) == 2 &&
			rec.Spec.Outputs.RTMP[0].URL == urls[1] && rec.Spec.Outputs.RTMP[1].URL == urls[2]
	})

	if _, err := c.Stop(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, info.ID, busWait, func(i types.Info) bool { return i.Status == types.StatusComplete })
	testutil.Eventually(t, busWait, "parked events", func() bool {
		n, err := d.Parking().Count(ctx)
		return err == nil && n >= 3
	})
	// Once it ended: the events, parked too.
	r = natsscan.Clean(t, nc, 10*time.Second, secrets...)
	for _, st := range []string{"KV_" + BucketJobs, webhook.StreamName, "KV_" + webhook.BucketParked} {
		if r.Streams[st] == 0 {
			t.Errorf("nothing read in %s: %s", st, r)
		}
	}
	t.Logf("scanned: %s", r)
}

// rawRecord is a job's record as stored, nothing opened.
func rawRecord(t *testing.T, c *Client, id string) (*Record, uint64) {
	t.Helper()
	e, err := c.jobs.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := decodeRecord(e.Value(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rec, e.Revision()
}

// sealedBy is the key id that sealed each of a stored record's targets.
func sealedBy(t *testing.T, c *Client, id string) []string {
	t.Helper()
	rec, _ := rawRecord(t, c, id)
	var ids []string
	for _, tg := range rec.Spec.Outputs.RTMP {
		kid, err := seal.KeyID(tg.URL)
		if err != nil {
			t.Fatalf("a target stored in clear: %v", err)
		}
		ids = append(ids, kid)
	}
	return ids
}

// TestRotatedKeyring: a job sealed under key A runs on a worker whose
// keyring is [B, A] (B sealing), which writes it back under B; a node
// that has only A still shows and stops it.
func TestRotatedKeyring(t *testing.T) {
	b := newBus(t)
	aKey, _ := seal.GenerateKey("A")
	bKey, _ := seal.GenerateKey("B")
	a, err := seal.ParseKeys(aKey)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := seal.ParseKeys(bKey + "," + aKey)
	if err != nil {
		t.Fatal(err)
	}
	onlyA := b.clientKeyed(a)
	key := streamKey("rot")
	info, err := onlyA.Start(context.Background(), "acme", types.Spec{Room: "r1", Outputs: types.OutputsSpec{RTMP: types.URLs("rtmp://h/live/" + key)}}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if got := sealedBy(t, onlyA, info.ID); !slices.Equal(got, []string{"A"}) {
		t.Fatalf("sealed by %v, want A", got)
	}
	seen := &seenURLs{}
	b.keyedWorker("w1", 100, leakyDeps(seen), NewCPUMeter(MeterConfig{ProcessCPU: realtimeCPU(0)}), rotated)
	waitJob(t, onlyA, info.ID, 5*time.Second, active)
	if !seen.has("rtmp://h/live/" + key) {
		t.Fatal("the worker with the rotated keyring did not get the target")
	}
	testutil.Eventually(t, 5*time.Second, "the record sealed again under B", func() bool { return slices.Equal(sealedBy(t, onlyA, info.ID), []string{"B"}) })
	// The node with A only: the state reads, the secrets do not open, a
	// stop works.
	rec, _, err := onlyA.get(context.Background(), info.ID)
	if err != nil || !errors.Is(rec.sealed(), ErrSecretKey) || !errors.Is(rec.sealed(), seal.ErrUnknownKey) {
		t.Fatalf("read by a node without B: %v, %v", err, rec.sealed())
	}
	stopped, err := onlyA.Stop(context.Background(), info.ID)
	if err != nil || stopped.Status != types.StatusComplete {
		t.Fatalf("stop from a node without B: %+v %v", stopped, err)
	}
}

// TestWorkerWithoutTheKeyFailsTheJobCleanly: a worker whose keyring
// lacks the key of a job's record fails that job, saying the secret key
// does not match and showing no stream key, and goes on taking jobs it
// can open. So does a record whose sealed target was moved from
// another job.
func TestWorkerWithoutTheKeyFailsTheJobCleanly(t *testing.T) {
	b := newBus(t)
	other := newTestKeyring("C")
	foreign := b.clientKeyed(newTestKeyring("A"))
	mine := b.clientKeyed(other)
	var mu sync.Mutex
	var ended []types.Info
	b.runWorker(WorkerConfig{ID: "w1", Capacity: 100, Deps: testDeps(), Keyring: other, Meter: NewCPUMeter(MeterConfig{ProcessCPU: realtimeCPU(0)}),
		Events: func(typ string, i types.Info) {
			if typ == "egress_ended" {
				mu.Lock()
				ended = append(ended, i)
				mu.Unlock()
			}
		}})
	key := streamKey("foreign")
	info, err := foreign.Start(context.Background(), "acme", types.Spec{Room: "r1", Outputs: types.OutputsSpec{RTMP: types.URLs("rtmp://h/live/" + key)}}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	failed := waitJob(t, foreign, info.ID, 5*time.Second, func(i types.Info) bool { return i.Status == types.StatusFailed })
	if !strings.Contains(failed.Error, "secret key does not match") || !strings.Contains(failed.Error, "ROOMCAST_SECRET_KEY") || strings.Contains(failed.Error, key) {
		t.Errorf("failed job's error: %q", failed.Error)
	}
	t.Logf("the job's error: %s", failed.Error)
	if failed.Outputs.RTMP[0].State != types.StateFailed || failed.EndedAt == nil || failed.Worker != "" {
		t.Errorf("failed job: %+v", failed)
	}
	waitQueueEmpty(t, foreign, "the failed job's request")
	mu.Lock()
	if len(ended) != 1 || ended[0].ID != info.ID || ended[0].Tenant != "acme" || ended[0].Status != types.StatusFailed {
		t.Errorf("egress_ended events: %+v", ended)
	}
	mu.Unlock()

	// The worker goes on: a job sealed with its key runs.
	ok, err := mine.Start(context.Background(), "acme", spec("r2"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, mine, ok.ID, 5*time.Second, active)

	// A job whose sealed target was copied from another job: it does not
	// open there (aad), the job fails the same way.
	okRec, _ := rawRecord(t, mine, ok.ID)
	moved := mine.newRecord("acme", spec("r3"))
	moved.Spec.Outputs.RTMP = okRec.Spec.Outputs.RTMP
	moved.sealErr = errors.New("as stored") // written as it is
	ctx := context.Background()
	if _, err := mine.jobs.Create(ctx, moved.Info.ID, mustEncodeWith(t, moved, other)); err != nil {
		t.Fatal(err)
	}
	if _, err := mine.js.Publish(ctx, subjectRequests, []byte(moved.Info.ID), jetstream.WithMsgID(moved.Info.ID)); err != nil {
		t.Fatal(err)
	}
	failed = waitJob(t, mine, moved.Info.ID, 5*time.Second, func(i types.Info) bool { return i.Status == types.StatusFailed })
	if !strings.Contains(failed.Error, "secret key does not match") || strings.Contains(failed.Error, "rtmp://") {
		t.Errorf("moved target: %q", failed.Error)
	}
	if got, _ := mine.Get(ctx, ok.ID); !active(got) {
		t.Errorf("the job that opens stopped: %+v", got)
	}
}

func mustEncodeWith(t *testing.T, rec *Record, ring *seal.Keyring) []byte {
	t.Helper()
	b, err := rec.encode(ring)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLegacyRecordInClear: a record written before targets were sealed
// (URLs in clear) still runs, and the first write seals it.
func TestLegacyRecordInClear(t *testing.T) {
	b := newBus(t)
	c := b.client()
	key := streamKey("legacy")
	url := "rtmp://h/live/" + key
	rec := c.newRecord("acme", types.Spec{Room: "r1", Outputs: types.OutputsSpec{RTMP: types.URLs(url)}}.WithDefaults())
	legacy, err := json.Marshal(rec) // the encoding of records before sealing
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(legacy), key) {
		t.Fatal("the legacy record does not hold its URL in clear")
	}
	ctx := context.Background()
	if _, err := c.jobs.Create(ctx, rec.Info.ID, legacy); err != nil {
		t.Fatal(err)
	}
	got, _, err := c.get(ctx, rec.Info.ID)
	if err != nil || got.sealed() != nil || got.Spec.Outputs.RTMP[0].URL != url {
		t.Fatalf("legacy record: %v %v", err, got.sealed())
	}
	if _, err := c.js.Publish(ctx, subjectRequests, []byte(rec.Info.ID), jetstream.WithMsgID(rec.Info.ID)); err != nil {
		t.Fatal(err)
	}
	seen := &seenURLs{}
	b.workerWith("w1", 100, leakyDeps(seen))
	waitJob(t, c, rec.Info.ID, 5*time.Second, active)
	if !seen.has(url) {
		t.Error("the worker did not get the legacy record's target")
	}
	e, err := c.jobs.Get(ctx, rec.Info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(e.Value()), key) {
		t.Error("the record is still in clear after the worker wrote it")
	}
	if got := sealedBy(t, c, rec.Info.ID); !slices.Equal(got, []string{testKeyring.ActiveID()}) {
		t.Errorf("sealed by %v", got)
	}
}

// TestSealedTargetsKeepOrderFree: a sealed target is bound to its job
// and field, not to its index: targets removed or reordered in the
// stored list still open.
func TestSealedTargetsKeepOrderFree(t *testing.T) {
	rec := &Record{Info: types.Info{ID: "EG_AAAAAAAAAAAAAAAA"}, Spec: types.Spec{Outputs: types.OutputsSpec{RTMP: types.URLs("rtmp://h/a/k0", "rtmp://h/a/k1", "rtmp://h/a/k2")}}}
	enc := mustEncode(t, rec)
	stored, err := decodeRecord(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := stored.Spec.Outputs.RTMP
	stored.Spec.Outputs.RTMP = []types.Target{ts[2], ts[0]}
	reordered, err := json.Marshal(stored)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRecord(reordered, testKeyring)
	if err != nil || got.sealed() != nil {
		t.Fatalf("reordered: %v %v", err, got.sealed())
	}
	if got.Spec.Outputs.RTMP[0].URL != "rtmp://h/a/k2" || got.Spec.Outputs.RTMP[1].URL != "rtmp://h/a/k0" {
		t.Fatalf("reordered targets: %+v", got.Spec.Outputs.RTMP)
	}
	// Another job's id: the same sealed values do not open.
	stored.Info.ID = "EG_BBBBBBBBBBBBBBBB"
	moved, _ := json.Marshal(stored)
	got, err = decodeRecord(moved, testKeyring)
	if err != nil || !errors.Is(got.sealed(), seal.ErrTampered) {
		t.Fatalf("moved to another job: %v %v", err, got.sealed())
	}
	if strings.Contains(got.sealed().Error(), "rtmp://") {
		t.Fatalf("the error shows a URL: %v", got.sealed())
	}
	// Written back as it is: still sealed, not sealed twice.
	again, err := got.encode(testKeyring)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := decodeRecord(again, nil)
	if back.Spec.Outputs.RTMP[0].URL != stored.Spec.Outputs.RTMP[0].URL {
		t.Fatal("a record that did not open was not written back as it was")
	}
}

func TestClientAndWorkerNeedAKeyring(t *testing.T) {
	b := newBus(t)
	if _, err := NewClient(context.Background(), ClientConfig{NC: b.conn("api")}); !errors.Is(err, errNoKeyring) {
		t.Errorf("client without a keyring: %v", err)
	}
	if _, err := NewWorker(context.Background(), WorkerConfig{ID: "w1", NC: b.conn("w1"), Deps: testDeps()}); !errors.Is(err, errNoKeyring) {
		t.Errorf("worker without a keyring: %v", err)
	}
}

// busWait bounds the waits for a job's states here: generous, since a
// loaded machine delays the worker (the waits end as soon as the state
// is there).
const busWait = 20 * time.Second
