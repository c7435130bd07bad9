package spool_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/spool"
	"github.com/roomcast/roomcast/test/testutil"
)

// slowStore is a fakeStore whose Puts take a while and counts how many
// run at once.
type slowStore struct {
	*fakeStore
	delay         time.Duration
	mu            sync.Mutex
	running, peak int
}

func (s *slowStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	s.mu.Lock()
	s.running++
	s.peak = max(s.peak, s.running)
	s.mu.Unlock()
	time.Sleep(s.delay)
	defer func() { s.mu.Lock(); s.running--; s.mu.Unlock() }()
	return s.fakeStore.Put(ctx, key, r, size)
}

func TestGroupsUploadConcurrentlyInOrder(t *testing.T) {
	store := &slowStore{fakeStore: newFakeStore(0), delay: 20 * time.Millisecond}
	opts := fastRetry
	opts.Workers = 4
	s := open(t, t.TempDir(), store, opts)
	want := map[string][]string{}
	for i := range 6 {
		for _, g := range []string{"t/r1", "t/r2", "t/r3", "t/r4"} {
			key := fmt.Sprintf("%s/seg-%d", g, i)
			want[g] = append(want[g], key)
			if err := s.Enqueue(key, []byte(key)); err != nil {
				t.Fatal(err)
			}
		}
	}
	start := time.Now()
	run(t, s)
	flush(t, s)
	elapsed := time.Since(start)
	_, order, _ := store.snapshot()
	for g, keys := range want {
		var got []string
		for _, k := range order {
			if strings.HasPrefix(k, g+"/") {
				got = append(got, k)
			}
		}
		if !slices.Equal(got, keys) {
			t.Errorf("group %s uploaded %q, want %q", g, got, keys)
		}
	}
	if store.peak < 2 {
		t.Errorf("at most %d uploads ran at once, want several groups in parallel", store.peak)
	}
	t.Logf("24 uploads of 20 ms in %v, %d at once", elapsed.Round(time.Millisecond), store.peak)
}

func TestNewerEntrySupersedesWaitingOne(t *testing.T) {
	store := newFakeStore(0)
	s := open(t, t.TempDir(), store, fastRetry)
	for i := range 3 {
		if err := s.Enqueue("t/r1/seg-"+fmt.Sprint(i), []byte("seg")); err != nil {
			t.Fatal(err)
		}
		if err := s.Enqueue("t/r1/manifest.json", []byte(fmt.Sprintf("v%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Status(); st.Pending != 4 || st.Superseded != 2 {
		t.Fatalf("before upload: %+v, want 4 pending and 2 superseded", st)
	}
	run(t, s)
	flush(t, s)
	objs, order, _ := store.snapshot()
	want := []string{"t/r1/seg-0", "t/r1/seg-1", "t/r1/seg-2", "t/r1/manifest.json"}
	if !slices.Equal(order, want) || string(objs["t/r1/manifest.json"]) != "v2" {
		t.Errorf("uploaded %q (manifest %q), want %q with v2", order, objs["t/r1/manifest.json"], want)
	}
}

func TestDegradedWhileAnyUploadFails(t *testing.T) {
	store := newFakeStore(3)
	s := open(t, t.TempDir(), store, spool.Options{MinBackoff: 30 * time.Millisecond, MaxBackoff: 30 * time.Millisecond})
	if err := s.Enqueue("t/r1/seg-0", []byte("x")); err != nil {
		t.Fatal(err)
	}
	run(t, s)
	testutil.Eventually(t, 10*time.Second, "degraded", func() bool { return s.Status().Degraded && s.Status().LastError != nil })
	flush(t, s)
	if st := s.Status(); st.Degraded || st.LastError != nil {
		t.Errorf("after recovery: %+v", st)
	}
}

func TestTakeReturnsNewestAndRemovesAll(t *testing.T) {
	store := newFakeStore(0)
	dir := t.TempDir()
	s := open(t, dir, store, fastRetry)
	for i := range 3 {
		if err := s.Enqueue("t/r1/seg-"+fmt.Sprint(i), []byte("seg")); err != nil {
			t.Fatal(err)
		}
	}
	// Before Run nothing is in flight: superseding already keeps only the
	// newest manifest, and Take removes it.
	for _, v := range []string{"v1", "v2"} {
		if err := s.Enqueue("t/r1/manifest.json", []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	data, ok, err := s.Take("t/r1/manifest.json")
	if err != nil || !ok || string(data) != "v2" {
		t.Fatalf("Take = %q %v %v, want v2", data, ok, err)
	}
	if _, ok, _ := s.Take("t/r1/manifest.json"); ok {
		t.Error("a second Take found an entry")
	}
	run(t, s)
	flush(t, s)
	objs, _, _ := store.snapshot()
	if _, found := objs["t/r1/manifest.json"]; found || len(objs) != 3 {
		t.Errorf("store has %d objects (manifest %v), want the 3 segments only", len(objs), found)
	}
}

// TestFlushGroupWaitsForItsGroupOnly: a group's flush returns once its
// own entries are uploaded, while another group's still wait.
func TestFlushGroupWaitsForItsGroupOnly(t *testing.T) {
	blocked := make(chan struct{})
	st := &gatedStore{fakeStore: newFakeStore(0), key: "b/1", gate: blocked}
	sp, err := spool.Open(t.TempDir(), st, spool.Options{MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(ctx) }()
	defer func() { close(blocked); cancel(); <-done }()
	for _, k := range []string{"a/1", "b/1", "a/2"} {
		if err := sp.Enqueue(k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	fctx, fcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer fcancel()
	if err := sp.FlushGroup(fctx, "a"); err != nil {
		t.Fatal(err)
	}
	if objs, _, _ := st.snapshot(); objs["a/1"] == nil || objs["a/2"] == nil {
		t.Error("group a flushed before its objects were stored")
	}
	short, scancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer scancel()
	if err := sp.FlushGroup(short, "b"); err == nil {
		t.Error("group b flushed while its upload is held")
	}
}

// gatedStore holds the Put of one key until gate closes.
type gatedStore struct {
	*fakeStore
	key  string
	gate chan struct{}
}

func (g *gatedStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if key == g.key {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.fakeStore.Put(ctx, key, r, size)
}
