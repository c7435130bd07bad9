// Package storage defines the object store that recordings are archived to.
// Implementations live in storage/local (a directory) and storage/s3 (any
// S3-compatible service); storage/spool makes uploads crash-safe.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

var (
	// ErrNotFound is returned by Get and Stat when the key does not exist.
	ErrNotFound = errors.New("storage: object not found")
	// ErrInvalidKey is returned for keys that ValidKey rejects.
	ErrInvalidKey = errors.New("storage: invalid key")
	// ErrAccess is returned when the store refuses the credentials or the
	// bucket is gone: retrying will not help until someone fixes it.
	ErrAccess = errors.New("storage: access denied or bucket missing")
	// ErrPresignUnsupported is returned by stores that cannot presign URLs.
	ErrPresignUnsupported = errors.New("storage: presigned URLs not supported")
)

// Object describes one stored object.
type Object struct {
	Key      string
	Size     int64
	Modified time.Time
}

// Store is a flat key/value object store. Keys are slash-separated paths
// accepted by ValidKey.
type Store interface {
	// Put stores size bytes read from r under key, replacing any previous
	// object. Readers see either the old or the new object, never a part.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Get opens the object; ErrNotFound when it does not exist.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes the object; ErrNotFound when it does not exist.
	Stat(ctx context.Context, key string) (Object, error)
	// List returns up to limit objects whose keys start with prefix and are
	// lexically greater than after, in lexical key order. limit <= 0 means
	// no limit.
	List(ctx context.Context, prefix, after string, limit int) ([]Object, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// PresignGet returns a URL that fetches the object without credentials
	// until ttl has passed; ErrPresignUnsupported for stores without URLs.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}
