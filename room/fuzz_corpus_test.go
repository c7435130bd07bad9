package room

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false,
	"write the test tables' fuzz seeds to testdata/fuzz")

// writeFuzzCorpus writes each seed, the arguments of one call of a fuzz
// target (strings and byte slices), to testdata/fuzz/<target>/seed-<name>
// in the "go test fuzz v1" format, when -update-fuzz-corpus is set.
func writeFuzzCorpus(t *testing.T, target string, seeds map[string][]any) {
	t.Helper()
	if !*updateFuzzCorpus {
		return
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	unsafe := regexp.MustCompile(`[^a-zA-Z0-9]+`)
	for name, args := range seeds {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			switch v := a.(type) {
			case string:
				fmt.Fprintf(&b, "string(%q)\n", v)
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			default:
				t.Fatalf("seed %s: argument of type %T", name, a)
			}
		}
		file := filepath.Join(dir, "seed-"+strings.Trim(unsafe.ReplaceAllString(name, "-"), "-"))
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
