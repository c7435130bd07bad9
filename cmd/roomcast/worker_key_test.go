package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/jobs/seal"
)

// TestWorkerNeedsTheSecretKey: a worker with no secret_key and no key
// file in its data directory refuses to start, telling the operator to
// set ROOMCAST_SECRET_KEY as on the serve nodes, and writes no key; with
// one it goes on (to the NATS connection, which fails here).
func TestWorkerNeedsTheSecretKey(t *testing.T) {
	t.Setenv("ROOMCAST_API_KEY", "worker-key-test-0123456789")
	t.Setenv("ROOMCAST_STORAGE_LOCAL_PATH", t.TempDir())
	t.Setenv("ROOMCAST_SECRET_KEY", "")
	data := t.TempDir()
	args := []string{"--nats", "nats://127.0.0.1:1", "--server", "http://127.0.0.1:1", "--data", data}
	var stdout, stderr bytes.Buffer
	err := workerCmd(context.Background(), args, &stdout, &stderr)
	if !errors.Is(err, configs.ErrNoSecretKey) || !strings.Contains(err.Error(), "ROOMCAST_SECRET_KEY") || !strings.Contains(err.Error(), "serve") {
		t.Fatalf("worker without a key: %v", err)
	}
	if des, _ := os.ReadDir(data); len(des) != 0 {
		t.Errorf("a worker without a key wrote %v", des)
	}

	key, err := seal.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ROOMCAST_SECRET_KEY", key)
	err = workerCmd(context.Background(), args, &stdout, &stderr)
	if err == nil || errors.Is(err, configs.ErrNoSecretKey) || !strings.Contains(err.Error(), "nats") {
		t.Fatalf("worker with a key: %v, want the NATS connection to fail", err)
	}
	if strings.Contains(stderr.String(), strings.TrimPrefix(key, "k1:")) {
		t.Error("the worker logged its key")
	}

	// The key file of a serve node on the same data directory does too.
	t.Setenv("ROOMCAST_SECRET_KEY", "")
	if err := os.WriteFile(filepath.Join(data, configs.SecretKeyFile), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := workerCmd(context.Background(), args, &stdout, &stderr); errors.Is(err, configs.ErrNoSecretKey) {
		t.Fatalf("worker with a key file: %v", err)
	}
}
