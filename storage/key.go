package storage

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest key accepted, in bytes (the S3 limit).
const MaxKeyLen = 1024

// ValidKey reports whether key is a safe, relative, slash-separated object
// key. It rejects empty and absolute keys, empty, "." and ".." segments,
// backslashes, NUL and other control characters, invalid UTF-8 and keys
// longer than MaxKeyLen, so that a key can never escape a store's root.
func ValidKey(key string) error {
	if err := checkKeyShape(key); err != nil {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, err)
	}
	return nil
}

func checkKeyShape(key string) error {
	switch {
	case key == "":
		return keyError("empty")
	case len(key) > MaxKeyLen:
		return keyError("longer than 1024 bytes")
	case !utf8.ValidString(key):
		return keyError("not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return keyError("absolute")
	}
	for _, r := range key {
		if r == '\\' {
			return keyError("contains a backslash")
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return keyError("contains a control character")
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return keyError("contains an empty, \".\" or \"..\" segment")
		}
	}
	return nil
}

type keyError string

func (e keyError) Error() string { return string(e) }
