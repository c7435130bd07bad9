package client

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const module = "github.com/roomcast/roomcast/"

// goList runs `go list` with CGO_ENABLED=0 and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"list"}, args...)...)
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("CGO_ENABLED=0 go list %v: %v\n%s", args, err, stderr.String())
	}
	return strings.Fields(string(out))
}

// TestNoCgo: the client builds with CGO_ENABLED=0 and imports the
// standard library and api/types only; of this module it reaches
// nothing api/types does not (never room, egress, jobs, the pipeline's
// codecs). The Makefile's lint runs the cgo half too.
func TestNoCgo(t *testing.T) {
	for _, imp := range goList(t, "-f", `{{join .Imports "\n"}}`, ".") {
		if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && imp != module+"api/types" {
			t.Errorf("client imports %s: only the standard library and api/types are allowed", imp)
		}
	}
	allowed := map[string]bool{}
	for _, d := range goList(t, "-deps", "../api/types") {
		allowed[d] = true
	}
	deps := goList(t, "-deps", "./...")
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, d := range deps {
		switch {
		case d == "github.com/asticode/go-astiav" || strings.HasPrefix(d, "github.com/asticode/"):
			t.Errorf("client depends on %s, which links cgo", d)
		case strings.HasPrefix(d, module) && !allowed[d] && !strings.HasPrefix(d, module+"client"):
			t.Errorf("client depends on %s, beyond api/types: see `go list -deps ./client/...`", d)
		}
	}
}
