// Package keyfile keeps a secret that a node generates once in its data
// directory (the links' signing key, the keyring that seals secrets at
// rest) and reads at every later start.
package keyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Load returns the text of the key file at path, without surrounding
// spaces. When the file does not exist and generate is not nil, the
// file is first created with generate's text, atomically and mode 0600:
// every process that loads path, even at the same moment, gets the one
// text that won. Without generate, a missing file is an error wrapping
// fs.ErrNotExist. what names the key in errors ("signing key"); errors
// name the file, never the key.
func Load(path, what string, generate func() (string, error)) (string, error) {
	text, err := read(path, what)
	if !errors.Is(err, fs.ErrNotExist) || generate == nil {
		return text, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", fmt.Errorf("%s: data directory: %w", what, err)
	}
	key, err := generate()
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if err := create(path, what, key); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	// Whoever won the race, the file now holds the one key.
	return read(path, what)
}

// read reads a key file: its text without surrounding spaces, so that
// it also works as the matching setting on other nodes.
func read(path, what string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", what, path, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// create writes key to path atomically: the whole file, synced, appears
// at path or nothing does. A hard link fails when path exists, so of two
// processes racing, the second gets fs.ErrExist and the first one's key
// stays.
func create(path, what, key string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*") // mode 0600
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(key + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: write %s: %w", what, tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("%s: create %s: %w", what, path, err)
	}
	return syncDir(filepath.Dir(path), what)
}

// syncDir makes a new directory entry durable.
func syncDir(dir, what string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("%s: sync %s: %w", what, dir, err)
	}
	return nil
}
