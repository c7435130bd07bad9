package rtmp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestChunkRoundTrip writes messages with appendChunks and reads them back
// with chunkReader, across chunk sizes, basic header forms and extended
// timestamps.
func TestChunkRoundTrip(t *testing.T) {
	payload := make([]byte, 10000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	for _, chunk := range []int{1, 60, 128, 4096, 70000} {
		var stream []byte
		var want []message
		for i, csid := range []uint32{2, 63, 64, 319, 320, 65599} {
			for _, size := range []int{0, 1, 127, 128, 129, 10000} {
				for _, ts := range []uint32{0, 0xFFFFFE, 0xFFFFFF, 0x12345678} {
					m := message{csid: csid, typ: uint8(8 + i%2), streamID: uint32(i), ts: ts, payload: payload[:size]}
					var err error
					if stream, err = appendChunks(stream, m, chunk); err != nil {
						t.Fatal(err)
					}
					want = append(want, m)
				}
			}
		}
		rd := newChunkReader(bytes.NewReader(stream))
		rd.chunkSize = chunk
		for i, w := range want {
			got, err := rd.next()
			if err != nil {
				t.Fatalf("chunk %d, message %d: %v", chunk, i, err)
			}
			if got.csid != w.csid || got.typ != w.typ || got.streamID != w.streamID || got.ts != w.ts || !bytes.Equal(got.payload, w.payload) {
				t.Fatalf("chunk %d, message %d: got csid %d type %d sid %d ts %#x len %d, want %+v",
					chunk, i, got.csid, got.typ, got.streamID, got.ts, len(got.payload), w.csid)
			}
		}
		if _, err := rd.next(); err != io.EOF {
			t.Fatalf("after the last message: %v", err)
		}
	}
}

// TestChunkReaderCompressedHeaders reads type 1, 2 and 3 headers, which
// this package never writes but servers do (RTMP spec 5.3.1.2).
func TestChunkReaderCompressedHeaders(t *testing.T) {
	stream := []byte{
		0x04, 0, 0, 10, 0, 0, 2, 8, 1, 0, 0, 0, 'a', 'b', // type 0: ts 10, len 2, audio, sid 1
		0x44, 0, 0, 5, 0, 0, 1, 9, 'c', // type 1: +5, len 1, video
		0x84, 0, 0, 7, 'd', // type 2: +7
		0xc4, 'e', // type 3: +7 again
	}
	rd := newChunkReader(bytes.NewReader(stream))
	for _, w := range []struct {
		ts   uint32
		typ  uint8
		body string
	}{{10, 8, "ab"}, {15, 9, "c"}, {22, 9, "d"}, {29, 9, "e"}} {
		m, err := rd.next()
		if err != nil || m.ts != w.ts || m.typ != w.typ || string(m.payload) != w.body || m.streamID != 1 {
			t.Fatalf("got %+v %v, want %+v", m, err, w)
		}
	}
}

func TestChunkReaderLimits(t *testing.T) {
	for name, tc := range map[string]struct {
		in   []byte
		size []byte // a Set Chunk Size payload applied first
	}{
		"header inside a message": {size: []byte{0, 0, 0, 1},
			in: []byte{0x03, 0, 0, 0, 0, 0, 200, 20, 0, 0, 0, 0, 1, 0x03, 0, 0, 0, 0, 0, 1, 20, 0, 0, 0, 0}},
		"too many streams":  {in: manyStreams(maxServerStreams + 1)},
		"chunk size 0":      {size: []byte{0, 0, 0, 0}},
		"chunk size > 2^24": {size: []byte{0x7f, 0, 0, 0}},
		"short chunk size":  {size: []byte{1}},
	} {
		rd := newChunkReader(bytes.NewReader(tc.in))
		var err error
		if tc.size != nil && len(tc.in) == 0 {
			err = rd.setChunkSize(tc.size)
		} else if tc.size != nil {
			if err := rd.setChunkSize(tc.size); err != nil {
				t.Fatal(err)
			}
		}
		for err == nil {
			_, err = rd.next()
		}
		if !errors.Is(err, errChunkProtocol) {
			t.Errorf("%s: %v, want a chunk stream error", name, err)
		}
	}
}

func manyStreams(n int) []byte {
	var b []byte
	for i := range n {
		// A one-byte message of two on each stream, never completed.
		b = append(b, 0x01, byte(i), byte(i>>8), 0, 0, 0, 0, 0, 2, 8, 0, 0, 0, 0, 'x')
	}
	return b
}

func TestAMFRoundTrip(t *testing.T) {
	vals, err := amfDecodeAll(metadata(fixtureLikeTracks()))
	if err != nil || len(vals) != 3 || vals[0] != "@setDataFrame" || vals[1] != "onMetaData" {
		t.Fatalf("decode = %v, %v", vals, err)
	}
	checkMetadata(t, vals[2].(map[string]any))
	for i := range 12 {
		if _, err := amfDecodeAll(metadata(fixtureLikeTracks())[:i*20+1]); err == nil {
			t.Errorf("truncated at %d: no error", i*20+1)
		}
	}
	deep := bytes.Repeat([]byte{amfObject, 0, 1, 'k'}, maxAMFDepth+2)
	if _, err := amfDecodeAll(deep); err == nil {
		t.Error("nesting beyond maxAMFDepth decoded")
	}
}
