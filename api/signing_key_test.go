package api

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestSigningKeyGeneratedOnceAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // not there yet
	k1, err := LoadSigningKey("", dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, SigningKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if len(k1) != 64 {
		t.Errorf("generated key has %d characters, want 64 (32 random bytes in hex)", len(k1))
	}
	k2, err := LoadSigningKey("", dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second start: %v, same key %v", err, bytes.Equal(k1, k2))
	}
	other, err := LoadSigningKey("", t.TempDir())
	if err != nil || bytes.Equal(k1, other) {
		t.Fatalf("another data directory must get another key: %v", err)
	}
	// The file's text works as api.signing_key on another node.
	text, _ := os.ReadFile(filepath.Join(dir, SigningKeyFile))
	k3, err := LoadSigningKey(strings.TrimSpace(string(text)), t.TempDir())
	if err != nil || !bytes.Equal(k1, k3) {
		t.Fatalf("configured from the file's text: %v, same %v", err, bytes.Equal(k1, k3))
	}
}

func TestSigningKeyConfiguredWins(t *testing.T) {
	dir := t.TempDir()
	const key = "configured-signing-key-0123456789abcdef"
	k, err := LoadSigningKey(key, dir)
	if err != nil || string(k) != key {
		t.Fatalf("configured key: %v %q", err, k)
	}
	if _, err := os.Stat(filepath.Join(dir, SigningKeyFile)); !os.IsNotExist(err) {
		t.Errorf("a configured key must not write %s: %v", SigningKeyFile, err)
	}
}

// TestSigningKeyConcurrentFirstStart races many first starts on one
// empty data directory: all end with the one key, and no temporary file
// stays behind.
func TestSigningKeyConcurrentFirstStart(t *testing.T) {
	for round := range 20 {
		dir := t.TempDir()
		const n = 8
		keys := make([][]byte, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				keys[i], errs[i] = LoadSigningKey("", dir)
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
				t.Fatalf("round %d, start %d: %v, same key as start 0: %v", round, i, errs[i], bytes.Equal(keys[i], keys[0]))
			}
		}
		des, _ := os.ReadDir(dir)
		if len(des) != 1 || des[0].Name() != SigningKeyFile {
			t.Fatalf("round %d: directory holds %v, want only %s", round, des, SigningKeyFile)
		}
	}
}

func TestSigningKeyBad(t *testing.T) {
	const short = "short-secret-key"
	if _, err := LoadSigningKey(short, t.TempDir()); err == nil || !strings.Contains(err.Error(), "api.signing_key") || strings.Contains(err.Error(), short) {
		t.Errorf("short configured key: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, SigningKeyFile)
	if err := os.WriteFile(path, []byte(short+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSigningKey("", dir)
	if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), short) {
		t.Errorf("truncated key file: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != short+"\n" {
		t.Errorf("a bad key file must be left for the operator, not replaced: %q", got)
	}
	// A key file that cannot be read (here: a directory) is an error, not a new key.
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, SigningKeyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigningKey("", dir); err == nil {
		t.Error("unreadable key file: no error")
	}
	// A data directory that cannot be made.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigningKey("", filepath.Join(file, "data")); err == nil {
		t.Error("data directory under a file: no error")
	}
}
