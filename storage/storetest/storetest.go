// Package storetest holds the conformance tests that every storage.Store
// must pass, and a launcher for a local MinIO server to run them against S3.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage"
)

// Run runs the conformance suite. newStore must return an empty store; it
// is called once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"PutGet", testPutGet},
		{"Overwrite", testOverwrite},
		{"Empty", testEmpty},
		{"Large", testLarge},
		{"SizeMismatch", testSizeMismatch},
		{"NotFound", testNotFound},
		{"Stat", testStat},
		{"List", testList},
		{"Delete", testDelete},
		{"InvalidKeys", testInvalidKeys},
		{"Presign", testPresign},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func put(t *testing.T, s storage.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(ctx(t), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, s storage.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

func testPutGet(t *testing.T, s storage.Store) {
	put(t, s, "rooms/r1/seg-0001.m4s", []byte("hello"))
	if got := get(t, s, "rooms/r1/seg-0001.m4s"); string(got) != "hello" {
		t.Fatalf("Get = %q, want hello", got)
	}
}

func testOverwrite(t *testing.T, s storage.Store) {
	put(t, s, "a/b", []byte("first version"))
	put(t, s, "a/b", []byte("second"))
	if got := get(t, s, "a/b"); string(got) != "second" {
		t.Fatalf("Get = %q, want second", got)
	}
}

func testEmpty(t *testing.T, s storage.Store) {
	put(t, s, "empty", nil)
	if got := get(t, s, "empty"); len(got) != 0 {
		t.Fatalf("Get = %d bytes, want 0", len(got))
	}
}

// testLarge crosses the 16 MiB single-request limit of the S3 store.
func testLarge(t *testing.T, s storage.Store) {
	data := make([]byte, 17<<20+123)
	_, _ = rand.Read(data)
	put(t, s, "big/object.bin", data)
	if got := get(t, s, "big/object.bin"); !bytes.Equal(got, data) {
		t.Fatalf("large object differs: got %d bytes, want %d", len(got), len(data))
	}
	// A reader shorter than announced fails past the first part too.
	err := s.Put(ctx(t), "big/short.bin", bytes.NewReader(data), int64(len(data))+1)
	if !errors.Is(err, storage.ErrSizeMismatch) {
		t.Fatalf("large Put with a short reader = %v, want ErrSizeMismatch", err)
	}
	if _, err := s.Stat(ctx(t), "big/short.bin"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat after failed large Put = %v, want ErrNotFound", err)
	}
	// An unknown size (-1) must work too.
	if err := s.Put(ctx(t), "big/unknown.bin", bytes.NewReader(data[:1000]), -1); err != nil {
		t.Fatalf("Put with size -1: %v", err)
	}
	if got := get(t, s, "big/unknown.bin"); !bytes.Equal(got, data[:1000]) {
		t.Fatalf("unknown-size object differs")
	}
}

func testSizeMismatch(t *testing.T, s storage.Store) {
	for _, size := range []int64{10, 3} {
		err := s.Put(ctx(t), "short", strings.NewReader("12345"), size)
		if !errors.Is(err, storage.ErrSizeMismatch) {
			t.Fatalf("Put(size %d of 5) = %v, want ErrSizeMismatch", size, err)
		}
	}
	if _, err := s.Stat(ctx(t), "short"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat after failed Put = %v, want ErrNotFound", err)
	}
}

func testNotFound(t *testing.T, s storage.Store) {
	put(t, s, "file", []byte("x"))
	for _, key := range []string{"missing", "dir/missing", "file/below"} {
		if _, err := s.Get(ctx(t), key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", key, err)
		}
	}
}

func testStat(t *testing.T, s storage.Store) {
	before := time.Now().Add(-time.Minute)
	put(t, s, "x/y.ts", []byte("12345"))
	o, err := s.Stat(ctx(t), "x/y.ts")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if o.Key != "x/y.ts" || o.Size != 5 {
		t.Fatalf("Stat = %+v, want key x/y.ts size 5", o)
	}
	if o.Modified.Before(before) || o.Modified.After(time.Now().Add(time.Minute)) {
		t.Fatalf("Stat modified %v is not about now", o.Modified)
	}
}

func testList(t *testing.T, s storage.Store) {
	keys := []string{"a/b", "a-c", "a/a/z", "a/c", "ab", "b/x", "a/b2"}
	for _, k := range keys {
		put(t, s, k, []byte(k))
	}
	cases := []struct {
		prefix, after string
		limit         int
		want          []string
	}{
		{"", "", 0, []string{"a-c", "a/a/z", "a/b", "a/b2", "a/c", "ab", "b/x"}},
		{"a/", "", 0, []string{"a/a/z", "a/b", "a/b2", "a/c"}},
		{"a/b", "", 0, []string{"a/b", "a/b2"}},
		{"a", "a/b", 0, []string{"a/b2", "a/c", "ab"}},
		{"", "", 2, []string{"a-c", "a/a/z"}},
		{"", "a/a/z", 2, []string{"a/b", "a/b2"}},
		{"zzz", "", 0, nil},
		{"b/x/", "", 0, nil},
	}
	for _, c := range cases {
		objs, err := s.List(ctx(t), c.prefix, c.after, c.limit)
		if err != nil {
			t.Fatalf("List(%q, %q, %d): %v", c.prefix, c.after, c.limit, err)
		}
		got := make([]string, 0, len(objs))
		for _, o := range objs {
			got = append(got, o.Key)
			if o.Size != int64(len(o.Key)) {
				t.Errorf("List: %q size %d, want %d", o.Key, o.Size, len(o.Key))
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("List(%q, %q, %d) = %q, want %q", c.prefix, c.after, c.limit, got, c.want)
		}
	}
}

func testDelete(t *testing.T, s storage.Store) {
	put(t, s, "d/e", []byte("x"))
	for range 2 { // idempotent
		if err := s.Delete(ctx(t), "d/e"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if _, err := s.Get(ctx(t), "d/e"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx(t), "never/was"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
}

func testInvalidKeys(t *testing.T, s storage.Store) {
	for _, key := range []string{"", "../x", "a/../../b", "/etc/passwd", "a\\b", "a//b", "a\x00b"} {
		if err := s.Put(ctx(t), key, strings.NewReader("x"), 1); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Get(ctx(t), key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx(t), key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

func testPresign(t *testing.T, s storage.Store) {
	put(t, s, "p/q.mp4", []byte("presigned body"))
	url, err := s.PresignGet(ctx(t), "p/q.mp4", time.Minute)
	if errors.Is(err, storage.ErrPresignUnsupported) {
		t.Log("store does not presign: callers serve the object themselves")
		return
	}
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET presigned URL: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "presigned body" {
		t.Fatalf("GET presigned URL = %d %q", resp.StatusCode, body)
	}
}
