package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

const fuzzID = "REC_00000000000000000000"

// fullChunk is a valid chunk object of fuzzID.
func fullChunk() []byte {
	segs := make([]Segment, ChunkSegments)
	for i := range segs {
		segs[i] = Segment{File: File{Name: SegmentName(uint64(i)), Size: 1}, Sequence: uint64(i), Init: InitName(0), Duration: 4,
			Wall: time.Date(2025, 3, 1, 12, 0, 4*i, 0, time.UTC)}
	}
	_, b, err := marshalChunk(fuzzID, 0, segs)
	if err != nil {
		panic(err)
	}
	return b
}

// fullRawChunk is a valid raw chunk object of fuzzID.
func fullRawChunk() []byte {
	raw := make([]RawFile, ChunkSegments)
	for i := range raw {
		raw[i] = RawFile{File: File{Name: fmt.Sprintf("raw/alice/v-%04d.mp4", i), Size: 1}, Participant: "alice", Track: "video", Codec: "vp8", Duration: 60}
	}
	_, b, err := marshalRawChunk(fuzzID, 0, raw)
	if err != nil {
		panic(err)
	}
	return b
}

var chunkCases = map[string][]byte{
	"good":          fullChunk(),
	"good raw":      fullRawChunk(),
	"raw traversal": []byte(strings.Replace(string(fullRawChunk()), "raw/alice/v-0001.mp4", "../v-0001.mp4", 1)),
	"truncated":     fullChunk()[:200],
	"other id":      []byte(strings.Replace(string(fullChunk()), fuzzID, "REC_11111111111111111111", 1)),
	"short":         []byte(`{"version":2,"id":"` + fuzzID + `","segments":[]}`),
	"traversal":     []byte(strings.Replace(string(fullChunk()), "seg-000001.m4s", "../../etc/pwd", 1)),
	"not json":      []byte(`index`),
}

// hashName names data as a chunk, so the fuzzer gets past the hash.
func hashName(data []byte) string { return kindName(segmentChunk, data) }

// kindName names data as a chunk of kind.
func kindName(kind string, data []byte) string {
	sum := sha256.Sum256(data)
	return fmt.Sprintf("%s-00000-%s.json", kind, hex.EncodeToString(sum[:8]))
}

func TestChunkFuzzCorpus(t *testing.T) {
	fuzzcorpus.WriteBytes(t, "FuzzParseChunk", chunkCases)
	fuzzcorpus.WriteBytes(t, "FuzzParseRawChunk", chunkCases)
	for name, data := range chunkCases {
		_, err := parseChunk(fuzzID, hashName(data), data)
		if (err == nil) != (name == "good") {
			t.Errorf("%s: %v", name, err)
		}
		_, err = parseRawChunk(fuzzID, kindName(rawChunk, data), data)
		if (err == nil) != (name == "good raw") {
			t.Errorf("%s as raw: %v", name, err)
		}
	}
	if _, err := parseChunk(fuzzID, "index-00000-0000000000000000.json", fullChunk()); err == nil {
		t.Error("a chunk whose name's hash differs was accepted")
	}
}

// FuzzParseChunk checks that parseChunk never panics, and that what it
// accepts encodes to a chunk it accepts again, unchanged.
func FuzzParseChunk(f *testing.F) {
	for _, data := range chunkCases {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		segs, err := parseChunk(fuzzID, hashName(data), data)
		if err != nil {
			return
		}
		name, b, err := marshalChunk(fuzzID, 0, segs)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseChunk(fuzzID, name, b)
		if err != nil || len(again) != len(segs) {
			t.Fatalf("reparse: %v", err)
		}
	})
}

// FuzzParseRawChunk: the same for raw chunks.
func FuzzParseRawChunk(f *testing.F) {
	for _, data := range chunkCases {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, err := parseRawChunk(fuzzID, kindName(rawChunk, data), data)
		if err != nil {
			return
		}
		name, b, err := marshalRawChunk(fuzzID, 0, raw)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := parseRawChunk(fuzzID, name, b); err != nil || len(again) != len(raw) {
			t.Fatalf("reparse: %v", err)
		}
	})
}
