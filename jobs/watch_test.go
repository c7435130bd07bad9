package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/test/testutil"
)

// TestPeerWatchCostsNoJetStreamRequests: idle workers that watch each
// other make (next to) no JetStream API requests. Listing the workers
// bucket at every probe made the server create a consumer for each list,
// twice a second on every worker.
func TestPeerWatchCostsNoJetStreamRequests(t *testing.T) {
	b := newBus(t)
	b.worker("wa", 100)
	b.worker("wb", 100)
	b.worker("wc", 100)
	js, err := jetstream.New(b.conn("observer"))
	if err != nil {
		t.Fatal(err)
	}
	apiTotal := func() uint64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		info, err := js.AccountInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.API.Total
	}
	// Past the workers' settling (a lease after they connected), they probe.
	settled := time.Now().Add(testLease + 2*watchEvery)
	testutil.Eventually(t, 2*testLease+5*time.Second, "workers settled", func() bool { return time.Now().After(settled) })
	const probes = 8
	before := apiTotal()
	start := time.Now()
	testutil.Eventually(t, probes*watchEvery+5*time.Second, "probes", func() bool { return time.Since(start) >= probes*watchEvery })
	got := apiTotal() - before - 1 // the second AccountInfo itself
	// Three workers probing probes times each listed the bucket 3*probes
	// times; what is left (a lease renewal's read) stays well below.
	if limit := uint64(probes); got >= limit {
		t.Errorf("%d JetStream API requests in %d probe periods of three idle workers; want < %d", got, probes, limit)
	}
	t.Logf("%d JetStream API requests in %v", got, time.Since(start).Round(time.Millisecond))
}

// TestPeerKeysFollowTheBucket: the watched keys follow puts and deletes,
// and a stopped watcher is started again.
func TestPeerKeysFollowTheBucket(t *testing.T) {
	b := newBus(t)
	js, err := jetstream.New(b.conn("test"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "peers-test"})
	if err != nil {
		t.Fatal(err)
	}
	put := func(k string) {
		if _, err := kv.Put(ctx, k, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	put("wa")
	put("wb")
	p := peerKeys{kv: kv}
	defer p.stop()
	want := func(what string, keys ...string) {
		t.Helper()
		testutil.Eventually(t, 5*time.Second, what, func() bool {
			if !p.refresh(ctx) || len(p.keys) != len(keys) {
				return false
			}
			for _, k := range keys {
				if !p.keys[k] {
					return false
				}
			}
			return true
		})
	}
	want("the first keys", "wa", "wb")
	put("wc")
	if err := kv.Delete(ctx, "wa"); err != nil {
		t.Fatal(err)
	}
	want("a put and a delete", "wb", "wc")
	if err := kv.Purge(ctx, "wb"); err != nil {
		t.Fatal(err)
	}
	want("a purge", "wc")
	p.stop()
	want("after a restart", "wc")
}
