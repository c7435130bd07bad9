package jointoken

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Claims)
	}{
		{"empty-tenant", func(c *Claims) { c.Tenant = "" }},
		{"empty-room", func(c *Claims) { c.Room = "" }},
		{"long-room", func(c *Claims) { c.Room = strings.Repeat("r", 129) }},
		{"name-65-runes", func(c *Claims) { c.Name = strings.Repeat("é", MaxNameRunes+1) }},
		{"name-newline", func(c *Claims) { c.Name = "Ada\nLovelace" }},
		{"name-invalid-utf8", func(c *Claims) { c.Name = "Ada\xff" }},
		{"tenant-control", func(c *Claims) { c.Tenant = "ac\x00me" }},
		{"tenant-quote", func(c *Claims) { c.Tenant = `ac"me` }},
		{"tenant-space", func(c *Claims) { c.Tenant = "ac me" }},
		{"zero-iat", func(c *Claims) { c.IssuedAt = time.Time{} }},
		{"zero-exp", func(c *Claims) { c.ExpiresAt = time.Time{} }},
		{"exp-equals-iat", func(c *Claims) { c.ExpiresAt = c.IssuedAt.Add(999 * time.Millisecond) }},
		{"exp-before-iat", func(c *Claims) { c.ExpiresAt = c.IssuedAt.Add(-time.Minute) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testClaims()
			tc.edit(&c)
			tok, err := Sign(testSecret, c)
			if !errors.Is(err, ErrInvalidClaims) || tok != "" {
				t.Fatalf("Sign: got %q, %v; want ErrInvalidClaims", tok, err)
			}
		})
	}
}

func TestSignShortSecret(t *testing.T) {
	if _, err := Sign(testSecret[:MinSecretLen-1], testClaims()); !errors.Is(err, ErrShortSecret) {
		t.Fatalf("got %v, want ErrShortSecret", err)
	}
}

func TestSignLongestClaims(t *testing.T) {
	c := testClaims()
	c.Tenant, c.Room = strings.Repeat("t", 128), strings.Repeat("r", 128)
	c.Name = strings.Repeat("\U0001F600", MaxNameRunes)
	c.ID = strings.Repeat("j", 64)
	tok := mustSign(t, testSecret, c)
	if len(tok) > MaxTokenLen/2 {
		t.Errorf("the longest claims make a token of %d bytes", len(tok))
	}
	t.Logf("longest token: %d bytes", len(tok))
	lookup := func(string) ([]byte, bool) { return testSecret, true }
	if _, err := Verify(tok, lookup, c.Room, testNow); err != nil {
		t.Fatalf("Verify of the longest claims (%d bytes): %v", len(tok), err)
	}
}

func TestSignHeaderAndRandomID(t *testing.T) {
	c := testClaims()
	c.ID = ""
	a, b := mustSign(t, testSecret, c), mustSign(t, testSecret, c)
	if a == b {
		t.Fatal("two tokens of the same claims are equal: jti is not random")
	}
	h, _, _ := strings.Cut(a, ".")
	raw, err := decodePart(h)
	if err != nil || string(raw) != `{"alg":"HS256","typ":"JWT","kid":"acme"}` {
		t.Fatalf("header %q, %v", raw, err)
	}
	got, err := Verify(a, testLookup, testRoom, testNow)
	if err != nil || len(got.ID) != 22 {
		t.Fatalf("jti %q, %v", got.ID, err)
	}
}
