package storetest

import (
	"context"
	"errors"
	"fmt"
	"github.com/roomcast/roomcast/test/testutil"
	"go/build"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// MinIO is a MinIO server started for one test. It listens on 127.0.0.1 and
// keeps its data in a test temp dir; test cleanup stops it.
type MinIO struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string

	t       testing.TB
	args    []string
	out     syncBuffer
	cmd     *exec.Cmd
	exited  chan error
	running bool
}

// MinIOBinary finds the minio binary: $MINIO_BIN, then $PATH, then
// $(go env GOPATH)/bin, where scripts/install-minio.sh puts it.
func MinIOBinary() (string, bool) {
	if p := os.Getenv("MINIO_BIN"); p != "" {
		return p, true
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, true
	}
	for _, dir := range filepath.SplitList(build.Default.GOPATH) {
		p := filepath.Join(dir, "bin", "minio")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// StartMinIO starts a MinIO server, waits until it is live and stops it
// when the test ends. A missing minio binary fails the test: `make test`
// installs it (scripts/install-minio.sh).
func StartMinIO(t testing.TB) *MinIO {
	t.Helper()
	return StartMinIOAs(t, "roomcast-test", "roomcast-test-secret")
}

// StartMinIOAs is StartMinIO with its own root credentials: another
// company's S3, say.
func StartMinIOAs(t testing.TB, accessKey, secretKey string) *MinIO {
	t.Helper()
	bin, ok := MinIOBinary()
	if !ok {
		t.Fatal("minio binary not found: `make test` installs it with scripts/install-minio.sh")
	}
	m := &MinIO{AccessKey: accessKey, SecretKey: secretKey, Region: "us-east-1", t: t}
	addr, console := testutil.FreeAddr(t), testutil.FreeAddr(t)
	m.Endpoint = "http://" + addr
	m.args = []string{bin, "server", "--quiet", "--address", addr, "--console-address", console, t.TempDir()}
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// Start starts the server again after Stop, on the same address and data.
func (m *MinIO) Start() {
	m.t.Helper()
	if m.running {
		return
	}
	cmd := exec.Command(m.args[0], m.args[1:]...)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey,
		"MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_UPDATE=off",
		"MINIO_BROWSER=off",
	)
	cmd.Stdout, cmd.Stderr = &m.out, &m.out
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("start minio: %v", err)
	}
	m.cmd, m.exited, m.running = cmd, make(chan error, 1), true
	go func() { m.exited <- cmd.Wait() }()
	if err := waitLive(m.Endpoint, m.exited, 30*time.Second); err != nil {
		m.t.Fatalf("minio did not become live: %v\n%s", err, m.out.String())
	}
}

// Stop stops the server (an outage); Start brings it back.
func (m *MinIO) Stop() {
	if !m.running {
		return
	}
	stopProcess(m.t, m.cmd, m.exited)
	m.running = false
}

// waitLive polls the liveness endpoint until it answers 200, the process
// exits or the deadline passes.
func waitLive(endpoint string, exited <-chan error, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if live(ctx, client, endpoint+"/minio/health/live") {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("minio exited: %v", err)
		case <-ctx.Done():
			return errors.New("deadline passed")
		case <-tick.C:
		}
	}
}

func live(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func stopProcess(t testing.TB, cmd *exec.Cmd, exited <-chan error) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Logf("minio did not stop on SIGTERM; killing it")
		_ = cmd.Process.Kill()
		<-exited
	}
}

// syncBuffer collects the server's output for failure messages.
type syncBuffer = testutil.SyncBuffer
