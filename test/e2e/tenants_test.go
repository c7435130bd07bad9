package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/s3"
	"github.com/roomcast/roomcast/storage/storetest"
	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/natsscan"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

const (
	isoAdminKey = "admin-key-of-the-operator-0123456789"
	// Secrets the NATS scan looks for.
	acmeS3Secret   = "acme-s3-secret-9f8e7d6c5b4a"
	acmeHookSecret = "whsec-acme-1a2b3c4d5e6f7a8b"
	betaHookSecret = "whsec-beta-9z8y7x6w5v4u3t2s"
	acmeKeyLive    = "acme-stream-key-live-7d3f"
	acmeKeyBackup  = "acme-stream-key-backup-2c8e"
)

// tenantOf is one tenant as the test drives it.
type isoTenant struct {
	id, key string
	hooks   *hookReceiver
	job     string
	rec     string
}

// TestTenantIsolation: two tenants created with the admin key, each with
// a room called demo, a job with a recording and RTMP targets, and a
// webhook. Every /v1 route called with one's key on the other's ids
// answers 404; listings show only the caller's objects; neither webhook
// gets the other's events; acme's recording lands in acme's own bucket
// (another MinIO, its own credentials), beta's in the shared one; and no
// stream key, S3 secret or webhook secret is in clear anywhere in NATS.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	shared := minioBackend(t)
	own := storetest.StartMinIOAs(t, "acme-access", acmeS3Secret)
	ng := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true})
	nats := harness.StartNATS(t, binary)
	// The jobs run on a standalone worker: it reaches each tenant's room
	// with the workers' key, and each tenant's storage through the
	// tenants' settings on NATS.
	s := harness.StartServerIn(t, binary, t.TempDir(), append(shared.env, "ROOMCAST_ADMIN_KEY="+isoAdminKey,
		"ROOMCAST_NATS_URL="+nats.URL, "ROOMCAST_WORKERS=0")...)
	harness.StartWorker(t, binary, nats.URL, s, "w1", append(shared.env, "ROOMCAST_WORKER_CAPACITY=1000")...)

	// acme's own bucket, made by acme beforehand.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mk, err := s3.Open(ctx, s3.Config{Endpoint: own.Endpoint, Region: own.Region, Bucket: "acme-recordings", PathStyle: true,
		AccessKey: own.AccessKey, SecretKey: own.SecretKey, CreateBucket: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = mk.Close()
	// Wrong credentials for it are refused when set, naming the setting.
	ownStorage := func(secret string) map[string]any {
		return map[string]any{"endpoint": own.Endpoint, "region": own.Region, "bucket": "acme-recordings",
			"access_key_id": own.AccessKey, "secret_access_key": secret, "path_style": true}
	}
	var e APIError
	if code := s.DoKey(t, isoAdminKey, "POST", "/v1/tenants", map[string]any{"id": "acme", "settings": map[string]any{"storage": ownStorage("not-the-secret")}}, &e); code != http.StatusBadRequest || e.Error.Field != "settings.storage" || strings.Contains(e.Error.Message, "not-the-secret") {
		t.Errorf("a tenant storage with wrong credentials: %d %+v", code, e.Error)
	}

	acme := &isoTenant{id: "acme", hooks: &hookReceiver{t: t, secret: acmeHookSecret, seen: map[string]bool{}}}
	beta := &isoTenant{id: "beta", hooks: &hookReceiver{t: t, secret: betaHookSecret, seen: map[string]bool{}}}
	for _, tn := range []*isoTenant{acme, beta} {
		hook := httptest.NewServer(tn.hooks)
		t.Cleanup(hook.Close)
		secret := acmeHookSecret
		if tn == beta {
			secret = betaHookSecret
		}
		settings := map[string]any{"webhook": map[string]any{"url": hook.URL + "/hooks", "secret": secret}}
		if tn == acme {
			settings["storage"] = ownStorage(acmeS3Secret)
		}
		createTenant(t, s, tn.id, settings)
		tn.key = createKey(t, s, tn.id)
	}

	// Both tenants have a room called demo; acme has one more.
	for _, tn := range []*isoTenant{acme, beta} {
		for _, r := range []string{"demo", "only-" + tn.id} {
			if code := s.DoKey(t, tn.key, "POST", "/v1/rooms", map[string]string{"name": r}, nil); code != http.StatusCreated {
				t.Fatalf("%s creates %s: %d", tn.id, r, code)
			}
		}
		s.StartPublisherArgs(t, "demo", "host-"+tn.id, "--token", tn.key, "--codec", "h264", "--duration", "2m")
	}
	for _, tn := range []*isoTenant{acme, beta} {
		Eventually(t, 20*time.Second, tn.id+"'s publisher in its demo", func() bool {
			var info RoomInfo
			s.DoKey(t, tn.key, "GET", "/v1/rooms/demo", nil, &info)
			return len(info.Participants) == 1 && info.Participants[0].Name == "host-"+tn.id && len(info.Participants[0].Tracks) == 2
		})
	}

	// A job each: a recording, and RTMP targets (two for acme).
	for _, tn := range []*isoTenant{acme, beta} {
		targets := []string{ng.RTMPURL(ng.App(), "beta-stream-key")}
		if tn == acme {
			targets = []string{ng.RTMPURL(ng.App(), acmeKeyLive), ng.RTMPURL(ng.App(), acmeKeyBackup)}
		}
		var job struct {
			ID      string `json:"id"`
			Outputs struct {
				Record struct {
					RecordingID string `json:"recording_id"`
				} `json:"record"`
			} `json:"outputs"`
		}
		body := map[string]any{"room": "demo", "layout": "grid", "outputs": map[string]any{"rtmp": targets, "record": map[string]any{}}}
		if code := s.DoKey(t, tn.key, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
			t.Fatalf("%s starts a job: %d", tn.id, code)
		}
		tn.job, tn.rec = job.ID, job.Outputs.Record.RecordingID
	}
	for _, tn := range []*isoTenant{acme, beta} {
		Eventually(t, 40*time.Second, tn.id+"'s job live with segments", func() bool {
			var j recordJob
			s.DoKey(t, tn.key, "GET", "/v1/egress/"+tn.job, nil, &j)
			return j.Status == "active" && j.Outputs.Record != nil && j.Outputs.Record.Segments >= 2
		})
	}

	// The operator's metrics carry each job's tenant.
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, tn := range []*isoTenant{acme, beta} {
		if want := `roomcast_egress_record_segments_total{egress="` + tn.job + `",tenant="` + tn.id + `"}`; !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	checkCrossTenant404(t, s, beta.key, acme)
	checkCrossTenant404(t, s, acme.key, beta)
	checkListings(t, s, acme, beta)
	checkListings(t, s, beta, acme)

	for _, tn := range []*isoTenant{acme, beta} {
		if code := s.DoKey(t, tn.key, "DELETE", "/v1/egress/"+tn.job, nil, nil); code != http.StatusOK {
			t.Fatalf("%s stops its job: %d", tn.id, code)
		}
	}
	for _, tn := range []*isoTenant{acme, beta} {
		Eventually(t, 30*time.Second, tn.id+"'s recording complete and its recording_ready delivered", func() bool {
			var m manifest
			s.DoKey(t, tn.key, "GET", "/v1/recordings/"+tn.rec, nil, &m)
			return m.Status == "complete" && slices.Contains(tn.hooks.of(tn.job), "recording_ready")
		})
	}
	checkHooks(t, acme, beta)
	checkHooks(t, beta, acme)
	checkBuckets(t, shared.minio, own, acme, beta)

	// Nothing secret in clear on the bus: stream keys, the tenant's S3
	// secret, the webhook secrets, and the API keys minted for them.
	rep, err := natsscan.ScanURL(ctx, nats.URL, []string{acmeKeyLive, acmeKeyBackup, "beta-stream-key", acmeS3Secret, acmeHookSecret, betaHookSecret,
		secretPart(acme.key), secretPart(beta.key)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) > 0 {
		t.Errorf("secrets in clear in NATS:\n%s", rep)
	}
	t.Logf("NATS scan: %s", rep)
	for _, secret := range []string{acmeKeyLive, acmeS3Secret, acmeHookSecret, secretPart(acme.key)} {
		if strings.Contains(s.Output(), secret) {
			t.Errorf("a secret appears in roomcast's log")
		}
	}
}

// secretPart is an API key's secret, after rck_<id>_ (the secret, in
// base64url, may hold '_' itself).
func secretPart(key string) string {
	parts := strings.SplitN(key, "_", 3)
	return parts[len(parts)-1]
}

func createTenant(t *testing.T, s *Server, id string, settings map[string]any) {
	t.Helper()
	var e APIError
	if code := s.DoKey(t, isoAdminKey, "POST", "/v1/tenants", map[string]any{"id": id, "settings": settings}, &e); code != http.StatusCreated {
		t.Fatalf("create tenant %s: %d %+v", id, code, e.Error)
	}
}

func createKey(t *testing.T, s *Server, tenant string) string {
	t.Helper()
	var k struct{ Key string }
	if code := s.DoKey(t, isoAdminKey, "POST", "/v1/tenants/"+tenant+"/keys", nil, &k); code != http.StatusCreated || k.Key == "" {
		t.Fatalf("create a key for %s: %d", tenant, code)
	}
	return k.Key
}

// checkCrossTenant404: key (another tenant's) on every /v1 route that
// names one of victim's objects gets 404, never 403 and never the object.
func checkCrossTenant404(t *testing.T, s *Server, key string, victim *isoTenant) {
	t.Helper()
	only := "only-" + victim.id
	var m manifest
	s.DoKey(t, victim.key, "GET", "/v1/recordings/"+victim.rec, nil, &m)
	file := "init-0.mp4"
	if len(m.Inits) > 0 {
		file = m.Inits[0].Name
	}
	var room RoomInfo
	s.DoKey(t, victim.key, "GET", "/v1/rooms/demo", nil, &room)
	participant := "PA_none"
	if len(room.Participants) > 0 {
		participant = room.Participants[0].ID
	}
	since := time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/egress/" + victim.job},
		{"PATCH", "/v1/egress/" + victim.job},
		{"DELETE", "/v1/egress/" + victim.job},
		{"GET", "/v1/recordings/" + victim.rec},
		{"GET", "/v1/recordings/" + victim.rec + "/index.m3u8"},
		{"GET", "/v1/recordings/" + victim.rec + "/download"},
		{"GET", "/v1/recordings/" + victim.rec + "/files/" + file},
		{"DELETE", "/v1/recordings/" + victim.rec},
		{"GET", "/v1/rooms/" + only},
		{"DELETE", "/v1/rooms/" + only},
		{"GET", "/v1/rooms/" + only + "/history?since=" + since},
		{"POST", "/v1/rooms/" + only + "/tokens"},
		{"POST", "/v1/rooms/" + only + "/whip"},
		{"POST", "/v1/rooms/" + only + "/subscribe"},
		{"DELETE", "/v1/rooms/demo/whip/" + participant},
	} {
		var body any
		switch {
		case c.method == "PATCH":
			body = map[string]any{"layout": "speaker"}
		case strings.HasSuffix(c.path, "/tokens"):
			body = map[string]any{"publish": true}
		}
		var e APIError
		code := doRaw(t, s, key, c.method, c.path, body, &e)
		if code != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Errorf("%s %s with another tenant's key: %d %+v, want 404 not_found", c.method, c.path, code, e.Error)
		}
	}
	// The victim's objects are untouched.
	var j recordJob
	if code := s.DoKey(t, victim.key, "GET", "/v1/egress/"+victim.job, nil, &j); code != http.StatusOK || j.Status != "active" {
		t.Errorf("%s's job after the other's attempts: %d %s", victim.id, code, j.Status)
	}
	if code := s.DoKey(t, victim.key, "GET", "/v1/rooms/"+only, nil, nil); code != http.StatusOK {
		t.Errorf("%s's room after the other's attempts: %d", victim.id, code)
	}
}

// doRaw is DoKey for WHIP (an SDP body) and the rest (JSON).
func doRaw(t *testing.T, s *Server, key, method, path string, body any, out any) int {
	t.Helper()
	if !strings.HasSuffix(path, "/whip") && !strings.HasSuffix(path, "/subscribe") {
		return s.DoKey(t, key, method, path, body, out)
	}
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader("v=0\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/sdp")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_ = jsonDecode(resp, out)
	return resp.StatusCode
}

// checkListings: tn's listings show its own objects and none of other's.
func checkListings(t *testing.T, s *Server, tn, other *isoTenant) {
	t.Helper()
	var jobs struct {
		Egress []struct {
			ID     string `json:"id"`
			Tenant string `json:"tenant"`
		} `json:"egress"`
	}
	s.DoKey(t, tn.key, "GET", "/v1/egress", nil, &jobs)
	if len(jobs.Egress) != 1 || jobs.Egress[0].ID != tn.job {
		t.Errorf("%s lists jobs %+v, want only %s", tn.id, jobs.Egress, tn.job)
	}
	var recs struct {
		Recordings []struct{ ID string } `json:"recordings"`
	}
	s.DoKey(t, tn.key, "GET", "/v1/recordings", nil, &recs)
	if len(recs.Recordings) != 1 || recs.Recordings[0].ID != tn.rec {
		t.Errorf("%s lists recordings %+v, want only %s", tn.id, recs.Recordings, tn.rec)
	}
	var rooms struct{ Rooms []RoomInfo }
	s.DoKey(t, tn.key, "GET", "/v1/rooms", nil, &rooms)
	var names []string
	for _, r := range rooms.Rooms {
		names = append(names, r.Name)
		for _, p := range r.Participants {
			if p.Name == "host-"+other.id {
				t.Errorf("%s sees %s's participant", tn.id, other.id)
			}
		}
	}
	if fmt.Sprint(names) != fmt.Sprintf("[demo only-%s]", tn.id) {
		t.Errorf("%s lists rooms %v", tn.id, names)
	}
	var ws struct {
		Workers []struct{ Jobs []string } `json:"workers"`
	}
	s.DoKey(t, tn.key, "GET", "/v1/workers", nil, &ws)
	for _, w := range ws.Workers {
		for _, j := range w.Jobs {
			if j == other.job {
				t.Errorf("%s sees %s's job on a worker", tn.id, other.id)
			}
		}
	}
}

// checkHooks: tn's webhook got its own job's events and none of other's.
func checkHooks(t *testing.T, tn, other *isoTenant) {
	t.Helper()
	if types := tn.hooks.of(tn.job); len(types) < 3 || types[0] != "egress_started" {
		t.Errorf("%s's webhook got %v for its job", tn.id, types)
	}
	tn.hooks.mu.Lock()
	defer tn.hooks.mu.Unlock()
	for _, ev := range tn.hooks.events {
		if ev.Tenant != tn.id || ev.EgressID == other.job {
			t.Errorf("%s's webhook got an event of %s: %s %s", tn.id, ev.Tenant, ev.Type, ev.EgressID)
		}
	}
}

// checkBuckets: acme's recording is in acme's own bucket and not in the
// shared one; beta's is in the shared one.
func checkBuckets(t *testing.T, shared, own *storetest.MinIO, acme, beta *isoTenant) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	open := func(m *storetest.MinIO, bucket string) *s3.Store {
		st, err := s3.Open(ctx, s3.Config{Endpoint: m.Endpoint, Region: m.Region, Bucket: bucket, PathStyle: true, AccessKey: m.AccessKey, SecretKey: m.SecretKey}, nil)
		if err != nil {
			t.Fatalf("open %s: %v", bucket, err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	count := func(st *s3.Store, prefix string) int {
		objs, err := st.List(ctx, prefix, "", 0)
		if err != nil {
			t.Fatalf("list %s: %v", prefix, err)
		}
		return len(objs)
	}
	acmeBucket, sharedBucket := open(own, "acme-recordings"), open(shared, "recordings")
	if n := count(acmeBucket, "acme/demo/"+acme.rec+"/"); n < 3 {
		t.Errorf("acme's bucket holds %d objects of its recording", n)
	}
	if n := count(sharedBucket, "acme/"); n != 0 {
		t.Errorf("the shared bucket holds %d objects of acme", n)
	}
	if n := count(sharedBucket, "beta/demo/"+beta.rec+"/"); n < 3 {
		t.Errorf("the shared bucket holds %d objects of beta's recording", n)
	}
	if n := count(acmeBucket, "beta/"); n != 0 {
		t.Errorf("acme's bucket holds %d objects of beta", n)
	}
}

// jsonDecode decodes a JSON answer into out (when not nil).
func jsonDecode(resp *http.Response, out any) error {
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
