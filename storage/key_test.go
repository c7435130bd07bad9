package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/storage"
)

// keyCases feeds TestValidKey and the FuzzValidKey seeds.
var keyCases = []struct {
	key string
	ok  bool
}{
	{"rooms/r1/seg-0001.m4s", true},
	{"a", true},
	{"a.b/c..d/.hidden", true},
	{"ünïcode/κλειδί", true},
	{strings.Repeat("a", 1024), true},
	{"", false},
	{"../x", false},
	{"a/../../b", false},
	{"a/..", false},
	{"./a", false},
	{"a/./b", false},
	{"/etc/passwd", false},
	{"a\\b", false},
	{"..\\x", false},
	{"a//b", false},
	{"a/", false},
	{"a\x00b", false},
	{"a\nb", false},
	{"a\x7fb", false},
	{"a\u0085b", false},
	{"\xff", false},
	{strings.Repeat("a", 1025), false},
}

func TestValidKey(t *testing.T) {
	for _, c := range keyCases {
		err := storage.ValidKey(c.key)
		if c.ok && err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", c.key, err)
		}
		if !c.ok && !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", c.key, err)
		}
	}
}

// FuzzValidKey checks that an accepted key can never leave a root.
func FuzzValidKey(f *testing.F) {
	for _, c := range keyCases {
		f.Add(c.key)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if storage.ValidKey(key) != nil {
			return
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == ".." || seg == "." || seg == "" || strings.ContainsAny(seg, "\\\x00") {
				t.Fatalf("ValidKey accepted %q", key)
			}
		}
	})
}
