// Package ratelimit limits how often each key (an API key, a tenant)
// may act, with one token bucket per key: a key may spend up to burst
// tokens at once, and regains rate tokens per second.
//
// Each bucket is kept in its virtual-scheduling form, the generic cell
// rate algorithm (ITU-T I.371): one "theoretical arrival time" per key,
// which answers exactly as a token bucket does but needs one time value
// and integer arithmetic, so a refused caller learns exactly when a token
// comes back. A bucket whose arrival time has passed is full, and so can
// be forgotten without changing any answer.
package ratelimit

import (
	"hash/maphash"
	"math"
	"time"
)

// DefaultMaxKeys is how many keys a Limiter tracks unless WithMaxKeys
// says otherwise.
const DefaultMaxKeys = 100_000

// maxShards bounds the number of independently locked parts of a
// Limiter, so that callers with different keys rarely wait on each other.
const maxShards = 64

// Limiter holds one token bucket per key. It needs no goroutine: calls
// of Allow also forget the buckets that have refilled. It is safe for
// concurrent use.
type Limiter struct {
	interval  time.Duration // between two tokens: 1/rate
	tolerance time.Duration // how far ahead of now a key may schedule: (burst-1)·interval
	unlimited bool
	maxKeys   int
	now       func() time.Time
	seed      maphash.Seed
	shards    []shard
}

// Option configures a Limiter.
type Option func(*Limiter)

// WithMaxKeys bounds the keys a Limiter tracks (at least 1). Beyond it,
// a new key makes room by evicting a full bucket or, when there is none
// among a few sampled, the least used one, which thereby gets a full
// bucket back: the bound trades exactness for memory only when more than
// n keys are active at once.
func WithMaxKeys(n int) Option {
	return func(l *Limiter) { l.maxKeys = max(n, 1) }
}

// WithClock sets the clock Middleware reads (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(l *Limiter) { l.now = now }
}

// New returns a Limiter allowing each key rate actions per second, with
// bursts of up to burst (at least 1). A rate of 0 or less means no limit.
func New(rate float64, burst int, opts ...Option) *Limiter {
	l := &Limiter{maxKeys: DefaultMaxKeys, now: time.Now, seed: maphash.MakeSeed()}
	for _, o := range opts {
		o(l)
	}
	if rate > 0 { // false for NaN too
		l.interval = time.Duration(math.Min(float64(time.Second)/rate, math.MaxInt64/2))
	}
	l.unlimited = l.interval <= 0 // also a rate above one per nanosecond
	l.tolerance = saturatingMul(l.interval, max(burst, 1)-1)
	l.shards = make([]shard, min(maxShards, l.maxKeys))
	for i := range l.shards {
		l.shards[i].init(l.maxKeys / len(l.shards))
	}
	return l
}

// Allow spends one token of key's bucket at time now. When the bucket is
// empty it spends nothing and returns false and how long until the next
// token.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	if l.unlimited {
		return true, 0
	}
	s := &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
	return s.allow(key, now, l.interval, l.tolerance)
}

// Len returns how many keys the Limiter tracks.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		n += l.shards[i].len()
	}
	return n
}

func saturatingMul(d time.Duration, n int) time.Duration {
	if n > 0 && d > math.MaxInt64/2/time.Duration(n) {
		return math.MaxInt64 / 2
	}
	return d * time.Duration(n)
}
