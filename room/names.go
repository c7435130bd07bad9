package room

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

const (
	maxRoomName        = 64
	maxParticipantName = 64
)

// checkRoomName enforces ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$.
func checkRoomName(name string) error {
	ok := len(name) >= 1 && len(name) <= maxRoomName && isAlnum(name[0])
	for i := 1; ok && i < len(name); i++ {
		c := name[i]
		ok = isAlnum(c) || c == '_' || c == '.' || c == '-'
	}
	if !ok {
		return fmt.Errorf("room name %q: %w (want 1-64 of A-Z a-z 0-9 _ . -, starting with a letter or digit)", name, ErrInvalidName)
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// checkDisplayName enforces 1-64 printable characters for participant and
// subscriber names.
func checkDisplayName(what, name string) error {
	n := utf8.RuneCountInString(name)
	ok := utf8.ValidString(name) && n >= 1 && n <= maxParticipantName
	for _, r := range name {
		ok = ok && unicode.IsPrint(r)
	}
	if !ok {
		return fmt.Errorf("%s name %q: %w (want 1-64 printable characters)", what, name, ErrInvalidName)
	}
	return nil
}
