package jointoken

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	for _, tc := range verifyCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Verify(tc.token, testLookup, tc.room, tc.now)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if c.Tenant != "acme" || c.Room != testRoom {
					t.Fatalf("claims %+v", c)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify: got %v, want %v", err, tc.want)
			}
			if c != (Claims{}) {
				t.Fatalf("refused token returned claims %+v", c)
			}
			checkRefusal(t, tc.token, err)
		})
	}
}

// checkRefusal checks that err is a typed refusal that does not hold
// the token or any part of it.
func checkRefusal(t *testing.T, token string, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("token accepted")
	}
	if Reason(err) == "" {
		t.Fatalf("error %q has no reason", err)
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 && strings.Contains(err.Error(), part) {
			t.Fatalf("error %q echoes the token", err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	want := testClaims()
	want.IssuedAt = t0.Add(700 * time.Millisecond) // Sign keeps whole seconds
	tok := mustSign(t, testSecret, want)
	got, err := Verify(tok, testLookup, testRoom, testNow)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !got.IssuedAt.Equal(t0) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("times %v %v, want %v %v", got.IssuedAt, got.ExpiresAt, t0, want.ExpiresAt)
	}
	got.IssuedAt, got.ExpiresAt, want.IssuedAt, want.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.Issuer = Issuer
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestRoundTripFlags(t *testing.T) {
	for _, pub := range []bool{false, true} {
		for _, sub := range []bool{false, true} {
			c := testClaims()
			c.Publish, c.Subscribe, c.Name = pub, sub, ""
			got, err := Verify(mustSign(t, testSecret, c), testLookup, testRoom, testNow)
			if err != nil || got.Publish != pub || got.Subscribe != sub || got.Name != "" {
				t.Fatalf("pub=%v sub=%v: got %+v, %v", pub, sub, got, err)
			}
		}
	}
}

// TestTamper changes each byte of each part of a valid token. A change
// in the header may also name another tenant (kid).
func TestTamper(t *testing.T) {
	tok := mustSign(t, testSecret, testClaims())
	headerEnd := strings.IndexByte(tok, '.')
	for i := range len(tok) {
		if tok[i] == '.' {
			continue
		}
		b := []byte(tok)
		b[i] = 'A'
		if tok[i] == 'A' {
			b[i] = 'B'
		}
		_, err := Verify(string(b), testLookup, testRoom, testNow)
		checkRefusal(t, string(b), err)
		if i > headerEnd && !errors.Is(err, ErrSignature) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("byte %d changed: got %v, want a signature or malformed refusal", i, err)
		}
	}
}

func TestVerifyShortSecret(t *testing.T) {
	tok := mustSign(t, testSecret, testClaims())
	short := func(string) ([]byte, bool) { return testSecret[:16], true }
	_, err := Verify(tok, short, testRoom, testNow)
	if !errors.Is(err, ErrShortSecret) || Reason(err) != "" {
		t.Fatalf("got %v, want ErrShortSecret without a token reason", err)
	}
}

func TestReason(t *testing.T) {
	_, err := Verify("x.y.z", testLookup, testRoom, testNow)
	if got := Reason(err); got != "malformed_token" {
		t.Fatalf("Reason = %q", got)
	}
	if got := Reason(errors.New("other")); got != "" {
		t.Fatalf("Reason of a foreign error = %q", got)
	}
}

func TestLooks(t *testing.T) {
	tok := mustSign(t, testSecret, testClaims())
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{tok, true},
		{"eyJhbGciOi.e30.c2ln", true},
		{"rck_0123abcd_s3cr3tS3cr3t", false},
		{"0123456789abcdef", false},
		{"eyJhbGciOi.e30", false},
		{"eyJ.a.b.c", false},
		{"abc.def.ghi", false},
		{"", false},
	} {
		if got := Looks(tc.s); got != tc.want {
			t.Errorf("Looks(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
