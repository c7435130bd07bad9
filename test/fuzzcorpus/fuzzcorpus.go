// Package fuzzcorpus writes fuzz seed corpora from test tables, so one
// table feeds the unit tests, f.Add and the committed testdata/fuzz files.
package fuzzcorpus

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update-fuzz-corpus", false, "write the test tables' fuzz seeds to testdata/fuzz")

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// Write writes each seed, the arguments of one call of a fuzz target
// (strings and byte slices), to testdata/fuzz/<target>/seed-<name> in the
// "go test fuzz v1" format, when the test runs with -update-fuzz-corpus.
func Write(t testing.TB, target string, seeds map[string][]any) {
	t.Helper()
	if !*update {
		return
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, args := range seeds {
		content, err := encode(args)
		if err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		file := filepath.Join(dir, "seed-"+strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-"))
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// WriteBytes is Write for targets that take one []byte.
func WriteBytes(t testing.TB, target string, seeds map[string][]byte) {
	t.Helper()
	m := make(map[string][]any, len(seeds))
	for name, b := range seeds {
		m[name] = []any{b}
	}
	Write(t, target, m)
}

func encode(args []any) (string, error) {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		default:
			return "", fmt.Errorf("argument of type %T", a)
		}
	}
	return b.String(), nil
}

// AddBytes adds each seed to f's corpus and writes them as WriteBytes
// does, for targets that take one []byte.
func AddBytes(f *testing.F, target string, seeds map[string][]byte) {
	f.Helper()
	for _, b := range seeds {
		f.Add(b)
	}
	WriteBytes(f, target, seeds)
}
