package jointoken

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Fixed inputs, so the case tables, and the fuzz seeds written from
// them, are the same on every run.
var (
	testSecret  = []byte("0123456789abcdef0123456789abcdef")
	otherSecret = []byte("fedcba9876543210fedcba9876543210")
	t0          = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	testNow     = t0.Add(time.Minute)
)

const testRoom = "standup"

func testLookup(tenant string) ([]byte, bool) {
	if tenant == "acme" {
		return testSecret, true
	}
	return nil, false
}

func testClaims() Claims {
	return Claims{
		Tenant: "acme", Room: testRoom, Name: "Ada Lovelace", Publish: true, Subscribe: true,
		IssuedAt: t0, ExpiresAt: t0.Add(10 * time.Minute), ID: "jti-0001",
	}
}

func mustSign(t testing.TB, secret []byte, c Claims) string {
	t.Helper()
	tok, err := Sign(secret, c)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return tok
}

// forge signs any header and payload JSON with HS256, for tokens Sign
// would never make.
func forge(secret []byte, header, payload string) string {
	input := encodePart([]byte(header)) + "." + encodePart([]byte(payload))
	return input + "." + encodePart(mac(secret, input))
}

const goodHeader = `{"alg":"HS256","typ":"JWT","kid":"acme"}`

// payload is the JSON of testClaims with members replaced or added.
func payload(t testing.TB, set map[string]any) string {
	t.Helper()
	c := testClaims()
	c.Issuer = Issuer
	b, _ := json.Marshal(toWire(c))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ = json.Marshal(m)
	return string(b)
}

type verifyCase struct {
	name  string
	token string
	room  string
	now   time.Time
	want  error // nil or an Error
}

// verifyCases feeds TestVerify and the seeds of FuzzVerify.
func verifyCases(t testing.TB) []verifyCase {
	good := mustSign(t, testSecret, testClaims())
	exp := testClaims().ExpiresAt
	gone := testClaims()
	gone.Tenant = "gone"
	h, p, _ := strings.Cut(good, ".")
	p, sig, _ := strings.Cut(p, ".")
	return []verifyCase{
		{"valid", good, testRoom, testNow, nil},
		{"valid-within-leeway", good, testRoom, exp.Add(Leeway - time.Second), nil},
		{"expired", good, testRoom, exp.Add(Leeway), ErrExpired},
		{"issued-in-future", good, testRoom, t0.Add(-Leeway - time.Second), ErrNotYetValid},
		{"wrong-room", good, "other", testNow, ErrWrongRoom},
		{"empty-room", good, "", testNow, ErrWrongRoom},
		{"unknown-tenant", mustSign(t, testSecret, gone), testRoom, testNow, ErrUnknownTenant},
		{"other-secret", mustSign(t, otherSecret, testClaims()), testRoom, testNow, ErrSignature},
		{"tid-not-kid", forge(testSecret, goodHeader, payload(t, map[string]any{"tid": "other"})), testRoom, testNow, ErrMalformed},
		{"alg-none", encodePart([]byte(`{"alg":"none","typ":"JWT","kid":"acme"}`)) + "." + p + ".", testRoom, testNow, ErrMalformed},
		{"alg-none-signed", forge(testSecret, `{"alg":"none","typ":"JWT","kid":"acme"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"alg-hs512", forge(testSecret, `{"alg":"HS512","typ":"JWT","kid":"acme"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"alg-lowercase", forge(testSecret, `{"alg":"hs256","typ":"JWT","kid":"acme"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"alg-member-case", forge(testSecret, `{"ALG":"HS256","typ":"JWT","kid":"acme"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"missing-kid", forge(testSecret, `{"alg":"HS256","typ":"JWT"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"empty-kid", forge(testSecret, `{"alg":"HS256","typ":"JWT","kid":""}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"kid-not-string", forge(testSecret, `{"alg":"HS256","typ":"JWT","kid":7}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"missing-typ", forge(testSecret, `{"alg":"HS256","kid":"acme"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"header-crit", forge(testSecret, `{"alg":"HS256","typ":"JWT","kid":"acme","crit":["x"]}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"header-member-order", forge(testSecret, `{"typ":"JWT","alg":"HS256","kid":"acme"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"header-spaces", forge(testSecret, `{"alg": "HS256", "typ": "JWT", "kid": "acme"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"header-duplicate-alg", forge(testSecret, `{"alg":"HS256","typ":"JWT","kid":"acme","alg":"none"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"kid-escaped", forge(testSecret, `{"alg":"HS256","typ":"JWT","kid":"ac\u006de"}`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"header-not-object", forge(testSecret, `["HS256"]`, payload(t, nil)), testRoom, testNow, ErrMalformed},
		{"extra-claims-ignored", forge(testSecret, goodHeader, payload(t, map[string]any{"foo": []int{1, 2}, "aud": "x"})), testRoom, testNow, nil},
		{"pub-not-bool", forge(testSecret, goodHeader, payload(t, map[string]any{"pub": "yes"})), testRoom, testNow, ErrMalformed},
		{"iat-string", forge(testSecret, goodHeader, payload(t, map[string]any{"iat": "1772366400"})), testRoom, testNow, ErrMalformed},
		{"exp-fraction", forge(testSecret, goodHeader, payload(t, map[string]any{"exp": 1772367000.5})), testRoom, testNow, ErrMalformed},
		{"exp-missing", forge(testSecret, goodHeader, payload(t, map[string]any{"exp": nil})), testRoom, testNow, ErrMalformed},
		{"exp-before-iat", forge(testSecret, goodHeader, payload(t, map[string]any{"exp": t0.Unix()})), testRoom, testNow, ErrMalformed},
		{"iss-other", forge(testSecret, goodHeader, payload(t, map[string]any{"iss": "someone"})), testRoom, testNow, ErrMalformed},
		{"jti-missing", forge(testSecret, goodHeader, payload(t, map[string]any{"jti": nil})), testRoom, testNow, ErrMalformed},
		{"name-too-long", forge(testSecret, goodHeader, payload(t, map[string]any{"name": strings.Repeat("x", MaxNameRunes+1)})), testRoom, testNow, ErrMalformed},
		{"name-control", forge(testSecret, goodHeader, payload(t, map[string]any{"name": "a\u0007b"})), testRoom, testNow, ErrMalformed},
		{"claims-not-json", forge(testSecret, goodHeader, "not json"), testRoom, testNow, ErrMalformed},
		{"claims-trailing", forge(testSecret, goodHeader, payload(t, nil)+"{}"), testRoom, testNow, ErrMalformed},
		{"two-parts", h + "." + p, testRoom, testNow, ErrMalformed},
		{"four-parts", good + ".x", testRoom, testNow, ErrMalformed},
		{"empty-signature", h + "." + p + ".", testRoom, testNow, ErrMalformed},
		{"padded-signature", good + "=", testRoom, testNow, ErrMalformed},
		{"newline-in-signature", h + "." + p + "." + sig[:10] + "\n" + sig[10:], testRoom, testNow, ErrMalformed},
		{"std-base64-chars", h + "." + p + "." + strings.NewReplacer("-", "+", "_", "/").Replace(sig) + "+/", testRoom, testNow, ErrMalformed},
		{"oversize", "eyJ" + strings.Repeat("a", MaxTokenLen) + ".a.a", testRoom, testNow, ErrMalformed},
		{"empty", "", testRoom, testNow, ErrMalformed},
		{"api-key", "rck_abc123_s3cr3t", testRoom, testNow, ErrMalformed},
	}
}
