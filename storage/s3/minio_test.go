package s3_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/s3"
	"github.com/roomcast/roomcast/storage/storetest"
)

// These tests run against a real MinIO (scripts/install-minio.sh) and skip
// when it is not installed.

func minioConfig(m *storetest.MinIO, bucket string) s3.Config {
	return s3.Config{
		Endpoint:  m.Endpoint,
		Region:    m.Region,
		Bucket:    bucket,
		PathStyle: true,
		AccessKey: m.AccessKey,
		SecretKey: m.SecretKey,
	}
}

func openStore(t *testing.T, cfg s3.Config) *s3.Store {
	t.Helper()
	s, err := s3.Open(t.Context(), cfg, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestMinIOConformance(t *testing.T) {
	m := storetest.StartMinIO(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) storage.Store {
		cfg := minioConfig(m, fmt.Sprintf("conformance-%d", n.Add(1)))
		cfg.CreateBucket = true
		return openStore(t, cfg)
	})
}

func TestMinIOBucketErrors(t *testing.T) {
	m := storetest.StartMinIO(t)

	_, err := s3.Open(t.Context(), minioConfig(m, "missing"), nil)
	if !errors.Is(err, s3.ErrBucket) || !strings.Contains(err.Error(), `bucket "missing" does not exist`) {
		t.Fatalf("Open of a missing bucket = %v, want ErrBucket naming it", err)
	}

	cfg := minioConfig(m, "created")
	cfg.CreateBucket = true
	openStore(t, cfg)
	openStore(t, cfg) // already there: fine

	cfg.CreateBucket = false
	cfg.SecretKey = "WRONG-SECRET-VALUE"
	_, err = s3.Open(t.Context(), cfg, nil)
	if !errors.Is(err, s3.ErrBucket) {
		t.Fatalf("Open with a wrong secret = %v, want ErrBucket", err)
	}
	if strings.Contains(err.Error(), cfg.SecretKey) {
		t.Fatalf("error shows the secret: %v", err)
	}
}
