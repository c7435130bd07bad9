package tenants

import (
	"slices"
	"testing"
	"time"
)

// authBar is the bar for one Authenticate.
const authBar = 50 * time.Microsecond

// loadedStore is a running node with tenants and keys; it returns one
// valid presented key.
func loadedStore(t testing.TB) (*Store, string) {
	t.Helper()
	e := startNATS(t)
	n := newNode(t, e, testRing(t, "k1"))
	n.run(t)
	var key string
	for _, id := range []string{"acme", "beta", "gamma"} {
		if _, err := n.store.Create(testCtx(t), Tenant{ID: id}); err != nil {
			t.Fatal(err)
		}
		for range 10 {
			_, k, err := n.store.CreateKey(testCtx(t), id)
			if err != nil {
				t.Fatal(err)
			}
			key = k
		}
	}
	within(t, propagation, "keys loaded", func() bool { _, _, ok := n.store.Authenticate(key); return ok })
	return n.store, key
}

// TestAuthenticateLatency measures each of many calls, valid and not,
// and fails when the 99th percentile passes the bar.
func TestAuthenticateLatency(t *testing.T) {
	s, key := loadedStore(t)
	wrong := key[:len(key)-2] + "AA"
	const calls = 20000
	took := make([]time.Duration, calls)
	for i := range took {
		k := key
		if i%4 == 0 {
			k = wrong
		}
		start := time.Now()
		_, _, ok := s.Authenticate(k)
		took[i] = time.Since(start)
		if ok == (i%4 == 0) {
			t.Fatalf("call %d: ok %v", i, ok)
		}
	}
	slices.Sort(took)
	p50, p99 := took[calls/2], took[calls*99/100]
	t.Logf("Authenticate: p50 %s, p99 %s, max %s", p50, p99, took[calls-1])
	if p99 > authBar {
		t.Fatalf("p99 %s over %s", p99, authBar)
	}
	if allocs := testing.AllocsPerRun(1000, func() { s.Authenticate(key) }); allocs != 0 {
		t.Fatalf("Authenticate allocates %.1f times a call", allocs)
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	s, key := loadedStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := s.Authenticate(key); !ok {
			b.Fatal("refused")
		}
	}
}
