package jointoken

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzVerify checks that Verify never panics, refuses with a reason and
// without the token, and accepts only claims it would sign again.
func FuzzVerify(f *testing.F) {
	for _, tc := range verifyCases(f) {
		f.Add(tc.token)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := Verify(token, testLookup, testRoom, testNow)
		if err != nil {
			if Reason(err) == "" || errors.Is(err, ErrShortSecret) {
				t.Fatalf("refusal without a reason: %v", err)
			}
			if len(token) >= 16 && strings.Contains(err.Error(), token) {
				t.Fatalf("error echoes the token: %v", err)
			}
			return
		}
		if c.Tenant != "acme" || c.Room != testRoom || c.Issuer != Issuer {
			t.Fatalf("accepted claims %+v", c)
		}
		again, err := Verify(mustSign(t, testSecret, c), testLookup, testRoom, testNow)
		if err != nil || again != c {
			t.Fatalf("accepted claims %+v do not round-trip: %+v, %v", c, again, err)
		}
	})
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz from the case tables")

// TestSeedCorpus checks that the committed seed corpus holds the case
// tables, so the fuzzers start from every case the tests know;
// -update-seeds rewrites it.
func TestSeedCorpus(t *testing.T) {
	seeds := map[string]map[string]string{"FuzzVerify": {}, "FuzzDecodePart": {}}
	for _, tc := range verifyCases(t) {
		seeds["FuzzVerify"]["seed-"+tc.name] = tc.token
	}
	for _, tc := range partCases {
		seeds["FuzzDecodePart"]["seed-"+tc.name] = tc.in
	}
	for fuzzer, files := range seeds {
		for name, s := range files {
			checkSeed(t, filepath.Join("testdata", "fuzz", fuzzer, name), s)
		}
	}
}

func checkSeed(t *testing.T, path, s string) {
	t.Helper()
	want := fmt.Sprintf("go test fuzz v1\nstring(%q)\n", s)
	if *updateSeeds {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Errorf("seed %s is missing or stale (run go test -run TestSeedCorpus -update-seeds): %v", path, err)
	}
}
