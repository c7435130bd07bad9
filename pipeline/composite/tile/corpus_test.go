package tile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFuzzCorpus checks that testdata/fuzz holds every seed of the fuzz
// targets' tables. ROOMCAST_UPDATE_CORPUS=1 writes the files instead.
func TestFuzzCorpus(t *testing.T) {
	update := os.Getenv("ROOMCAST_UPDATE_CORPUS") == "1"
	for target, seeds := range map[string][]fuzzSeed{"FuzzCustom": customSeeds(), "FuzzLayouts": layoutSeeds()} {
		for _, s := range seeds {
			path := filepath.Join("testdata", "fuzz", target, "seed-"+s.name)
			want := corpusFile(s.data)
			if update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != want {
				t.Errorf("%s is missing or stale (%v); run with ROOMCAST_UPDATE_CORPUS=1", path, err)
			}
		}
	}
}
