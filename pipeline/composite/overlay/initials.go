package overlay

import (
	"strings"
	"unicode"
)

// Initials returns the initials of a display name: the first letter or
// digit of its first word and of its last word, in title case ("Ada
// Lovelace" → "AL", "bob" → "B", "Ada King Lovelace" → "AL"). Words are
// split at Unicode spaces and punctuation before a word's first letter is
// passed over ("(bob)" → "B"). It returns "?" when the name has no letter
// or digit, "" included. Combining marks are left out, so a decomposed
// "é" gives "E".
func Initials(name string) string {
	var first, last rune
	for _, word := range strings.FieldsFunc(name, unicode.IsSpace) {
		r := initial(word)
		switch {
		case r == 0:
		case first == 0:
			first = r
		default:
			last = r
		}
	}
	switch {
	case first == 0:
		return "?"
	case last == 0:
		return string(first)
	default:
		return string([]rune{first, last})
	}
}

// initial returns the first letter or digit of word in title case, 0 when
// it has none.
func initial(word string) rune {
	for _, r := range word {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToTitle(r)
		}
	}
	return 0
}
