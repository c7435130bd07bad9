package tenants

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/test/natstest"
	"github.com/roomcast/roomcast/test/testutil"
)

const waitLimit = 10 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startNATS starts an embedded JetStream server for one test.
func startNATS(t testing.TB) *jobs.Embedded {
	t.Helper()
	return natstest.StartNATS(t)
}

// node is one roomcast process's view of the tenants: its own
// connection and Store.
type node struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	store *Store
	logs  *testutil.SyncBuffer
}

func newNode(t testing.TB, e *jobs.Embedded, ring *seal.Keyring) *node {
	t.Helper()
	js, nc := natstest.JetStream(t, e)
	logs := &testutil.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := Open(testCtx(t), js, ring, log)
	if err != nil {
		t.Fatal(err)
	}
	return &node{nc: nc, js: js, store: s, logs: logs}
}

// run starts n's Run, waits for its first load, and stops it when the
// test ends.
func (n *node) run(t testing.TB) *testutil.Background {
	t.Helper()
	r := testutil.StartBackground(t, waitLimit, n.store.Run)
	if err := n.store.WaitReady(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	return r
}

// testRing is a keyring of fixed keys, each made from its id and
// variant, the first active.
func testRing(t testing.TB, ids ...string) *seal.Keyring {
	t.Helper()
	return ringOf(t, "", ids...)
}

func ringOf(t testing.TB, variant string, ids ...string) *seal.Keyring {
	t.Helper()
	var ks []seal.Key
	for _, id := range ids {
		sum := sha256.Sum256([]byte("test key " + variant + id))
		ks = append(ks, seal.Key{ID: id, Secret: sum[:]})
	}
	r, err := seal.NewKeyring(ks...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// within polls cond until it holds, failing after limit; it returns how
// long that took.
func within(t testing.TB, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}
