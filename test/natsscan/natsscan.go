// Package natsscan reads every message stored in a NATS JetStream server
// (every stream, the KV_* streams of key-value buckets and the OBJ_*
// streams of object stores included) and reports those that contain a
// secret: in clear, JSON-escaped, URL-escaped, hex or base64 (standard
// or URL alphabet, at any byte alignment). Tests use it to show that
// nothing on the bus holds a stream key, a token or a credential that
// should only exist sealed.
//
// A finding names the stream, sequence, subject and form, never the
// secret itself, so a failing test does not print it.
package natsscan

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Finding is one stored message that holds a secret.
type Finding struct {
	Stream string
	Seq    uint64
	// Subject is the message's subject, with any secret in it replaced
	// by "<secret #i>".
	Subject string
	// Where is the part of the message: "data", "subject" or
	// "header <name>".
	Where string
	// Secret is the secret's index in the list given to Scan.
	Secret int
	// Form is how it was found: "plain", "json", "query-escaped",
	// "path-escaped", "hex", "base64" or "base64url".
	Form string
}

func (f Finding) String() string {
	return fmt.Sprintf("secret #%d (%s) in %s of stream %s seq %d, subject %s", f.Secret, f.Form, f.Where, f.Stream, f.Seq, f.Subject)
}

// Report is what a scan read and found.
type Report struct {
	// Streams counts the messages read in each stream; a stream listed
	// with 0 was empty.
	Streams map[string]int
	// Messages is the total read.
	Messages int
	Findings []Finding
}

func (r *Report) String() string {
	names := make([]string, 0, len(r.Streams))
	for n := range r.Streams {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%d messages in %d streams", r.Messages, len(r.Streams))
	for _, n := range names {
		fmt.Fprintf(&b, "; %s: %d", n, r.Streams[n])
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\n  %s", f)
	}
	return b.String()
}

// ScanURL connects to the NATS server at natsURL and scans it (Scan).
func ScanURL(ctx context.Context, natsURL string, secrets []string) (*Report, error) {
	nc, err := nats.Connect(natsURL, nats.Name("natsscan"), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("natsscan: connect: %w", err)
	}
	defer nc.Close()
	return Scan(ctx, nc, secrets)
}

// Scan reads every message of every stream on nc's JetStream account
// and returns those containing any of secrets. ctx bounds it.
func Scan(ctx context.Context, nc *nats.Conn, secrets []string) (*Report, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("natsscan: %w", err)
	}
	return ScanJS(ctx, js, secrets)
}

// ScanJS is Scan on a JetStream handle.
func ScanJS(ctx context.Context, js jetstream.JetStream, secrets []string) (*Report, error) {
	m, err := newMatcher(secrets)
	if err != nil {
		return nil, err
	}
	var names []string
	lister := js.StreamNames(ctx)
	for name := range lister.Name() {
		names = append(names, name)
	}
	if err := lister.Err(); err != nil {
		return nil, fmt.Errorf("natsscan: list streams: %w", err)
	}
	sort.Strings(names)
	r := &Report{Streams: map[string]int{}}
	for _, name := range names {
		if err := r.scanStream(ctx, js, name, m); err != nil {
			return r, err
		}
	}
	return r, nil
}

// rescans bounds how often a stream whose every message was replaced
// while it was read (a KV bucket being written, history 1) is read again.
const rescans = 5

// scanStream reads one stream's messages, first to last sequence. A
// stream that had messages but gave none (each replaced between the
// stream's info and the read) is read again, from its new info.
func (r *Report) scanStream(ctx context.Context, js jetstream.JetStream, name string, m *matcher) error {
	st, err := js.Stream(ctx, name)
	if err != nil {
		return fmt.Errorf("natsscan: stream %s: %w", name, err)
	}
	r.Streams[name] = 0
	for range rescans {
		info, err := st.Info(ctx)
		if err != nil {
			return fmt.Errorf("natsscan: stream %s: %w", name, err)
		}
		if info.State.Msgs == 0 {
			return nil
		}
		if err := r.scanRange(ctx, st, name, info.State.FirstSeq, info.State.LastSeq, m); err != nil {
			return err
		}
		if r.Streams[name] > 0 {
			return nil
		}
	}
	return nil
}

// scanRange reads the messages from first to last sequence.
func (r *Report) scanRange(ctx context.Context, st jetstream.Stream, name string, first, last uint64, m *matcher) error {
	// An object's chunks are consecutive messages on one subject: the
	// tail of each is scanned again with the next, for a secret that
	// straddles two chunks.
	tails := map[string][]byte{}
	for seq := first; seq <= last; seq++ {
		msg, err := st.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // deleted, purged or expired meanwhile
		}
		if err != nil {
			return fmt.Errorf("natsscan: stream %s seq %d: %w", name, seq, err)
		}
		r.Streams[name]++
		r.Messages++
		at := Finding{Stream: name, Seq: seq, Subject: m.redact(msg.Subject)}
		r.check(at, "subject", []byte(msg.Subject), m)
		for h, vs := range msg.Header {
			for _, v := range vs {
				r.check(at, "header "+h, []byte(h+": "+v), m)
			}
		}
		data := msg.Data
		if strings.HasPrefix(name, "OBJ_") {
			tail := tails[msg.Subject]
			data = append(append([]byte(nil), tail...), msg.Data...)
			tails[msg.Subject] = lastBytes(data, m.longest-1)
		}
		r.check(at, "data", data, m)
	}
	return nil
}

func (r *Report) check(at Finding, where string, b []byte, m *matcher) {
	for _, n := range m.needles {
		if bytes.Contains(b, n.text) {
			f := at
			f.Where, f.Secret, f.Form = where, n.secret, n.form
			if !r.has(f) {
				r.Findings = append(r.Findings, f)
			}
		}
	}
}

// has reports a finding already made (one secret in several forms or
// alignments counts once per form).
func (r *Report) has(f Finding) bool {
	for _, g := range r.Findings {
		if g == f {
			return true
		}
	}
	return false
}

func lastBytes(b []byte, n int) []byte {
	if n <= 0 {
		return nil
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return append([]byte(nil), b...)
}

// needle is one form of one secret.
type needle struct {
	secret int
	form   string
	text   []byte
}

type matcher struct {
	needles []needle
	longest int
}

// redact replaces every secret in s, in any form, by "<secret #i>".
func (m *matcher) redact(s string) string {
	for _, n := range m.needles {
		s = strings.ReplaceAll(s, string(n.text), fmt.Sprintf("<secret #%d>", n.secret))
	}
	return s
}

// minFragment is the shortest base64 fragment searched for: shorter
// ones would match by chance.
const minFragment = 8

func newMatcher(secrets []string) (*matcher, error) {
	if len(secrets) == 0 {
		return nil, errors.New("natsscan: no secrets to look for")
	}
	m := &matcher{}
	for i, s := range secrets {
		if len(s) < 4 {
			return nil, fmt.Errorf("natsscan: secret #%d is shorter than 4 bytes: it would match by chance", i)
		}
		add := func(form, text string) {
			for _, n := range m.needles {
				if n.secret == i && string(n.text) == text {
					return
				}
			}
			m.needles = append(m.needles, needle{secret: i, form: form, text: []byte(text)})
			m.longest = max(m.longest, len(text))
		}
		add("plain", s)
		js, _ := json.Marshal(s)
		add("json", string(js[1:len(js)-1]))
		add("query-escaped", url.QueryEscape(s))
		add("path-escaped", url.PathEscape(s))
		add("hex", hex.EncodeToString([]byte(s)))
		for _, frag := range base64Fragments([]byte(s)) {
			add("base64", frag)
			add("base64url", strings.NewReplacer("+", "-", "/", "_").Replace(frag))
		}
	}
	return m, nil
}

// base64Fragments are the parts of s's base64 encoding that appear
// whatever bytes come before and after s in the encoded data: one per
// alignment of s in the 3-byte groups.
func base64Fragments(s []byte) []string {
	var out []string
	for k := range 3 {
		enc := base64.RawStdEncoding.EncodeToString(append(make([]byte, k), s...))
		// Characters holding bits of the k prefix bytes, and those of a
		// last group that s does not fill, depend on the neighbours.
		start := (8*k + 5) / 6
		end := (k + len(s)) / 3 * 4
		if end-start >= minFragment {
			out = append(out, enc[start:end])
		}
	}
	return out
}

// Clean scans nc within the given time and fails t, naming each
// finding (not the secret), when any secret is stored. It returns the
// report, e.g. to check that the streams expected were read.
func Clean(t testing.TB, nc *nats.Conn, within time.Duration, secrets ...string) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	r, err := Scan(ctx, nc, secrets)
	if err != nil {
		t.Fatalf("natsscan: %v", err)
	}
	if len(r.Findings) > 0 {
		t.Errorf("secrets stored on NATS: %s", r)
	}
	return r
}
