package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// actionTimeout bounds one action on a page (a click, an evaluation).
const actionTimeout = 10 * time.Second

// cdpBrowser is headless Chromium driven over the DevTools protocol
// (chromedp), in its own process group.
type cdpBrowser struct {
	ctx    context.Context // the first tab's; its first action started the browser
	cancel context.CancelFunc
	pgid   int
}

// startCDPBrowser starts Chromium bin with a throwaway profile, the fake
// camera and microphone granted without a prompt, and ICE on loopback.
// t.Cleanup closes it and kills what is left of its process group.
func startCDPBrowser(t *testing.T, bin string) *cdpBrowser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.WindowSize(1280, 900),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Its own group, so cleanup reaches renderers and helpers too;
			// and killed with the test process if that dies first.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		}),
	}
	for _, f := range chromiumFlags {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if strings.HasPrefix(name, "enable-logging") || name == "v" {
			continue // the console is read over the protocol here
		}
		if hasValue {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &cdpBrowser{ctx: ctx, cancel: func() { cancel(); allocCancel() }}
	start, startCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer startCancel()
	go func() { // the first action starts the browser; bound it without tying its life to start
		<-start.Done()
		if errors.Is(start.Err(), context.DeadlineExceeded) {
			b.cancel()
		}
	}()
	if err := chromedp.Do(ctx); err != nil {
		b.cancel()
		t.Fatalf("start chromium: %v", err)
	}
	if p := chromedp.FromContext(ctx).Browser.Process(); p != nil {
		b.pgid = p.Pid
	}
	t.Cleanup(b.close)
	return b
}

// close ends the browser (the allocator waits for it) and kills what is
// left of its process group.
func (b *cdpBrowser) close() {
	closing, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	_ = chromedp.Cancel(closing)
	cancel()
	b.cancel()
	if b.pgid > 0 {
		_ = syscall.Kill(-b.pgid, syscall.SIGKILL) // ESRCH once all are gone
	}
}

// tab is one page of the browser.
type tab struct {
	t      *testing.T
	ctx    context.Context
	name   string
	shots  string
	nshots int
}

// firstTab is the tab the browser opened with.
func (b *cdpBrowser) firstTab(t *testing.T, name, shots string) *tab {
	return &tab{t: t, ctx: b.ctx, name: name, shots: shots}
}

// newTab opens another tab; t.Cleanup closes it.
func (b *cdpBrowser) newTab(t *testing.T, name, shots string) *tab {
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	// The first action binds the tab's life to the context it gets, so
	// it gets ctx itself, with no timeout; the browser runs already.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab %s: %v", name, err)
	}
	return &tab{t: t, ctx: ctx, name: name, shots: shots}
}

// do runs actions within actionTimeout.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// must runs actions and fails the test on an error, naming what.
func (tb *tab) must(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := tb.do(steps...); err != nil {
		tb.shot("failed-" + what)
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// eval evaluates a JavaScript expression into T.
func evalIn[T any](tb *tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// waitJS polls a JavaScript expression until it is true, within.
func (tb *tab) waitJS(within time.Duration, what, expr string) {
	tb.t.Helper()
	deadline := time.Now().Add(within)
	var lastErr error
	for {
		ok, err := evalIn[bool](tb, expr)
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			tb.shot("timeout-" + what)
			tb.t.Fatalf("%s: %s not within %v (last error %v)", tb.name, what, within, lastErr)
		}
		select {
		case <-time.After(250 * time.Millisecond):
		case <-tb.ctx.Done():
			tb.t.Fatalf("%s: %s: %v", tb.name, what, tb.ctx.Err())
		}
	}
}

// shot saves a PNG of the whole page as NN-name.png and logs its path.
func (tb *tab) shot(name string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("%s: screenshot %s: %v", tb.name, name, err)
		return ""
	}
	tb.nshots++
	path := filepath.Join(tb.shots, fmt.Sprintf("%s-%02d-%s.png", tb.name, tb.nshots, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Errorf("save screenshot: %v", err)
		return ""
	}
	tb.t.Logf("screenshot %s", path)
	return path
}

// screenshotDir is $ROOMCAST_SCREENSHOTS_DIR, created if need be, else
// the test's artifact directory (kept with go test -artifacts).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ROOMCAST_SCREENSHOTS_DIR")
	if dir == "" {
		return t.ArtifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
