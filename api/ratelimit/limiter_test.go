package ratelimit

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// spend calls Allow n times at now and returns how many were allowed.
func spend(l *Limiter, key string, now time.Time, n int) int {
	allowed := 0
	for range n {
		if ok, _ := l.Allow(key, now); ok {
			allowed++
		}
	}
	return allowed
}

func TestBurstThenRefusal(t *testing.T) {
	l := New(10, 5)
	if got := spend(l, "k", t0, 5); got != 5 {
		t.Fatalf("burst: %d of 5 allowed", got)
	}
	ok, wait := l.Allow("k", t0)
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("after the burst: ok=%v retryAfter=%v, want refused for 100ms", ok, wait)
	}
	if ok, _ := l.Allow("other", t0); !ok {
		t.Fatal("another key was refused")
	}
}

func TestRefill(t *testing.T) {
	l := New(10, 5)
	spend(l, "k", t0, 5)
	if got := spend(l, "k", t0.Add(250*time.Millisecond), 5); got != 2 {
		t.Fatalf("after 250ms at 10/s: %d allowed, want 2", got)
	}
	// An hour idle refills the bucket to the burst, not beyond.
	if got := spend(l, "k", t0.Add(time.Hour), 10); got != 5 {
		t.Fatalf("after an hour: %d allowed, want the burst of 5", got)
	}
}

func TestRetryAfterExact(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		burst int
		want  time.Duration
	}{
		{10, 1, 100 * time.Millisecond},
		{3, 2, 333333333 * time.Nanosecond},
		{0.5, 1, 2 * time.Second},
		{1.0 / 3600, 3, time.Hour},
	} {
		l := New(tc.rate, tc.burst)
		spend(l, "k", t0, tc.burst)
		ok, wait := l.Allow("k", t0)
		if ok || wait != tc.want {
			t.Errorf("rate %v: ok=%v retryAfter=%v, want refused for %v", tc.rate, ok, wait, tc.want)
			continue
		}
		half := t0.Add(wait / 2)
		if ok, w := l.Allow("k", half); ok || w != wait-wait/2 {
			t.Errorf("rate %v, halfway: ok=%v retryAfter=%v, want %v", tc.rate, ok, w, wait-wait/2)
		}
		if ok, _ := l.Allow("k", t0.Add(wait-time.Nanosecond)); ok {
			t.Errorf("rate %v: allowed 1ns before retryAfter", tc.rate)
		}
		if ok, _ := l.Allow("k", t0.Add(wait)); !ok {
			t.Errorf("rate %v: refused at retryAfter", tc.rate)
		}
	}
}

func TestClockBackwards(t *testing.T) {
	l := New(1, 1)
	spend(l, "k", t0, 1)
	if ok, wait := l.Allow("k", t0.Add(-time.Minute)); ok || wait != time.Minute+time.Second {
		t.Fatalf("earlier time: ok=%v retryAfter=%v, want refused", ok, wait)
	}
}

func TestUnlimited(t *testing.T) {
	for _, rate := range []float64{0, -1, math.NaN(), math.Inf(1), 2e9} {
		l := New(rate, 1)
		if got := spend(l, "k", t0, 1000); got != 1000 {
			t.Errorf("rate %v: %d of 1000 allowed", rate, got)
		}
		if l.Len() != 0 {
			t.Errorf("rate %v: tracks %d keys", rate, l.Len())
		}
	}
}

func TestBurstBelowOne(t *testing.T) {
	l := New(1, 0)
	if got := spend(l, "k", t0, 3); got != 1 {
		t.Fatalf("burst 0 allowed %d, want 1 (a burst of at least 1)", got)
	}
}

func TestManyKeysBounded(t *testing.T) {
	l := New(1, 5, WithMaxKeys(1000))
	for i := range 100_000 {
		if ok, _ := l.Allow("key-"+strconv.Itoa(i), t0); !ok {
			t.Fatalf("new key %d refused", i)
		}
		if i%10_000 == 0 && l.Len() > 1000 {
			t.Fatalf("after %d keys: tracks %d, bound 1000", i+1, l.Len())
		}
	}
	if n := l.Len(); n > 1000 || n < 900 {
		t.Fatalf("tracks %d keys, want near but not above 1000", n)
	}
}

func TestDefaultBound(t *testing.T) {
	l := New(1, 1)
	for i := range DefaultMaxKeys + 5000 {
		l.Allow(strconv.Itoa(i), t0)
	}
	if n := l.Len(); n > DefaultMaxKeys {
		t.Fatalf("tracks %d keys, bound %d", n, DefaultMaxKeys)
	}
}

// TestIdleForgotten checks that calls forget buckets that have refilled,
// with no goroutine.
func TestIdleForgotten(t *testing.T) {
	l := New(10, 5)
	for i := range 5000 {
		l.Allow(strconv.Itoa(i), t0)
	}
	if l.Len() != 5000 {
		t.Fatalf("tracks %d keys, want 5000", l.Len())
	}
	// 2000 keys reach each of the 64 shards but for a chance of 1e-12.
	later := t0.Add(2 * sweepEvery)
	for i := range 2000 {
		l.Allow("active-"+strconv.Itoa(i), later)
	}
	if n := l.Len(); n != 2000 {
		t.Fatalf("after the idle keys refilled: tracks %d keys, want the 2000 active", n)
	}
}

func TestEvictionPrefersFull(t *testing.T) {
	var s shard
	s.init(2)
	s.allow("busy", t0, time.Second, 0)
	s.allow("idle", t0.Add(-time.Hour), time.Second, 0) // full again by t0
	s.allow("new", t0, time.Second, 0)
	if _, ok := s.arrival["busy"]; !ok || len(s.arrival) != 2 {
		t.Fatalf("evicted the busy bucket: %v", s.arrival)
	}
	s.allow("newer", t0, time.Second, 0) // none full: the one refilling soonest goes
	if _, ok := s.arrival["newer"]; !ok || len(s.arrival) != 2 {
		t.Fatalf("after a second eviction: %v", s.arrival)
	}
}

// TestConcurrent spends from a few keys in many goroutines at one time:
// exactly the burst of each key is allowed.
func TestConcurrent(t *testing.T) {
	const keys, burst, goroutines, calls = 4, 100, 8, 500
	l := New(1, burst)
	var allowed [keys]atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				k := (g + i) % keys
				if ok, _ := l.Allow("key-"+strconv.Itoa(k), t0); ok {
					allowed[k].Add(1)
				}
			}
		})
	}
	wg.Wait()
	for k := range allowed {
		if got := allowed[k].Load(); got != burst {
			t.Errorf("key %d: %d allowed, want the burst of %d", k, got, burst)
		}
	}
}

func BenchmarkAllowParallel(b *testing.B) {
	l := New(1e6, 1000)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Allow("key-"+strconv.Itoa(i%1000), t0.Add(time.Duration(i)*time.Microsecond))
			i++
		}
	})
}
