package spool_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/roomcast/roomcast/storage"
)

var errInjected = errors.New("injected store failure")

// fakeStore keeps objects in memory, records the Put order and fails the
// first failures Puts.
type fakeStore struct {
	mu       sync.Mutex
	objects  map[string][]byte
	order    []string
	failures int
	attempts int
}

func newFakeStore(failures int) *fakeStore {
	return &fakeStore{objects: map[string][]byte{}, failures: failures}
}

func (f *fakeStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := storage.CheckSize(size, int64(len(b))); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.failures > 0 {
		f.failures--
		return errInjected
	}
	f.objects[key] = b
	f.order = append(f.order, key)
	return nil
}

func (f *fakeStore) snapshot() (map[string][]byte, []string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	objs := make(map[string][]byte, len(f.objects))
	for k, v := range f.objects {
		objs[k] = v
	}
	return objs, append([]string(nil), f.order...), f.attempts
}

func (f *fakeStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return nil, storage.ErrNotFound
}

func (f *fakeStore) Stat(ctx context.Context, key string) (storage.Object, error) {
	return storage.Object{}, storage.ErrNotFound
}

func (f *fakeStore) List(ctx context.Context, prefix, after string, limit int) ([]storage.Object, error) {
	return nil, nil
}

func (f *fakeStore) Delete(ctx context.Context, key string) error { return nil }

func (f *fakeStore) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return "", storage.ErrPresignUnsupported
}
