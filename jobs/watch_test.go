package jobs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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
	// Count the workers' probes of each other: the window is a number of
	// probe rounds seen, not a time, and a worker that never probed (so
	// never listed anything either) fails the wait.
	var probed atomic.Int64
	sub, err := b.conn("probes").Subscribe(subjectAlive+">", func(*nats.Msg) { probed.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	const rounds = 8
	const perRound = 3 * 2 // three workers, two peers each
	testutil.Eventually(t, 2*testLease+5*time.Second, "the workers probing", func() bool { return probed.Load() >= perRound })
	before := apiTotal()
	start, from := time.Now(), probed.Load()
	testutil.Eventually(t, 2*rounds*watchEvery+5*time.Second, "probe rounds", func() bool { return probed.Load()-from >= rounds*perRound })
	got := apiTotal() - before - 1 // the second AccountInfo itself
	// Listing the bucket before each probe made two requests (a consumer
	// created and deleted) per worker and round; what is left (a lease
	// renewal's read) stays well below one per round.
	if limit := uint64(rounds); got >= limit {
		t.Errorf("%d JetStream API requests in %d probe rounds of three idle workers; want < %d", got, rounds, limit)
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
