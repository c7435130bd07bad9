package api

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cgoDeps are the packages that link FFmpeg through cgo: the API (and a
// Go client of it, through api/types) must build without them.
var cgoDeps = []string{
	"github.com/asticode/go-astiav",
	"github.com/roomcast/roomcast/pipeline/codec",
}

// TestNoCgo: api and its packages build with CGO_ENABLED=0, without
// go-astiav or the codecs among their dependencies. The job types come
// from api/types; a package importing egress (or anything else reaching
// the pipeline's codecs) fails this test. The Makefile's lint runs the
// same check.
func TestNoCgo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if root := os.Getenv("GOROOT"); root != "" {
			goTool, err = filepath.Join(root, "bin", "go"), nil
		}
	}
	if err != nil {
		t.Skipf("no go command to list the dependencies with: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "list", "-deps", "./...")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("CGO_ENABLED=0 go list -deps ./api/...: %v\n%s", err, stderr.String())
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, dep := range deps {
		for _, bad := range cgoDeps {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("api depends on %s, which links cgo: see `go list -deps ./api/...` for the chain (the job types are in api/types)", dep)
			}
		}
	}
}
