package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func signedHeader(secret string, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	s := strconv.FormatInt(ts.Unix(), 10)
	h.Set(HeaderTimestamp, s)
	h.Set(HeaderSignature, signatureVersion+sign(secret, s, body))
	return h
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"EV_1","type":"egress_ended"}`)
	good := signedHeader(testSecret, now, body)
	cases := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		want   error
	}{
		{"valid", testSecret, good, body, nil},
		{"tampered body", testSecret, good, []byte(`{"id":"EV_2","type":"egress_ended"}`), ErrSignatureMismatch},
		{"wrong secret", "other", good, body, ErrSignatureMismatch},
		{"empty secret", "", good, body, ErrSignatureMismatch},
		{"old timestamp", testSecret, signedHeader(testSecret, now.Add(-10*time.Minute), body), body, ErrStaleTimestamp},
		{"future timestamp", testSecret, signedHeader(testSecret, now.Add(10*time.Minute), body), body, ErrStaleTimestamp},
		{"no timestamp", testSecret, http.Header{HeaderSignature: good[HeaderSignature]}, body, ErrBadTimestamp},
		{"no signature", testSecret, http.Header{HeaderTimestamp: good[HeaderTimestamp]}, body, ErrNoSignature},
		{"timestamp swapped", testSecret, withHeader(good, HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10)), body, ErrSignatureMismatch},
		{"unknown version", testSecret, withHeader(good, HeaderSignature, "v0="+sign(testSecret, good.Get(HeaderTimestamp), body)), body, ErrSignatureMismatch},
		{"one of several", testSecret, withHeader(good, HeaderSignature, "v1=00, "+good.Get(HeaderSignature)), body, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.header, c.body, now, 5*time.Minute)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("Verify: %v, want %v", err, c.want)
			}
		})
	}
}

func withHeader(h http.Header, k, v string) http.Header {
	c := h.Clone()
	c.Set(k, v)
	return c
}

func TestSignatureIsDocumentedHMAC(t *testing.T) {
	// hex(HMAC-SHA256("secret", "1700000000.{}")), computed independently
	// with: printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
	const want = "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
	if got := sign("secret", "1700000000", []byte("{}")); got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}
