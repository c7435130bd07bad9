package room

import (
	"errors"
	"strings"
	"testing"
)

func TestRoomNames(t *testing.T) {
	good := []string{"a", "r1", "Room_1.test-2", "0", strings.Repeat("x", 64)}
	bad := []string{"", "_a", ".a", "-a", "a b", "a/b", "ä", strings.Repeat("x", 65)}
	for _, n := range good {
		if err := checkRoomName(n); err != nil {
			t.Errorf("checkRoomName(%q) = %v", n, err)
		}
	}
	for _, n := range bad {
		if err := checkRoomName(n); !errors.Is(err, ErrInvalidName) {
			t.Errorf("checkRoomName(%q) = %v, want ErrInvalidName", n, err)
		}
	}
}

func TestDisplayNames(t *testing.T) {
	good := []string{"a", "Alice Smith", "Zoë 🎥", strings.Repeat("é", 64)}
	bad := []string{"", "a\nb", "tab\t", "\x00", strings.Repeat("x", 65), "\xff"}
	for _, n := range good {
		if err := checkDisplayName("participant", n); err != nil {
			t.Errorf("checkDisplayName(%q) = %v", n, err)
		}
	}
	for _, n := range bad {
		if err := checkDisplayName("participant", n); !errors.Is(err, ErrInvalidName) {
			t.Errorf("checkDisplayName(%q) = %v, want ErrInvalidName", n, err)
		}
	}
}
