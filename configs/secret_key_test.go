package configs

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/roomcast/roomcast/jobs/seal"
)

// testKey is a fresh keyring entry "id:base64key".
func testKey(t *testing.T, id string) string {
	t.Helper()
	k, err := seal.GenerateKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSecretKeyFromFileAndEnv(t *testing.T) {
	fromFile, fromEnv := testKey(t, "k1"), testKey(t, "k2")+","+testKey(t, "k1")
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("secret_key: "+fromFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, nil, Flags{})
	if err != nil || c.SecretKey != fromFile {
		t.Fatalf("secret_key from the file: %v", err)
	}
	c, err = Load(path, env(map[string]string{"ROOMCAST_SECRET_KEY": fromEnv}), Flags{})
	if err != nil || c.SecretKey != fromEnv {
		t.Fatalf("ROOMCAST_SECRET_KEY must override the file: %v", err)
	}
	if c, err := Load("", nil, Flags{}); err != nil || c.SecretKey != "" {
		t.Fatalf("default: %v, %q", err, c.SecretKey)
	}
}

// TestSecretKeyNeverInErrors: every malformed keyring is refused at load
// naming secret_key, and the error shows none of the key material.
func TestSecretKeyNeverInErrors(t *testing.T) {
	short := make([]byte, 16)
	_, _ = rand.Read(short)
	shortB64 := base64.StdEncoding.EncodeToString(short)
	good := testKey(t, "k1")
	goodB64 := strings.TrimPrefix(good, "k1:")
	for name, v := range map[string]string{
		"short key":       "k1:" + shortB64,
		"bare short key":  shortB64,
		"not base64":      "k1:" + goodB64[:20] + "!!" + goodB64[22:],
		"bad id":          "k/1:" + goodB64,
		"duplicate id":    good + "," + good,
		"empty entry":     good + ",,",
		"second is short": good + ",k2:" + shortB64,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load("", env(map[string]string{"ROOMCAST_SECRET_KEY": v}), Flags{})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "secret_key" {
				t.Fatalf("err = %v, want a FieldError on secret_key", err)
			}
			for _, secret := range []string{shortB64, goodB64, goodB64[:20]} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the error shows key material: %v", err)
				}
			}
			if _, err := LoadKeyring(v, t.TempDir(), true); err == nil || !strings.Contains(err.Error(), "secret_key") || strings.Contains(err.Error(), goodB64[:20]) {
				t.Fatalf("LoadKeyring: %v", err)
			}
		})
	}
}

func TestLoadKeyringConfigured(t *testing.T) {
	dir := t.TempDir()
	k1, k2 := testKey(t, "k1"), testKey(t, "k2")
	old, err := LoadKeyring(k1, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal("rtmp://h/app/key", "aad")
	if err != nil {
		t.Fatal(err)
	}
	// Rotation: the new key seals, the old one still opens.
	rotated, err := LoadKeyring(k2+", "+k1, dir, true)
	if err != nil || rotated.ActiveID() != "k2" {
		t.Fatalf("rotated keyring: %v", err)
	}
	if got, err := rotated.Open(sealed, "aad"); err != nil || got != "rtmp://h/app/key" {
		t.Fatalf("open with the rotated keyring: %q %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, SecretKeyFile)); !os.IsNotExist(err) {
		t.Errorf("a configured key must not write %s: %v", SecretKeyFile, err)
	}
}

func TestLoadKeyringGeneratedOnceAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // not there yet
	r1, err := LoadKeyring("", dir, true)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, SecretKeyFile)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v, want 0600", path, err, st.Mode().Perm())
	}
	sealed, err := r1.Seal("stream-key", "aad")
	if err != nil {
		t.Fatal(err)
	}
	for name, create := range map[string]bool{"restart": true, "a worker on the same data directory": false} {
		r2, err := LoadKeyring("", dir, create)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, err := r2.Open(sealed, "aad"); err != nil || got != "stream-key" {
			t.Fatalf("%s: not the same key: %v", name, err)
		}
	}
	// The file's text works as secret_key on another node.
	text, _ := os.ReadFile(path)
	r3, err := LoadKeyring(strings.TrimSpace(string(text)), t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r3.Open(sealed, "aad"); err != nil {
		t.Fatalf("configured from the file's text: %v", err)
	}
	other, err := LoadKeyring("", t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(sealed, "aad"); err == nil {
		t.Fatal("another data directory must get another key")
	}
}

// TestLoadKeyringWorkerWithoutKey: a process that must not generate a
// key (a worker) is told what to set.
func TestLoadKeyringWorkerWithoutKey(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadKeyring("", dir, false)
	if !errors.Is(err, ErrNoSecretKey) || !strings.Contains(err.Error(), "ROOMCAST_SECRET_KEY") || !strings.Contains(err.Error(), "serve") {
		t.Fatalf("no key: %v", err)
	}
	if des, _ := os.ReadDir(dir); len(des) != 0 {
		t.Fatalf("a worker without a key wrote %v", des)
	}
}

func TestLoadKeyringBadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SecretKeyFile)
	const broken = "k1:dGhpcy1pcy1ub3QtMzItYnl0ZXM"
	if err := os.WriteFile(path, []byte(broken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadKeyring("", dir, true)
	if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "dGhpcy1pcy1ub3Qt") {
		t.Fatalf("broken key file: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != broken+"\n" {
		t.Errorf("a bad key file must be left for the operator, not replaced: %q", got)
	}
	// A key file that cannot be read (here: a directory) is an error, not a new key.
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, SecretKeyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyring("", dir, true); err == nil {
		t.Error("unreadable key file: no error")
	}
}

// TestLoadKeyringConcurrentFirstStart races first starts on one empty
// data directory: all end with the one key, no temporary file left.
func TestLoadKeyringConcurrentFirstStart(t *testing.T) {
	for round := range 10 {
		dir := t.TempDir()
		const n = 8
		rings := make([]*seal.Keyring, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				rings[i], errs[i] = LoadKeyring("", dir, true)
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil || rings[i].ActiveID() != rings[0].ActiveID() {
				t.Fatalf("round %d, start %d: %v", round, i, errs[i])
			}
		}
		if des, _ := os.ReadDir(dir); len(des) != 1 || des[0].Name() != SecretKeyFile {
			t.Fatalf("round %d: directory holds %v, want only %s", round, des, SecretKeyFile)
		}
	}
}
