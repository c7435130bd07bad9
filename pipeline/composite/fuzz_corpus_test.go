package composite_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeed is one named input of a fuzz target's seed table. The same table
// feeds f.Add and the corpus committed under testdata/fuzz.
type fuzzSeed struct {
	name string
	data []byte
}

// corpusFile returns the go test fuzz v1 encoding of data.
func corpusFile(data []byte) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data)
}

// TestFuzzCorpus checks that the committed corpus holds every seed of the
// tables. Run it with ROOMCAST_UPDATE_CORPUS=1 to write the files.
func TestFuzzCorpus(t *testing.T) {
	update := os.Getenv("ROOMCAST_UPDATE_CORPUS") == "1"
	for target, seeds := range map[string][]fuzzSeed{
		"FuzzMixer":       mixerSeeds(),
		"FuzzInterleaver": interleaverSeeds(),
	} {
		dir := filepath.Join("testdata", "fuzz", target)
		for _, s := range seeds {
			path := filepath.Join(dir, "seed-"+s.name)
			want := corpusFile(s.data)
			if update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is missing or stale (%v); run with ROOMCAST_UPDATE_CORPUS=1", path, err)
			}
		}
	}
}

// cat concatenates parts.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
