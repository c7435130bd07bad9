package rtmp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// pipeServer is the server's side of a net.Pipe: it answers the RTMP
// handshake with S0+S1+S2, writes reply, and records what the client sends.
// With closeAfter it closes once reply is written; stopReading makes it
// stop reading (a server that stalls).
type pipeServer struct {
	reply       []byte
	closeAfter  bool
	onPublish   bool // with closeAfter: close once the client sent publish
	stopReading chan struct{}

	srv  net.Conn
	wg   sync.WaitGroup
	mu   sync.Mutex
	wire bytes.Buffer
}

func newPipeServer(reply []byte, closeAfter bool) *pipeServer {
	return &pipeServer{reply: reply, closeAfter: closeAfter, stopReading: make(chan struct{})}
}

func (p *pipeServer) dial(context.Context) (net.Conn, net.Conn, error) {
	cli, srv := net.Pipe()
	p.srv = srv
	p.wg.Go(p.read)
	p.wg.Go(p.write)
	return cli, cli, nil
}

func (p *pipeServer) write() {
	hs := make([]byte, 1+2*1536)
	hs[0] = 3
	if _, err := p.srv.Write(hs); err != nil {
		return
	}
	if len(p.reply) > 0 {
		if _, err := p.srv.Write(p.reply); err != nil {
			return
		}
	}
	if p.onPublish {
		p.waitWire([]byte("\x02\x00\x07publish"), 2*time.Second)
	}
	if p.closeAfter {
		p.srv.Close()
	}
}

// waitWire polls until the client has sent b, or timeout.
func (p *pipeServer) waitWire(b []byte, timeout time.Duration) {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(time.Millisecond) {
		p.mu.Lock()
		found := bytes.Contains(p.wire.Bytes(), b)
		p.mu.Unlock()
		if found {
			return
		}
	}
}

func (p *pipeServer) read() {
	buf := make([]byte, 64<<10)
	for {
		select {
		case <-p.stopReading:
			return
		default:
		}
		n, err := p.srv.Read(buf)
		p.mu.Lock()
		p.wire.Write(buf[:n])
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// close ends the server and waits for its goroutines.
func (p *pipeServer) close() {
	if p.srv != nil {
		p.srv.Close()
	}
	p.wg.Wait()
}

// messages parses what the client sent after its handshake. It ends the
// server first, so call it once the client is done.
func (p *pipeServer) messages(t testing.TB) []message { t.Helper(); return p.parse(t, false) }

// messagesCut parses what the client sent before the server went away,
// which may end in the middle of a message.
func (p *pipeServer) messagesCut(t testing.TB) []message { t.Helper(); return p.parse(t, true) }

func (p *pipeServer) parse(t testing.TB, cut bool) []message {
	t.Helper()
	// The client's Write returns once read() has the bytes, before read()
	// appends them to wire: end the server so every byte read is kept.
	p.close()
	p.mu.Lock()
	b := bytes.Clone(p.wire.Bytes())
	p.mu.Unlock()
	if len(b) < 1+2*1536 || b[0] != 3 {
		t.Fatalf("client sent %d bytes, no handshake", len(b))
	}
	rd := newChunkReader(bytes.NewReader(b[1+2*1536:]))
	var out []message
	for {
		m, err := rd.next()
		if err == io.EOF || cut && errors.Is(err, io.ErrUnexpectedEOF) {
			return out
		}
		if err != nil {
			t.Fatalf("client chunk stream: %v", err)
		}
		if m.typ == msgSetChunkSize {
			if err := rd.setChunkSize(m.payload); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, m)
	}
}

// pipeOutput is an Output wired to p, with short timeouts.
func pipeOutput(p *pipeServer, logs *logBuffer) *Output {
	cfg := Config{
		Target:           Target{Host: "pipe.invalid", Port: 1935, App: "live", key: pipeKey},
		HandshakeTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
		StallTimeout: 300 * time.Millisecond, DrainTimeout: -1,
	}
	if logs != nil {
		cfg.Logger = logs.logger()
	}
	o := New(cfg)
	o.dial = p.dial
	return o
}

const pipeKey = "pipe-secret-key-4e1f"

// audioSource is a few AAC units and io.EOF: enough for a publish.
type audioSource struct {
	track *media.Track
	units []*media.Unit
	pos   int
}

func newAudioSource(n int) *audioSource {
	tr := &media.Track{ID: "a", Kind: media.KindAudio, Codec: media.CodecAAC, SampleRate: 48000, Channels: 2,
		Config: []byte{0x11, 0x90}}
	s := &audioSource{track: tr}
	for i := range n {
		ts := time.Duration(i) * 1024 * time.Second / 48000
		s.units = append(s.units, &media.Unit{Track: tr, PTS: ts, DTS: ts, Key: true, Data: []byte{0x21, byte(i), 0x40}})
	}
	return s
}

func (s *audioSource) Tracks() []*media.Track { return []*media.Track{s.track} }
func (s *audioSource) Reset()                 {}
func (s *audioSource) Read(ctx context.Context) (*media.Unit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.pos >= len(s.units) {
		return nil, io.EOF
	}
	s.pos++
	return s.units[s.pos-1], nil
}

// Server reply builders.

func srvMsg(typ uint8, streamID uint32, ts uint32, chunk int, payload []byte) []byte {
	b, err := appendChunks(nil, message{csid: csidCommand, typ: typ, streamID: streamID, ts: ts, payload: payload}, chunk)
	if err != nil {
		panic(err)
	}
	return b
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// amfObj encodes an AMF0 object (type 0x03) of string and number properties.
func amfObj(kv ...any) []byte {
	b := []byte{amfObject}
	for i := 0; i+1 < len(kv); i += 2 {
		b = amfEncode(appendAMFString(b, kv[i].(string)), kv[i+1])
	}
	return append(b, 0, 0, amfObjectEnd)
}

func cmdPayload(name string, tid float64, rest ...[]byte) []byte {
	b := amfEncode(nil, name, tid)
	for _, r := range rest {
		b = append(b, r...)
	}
	return b
}

func statusObj(level, code, desc string) []byte {
	return amfObj("level", level, "code", code, "description", desc)
}

var amfNullB = []byte{amfNull}

func connectOK(chunk int) []byte {
	return srvMsg(msgCommandAMF0, 0, 0, chunk, cmdPayload("_result", 1,
		amfObj("fmsVer", "FMS/3,0,1,123", "capabilities", 31.0),
		statusObj("status", "NetConnection.Connect.Success", "Connection succeeded.")))
}

func createStreamOK(chunk int) []byte {
	return srvMsg(msgCommandAMF0, 0, 0, chunk, cmdPayload("_result", 2, amfNullB, amfEncode(nil, 1.0)))
}

func onStatus(chunk int, ts uint32, level, code, desc string) []byte {
	return srvMsg(msgCommandAMF0, 1, ts, chunk, cmdPayload("onStatus", 0, amfNullB, statusObj(level, code, desc)))
}

func userControl(event uint16, data ...byte) []byte {
	return srvMsg(msgUserControl, 0, 0, 128, append(binary.BigEndian.AppendUint16(nil, event), data...))
}

// nginxAccept is what nginx-rtmp answers a publisher, in order.
func nginxAccept() []byte {
	return bytes.Join([][]byte{
		srvMsg(msgWindowAckSize, 0, 0, 128, u32(5000000)),
		srvMsg(msgSetPeerBW, 0, 0, 128, append(u32(5000000), 2)),
		srvMsg(msgSetChunkSize, 0, 0, 128, u32(4096)),
		connectOK(4096),
		srvMsg(msgCommandAMF0, 0, 0, 4096, cmdPayload("onBWDone", 0, amfNullB)),
		createStreamOK(4096),
		userControl(0, 0, 0, 0, 1),
		onStatus(4096, 0, "status", "NetStream.Publish.Start", "Start publishing"),
	}, nil)
}

// smallChunkAccept uses 60-byte chunks and extended timestamps.
func smallChunkAccept() []byte {
	return bytes.Join([][]byte{
		srvMsg(msgSetChunkSize, 0, 0, 128, u32(60)),
		connectOK(60),
		createStreamOK(60),
		onStatus(60, 0x01234567, "status", "NetStream.Publish.Start", "Start publishing"),
	}, nil)
}
