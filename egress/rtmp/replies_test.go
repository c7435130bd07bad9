package rtmp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// errAnyFailure in a case means: some error, but not ErrRejected.
var errAnyFailure = errors.New("any failure")

// replyCases are server replies after the handshake and what Run must
// make of them. They feed TestServerReplies and seed FuzzServerReplies
// (committed under testdata/fuzz/FuzzServerReplies).
var replyCases = []struct {
	name       string
	reply      []byte
	closeAfter bool  // the server closes after its reply
	onPublish  bool  // … once the client has sent publish
	want       error // nil: publishes and ends cleanly
}{
	{name: "nginx-accept", reply: nginxAccept()},
	{name: "small-chunks-extended-timestamp", reply: smallChunkAccept()},
	// gomedia panics on an unknown user control event type.
	{name: "unknown-user-control-event", reply: append(userControl(0x1f, 1, 2, 3, 4), nginxAccept()...)},
	{name: "short-user-control", reply: append(srvMsg(msgUserControl, 0, 0, 128, []byte{6}), nginxAccept()...)},
	{name: "ping-request", reply: append(userControl(ucPingRequest, 0, 0, 0x30, 0x39), nginxAccept()...)},
	// gomedia's reader loops forever on an empty message.
	{name: "empty-data-message", reply: append(srvMsg(msgDataAMF0, 0, 0, 128, nil), nginxAccept()...)},
	{name: "empty-command", reply: append(srvMsg(msgCommandAMF0, 0, 0, 128, nil), nginxAccept()...)},
	{name: "abort-message", reply: append(srvMsg(msgAbort, 0, 0, 128, u32(3)), nginxAccept()...)},
	{name: "zero-chunk-size", reply: srvMsg(msgSetChunkSize, 0, 0, 128, u32(0)), want: errChunkProtocol},
	{name: "type1-header-first", reply: []byte{0x43, 0, 0, 0, 0, 0, 4, 20, 1, 2, 3, 4}, want: errChunkProtocol},
	{name: "oversized-message", reply: []byte{0x03, 0, 0, 0, 0x20, 0, 0, 20, 0, 0, 0, 0, 2}, want: errChunkProtocol},
	{name: "connect-rejected", reply: srvMsg(msgCommandAMF0, 0, 0, 128, cmdPayload("_error", 1, amfNullB,
		statusObj("error", "NetConnection.Connect.Rejected", "unknown application"))), want: ErrRejected},
	// The server still holds an earlier session of the key: retried.
	{name: "publish-bad-name", reply: bytes.Join([][]byte{connectOK(128), createStreamOK(128),
		onStatus(128, 0, "error", "NetStream.Publish.BadName", "Already publishing")}, nil), want: errAnyFailure},
	{name: "publish-bad-name-invalid", reply: bytes.Join([][]byte{connectOK(128), createStreamOK(128),
		onStatus(128, 0, "error", "NetStream.Publish.BadName", "invalid stream name")}, nil), want: ErrRejected},
	// The key echoed back must not reach the error.
	{name: "rejected-echoing-key", reply: bytes.Join([][]byte{connectOK(128), createStreamOK(128),
		onStatus(128, 0, "error", "NetStream.Publish.Denied", "stream "+pipeKey+" denied")}, nil), want: ErrRejected},
	// nginx's answer to an on_publish hook that returned 403.
	{name: "closed-after-publish", reply: append(connectOK(128), createStreamOK(128)...), closeAfter: true, onPublish: true, want: ErrRejected},
	{name: "closed-before-connect-reply", closeAfter: true, want: errAnyFailure},
	// gomedia panics on AMF0 strict arrays; the panic becomes an error.
	{name: "strict-array-in-result", reply: srvMsg(msgCommandAMF0, 0, 0, 128,
		cmdPayload("_result", 1, []byte{amfStrictArray, 0, 0, 0, 1, amfNull})), want: errChunkProtocol},
	{name: "silence", want: ErrHandshakeTimeout},
}

func TestServerReplies(t *testing.T) {
	for _, tc := range replyCases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPipeServer(tc.reply, tc.closeAfter)
			p.onPublish = tc.onPublish
			defer p.close()
			var logs logBuffer
			o := pipeOutput(p, &logs)
			err := runBounded(t, o, newAudioSource(5))
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("Run = %v, want nil", err)
			case tc.want == errAnyFailure && (err == nil || errors.Is(err, ErrRejected)):
				t.Fatalf("Run = %v, want a failure that is not ErrRejected", err)
			case tc.want != nil && tc.want != errAnyFailure && !errors.Is(err, tc.want):
				t.Fatalf("Run = %v, want %v", err, tc.want)
			}
			t.Logf("Run = %v", err)
			if err != nil {
				assertNoKey(t, pipeKey, err.Error())
			}
			assertNoKey(t, pipeKey, logs.String(), o.Stats().LastError)
			if tc.want == nil {
				checkPublishedWire(t, p.messages(t), tc.name == "ping-request")
			}
		})
	}
}

// runBounded runs o and fails the test if Run does not return in time.
func runBounded(t testing.TB, o *Output, src Source) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- o.Run(ctx, src) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(3 * time.Second):
		cancel()
		<-errc
		t.Fatal("Run did not return within 3s")
		return nil
	}
}

// checkPublishedWire checks the client's side of an audio-only publish:
// gomedia's command sequence, then onMetaData, the AAC header, the frames,
// and the polite FCUnpublish and deleteStream.
func checkPublishedWire(t *testing.T, msgs []message, wantPong bool) {
	t.Helper()
	var seq []string
	pong := false
	for _, m := range msgs {
		switch m.typ {
		case msgCommandAMF0, msgDataAMF0:
			vals, _ := amfDecodeAll(m.payload)
			if len(vals) > 0 {
				seq = append(seq, fmt.Sprint(vals[0]))
			}
		case msgAudio:
			seq = append(seq, fmt.Sprintf("audio%d", m.payload[1]))
		case msgUserControl:
			pong = pong || (len(m.payload) == 6 && m.payload[1] == ucPingResponse && m.payload[5] == 0x39)
		}
	}
	want := "connect releaseStream FCPublish createStream publish @setDataFrame audio0 audio1 audio1 audio1 audio1 audio1 FCUnpublish deleteStream"
	if got := strings.Join(seq, " "); got != want {
		t.Errorf("client sent\n%s\nwant\n%s", got, want)
	}
	if pong != wantPong {
		t.Errorf("ping response sent: %v, want %v", pong, wantPong)
	}
}

// FuzzServerReplies feeds arbitrary bytes as the server's side of the
// connection after the handshake: Run must neither panic nor hang.
func FuzzServerReplies(f *testing.F) {
	for _, tc := range replyCases {
		f.Add(tc.reply)
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		p := newPipeServer(reply, true)
		defer p.close()
		err := runBounded(t, pipeOutput(p, nil), newAudioSource(3))
		if err != nil && strings.Contains(err.Error(), pipeKey) {
			t.Fatalf("key leaked: %v", err)
		}
	})
}

// TestFuzzSeedCorpus keeps testdata/fuzz/FuzzServerReplies in step with
// replyCases; ROOMCAST_UPDATE_CORPUS=1 rewrites it.
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzServerReplies")
	for _, tc := range replyCases {
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", tc.reply)
		path := filepath.Join(dir, "seed-"+tc.name)
		if os.Getenv("ROOMCAST_UPDATE_CORPUS") == "1" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("%s is missing or stale (err %v); run with ROOMCAST_UPDATE_CORPUS=1", path, err)
		}
	}
}
