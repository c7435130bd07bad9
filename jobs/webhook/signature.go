package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names set on every delivery.
const (
	HeaderEventID   = "Roomcast-Event-Id"
	HeaderEventType = "Roomcast-Event-Type"
	HeaderTimestamp = "Roomcast-Timestamp"
	HeaderSignature = "Roomcast-Signature"
)

// DefaultTolerance is the timestamp tolerance Verify uses when given <= 0.
const DefaultTolerance = 5 * time.Minute

// signatureVersion prefixes each signature in HeaderSignature.
const signatureVersion = "v1="

// Verification errors.
var (
	ErrNoSignature       = errors.New("webhook signature missing")
	ErrBadTimestamp      = errors.New("webhook timestamp invalid")
	ErrStaleTimestamp    = errors.New("webhook timestamp outside tolerance")
	ErrSignatureMismatch = errors.New("webhook signature mismatch")
)

// sign returns hex(HMAC-SHA256(secret, timestamp + "." + body)).
func sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery as a receiver sees it: the Roomcast-Timestamp
// header must be within tolerance of now (DefaultTolerance if
// tolerance <= 0), and one of the comma-separated "v1=<hex>" entries in
// Roomcast-Signature must equal HMAC-SHA256(secret, timestamp + "." + body).
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return fmt.Errorf("%w: empty secret", ErrSignatureMismatch)
	}
	ts := header.Get(HeaderTimestamp)
	if err := checkTimestamp(ts, now, tolerance); err != nil {
		return err
	}
	sigs := header.Get(HeaderSignature)
	if sigs == "" {
		return ErrNoSignature
	}
	want := []byte(sign(secret, ts, body))
	for _, s := range strings.Split(sigs, ",") {
		got, ok := strings.CutPrefix(strings.TrimSpace(s), signatureVersion)
		if ok && hmac.Equal([]byte(got), want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

// checkTimestamp parses unix seconds and bounds the skew from now.
func checkTimestamp(ts string, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrBadTimestamp, ts)
	}
	skew := now.Sub(time.Unix(sec, 0))
	if skew > tolerance || skew < -tolerance {
		return fmt.Errorf("%w: skew %s > %s", ErrStaleTimestamp, skew.Round(time.Second), tolerance)
	}
	return nil
}
