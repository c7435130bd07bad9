// Package harness starts real roomcast processes and peers for end-to-end
// tests and benchmarks: `roomcast serve`, `roomcast publish` and an ingest
// in the calling process.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/roomcast/roomcast/test/testutil"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/jobs/seal"
)

// TestKey is the API key every test server accepts.
const TestKey = "e2e-test-key-0123456789"

// secretKeys holds each top-level test's keyring.
var secretKeys sync.Map

// SecretKey is the keyring ("id:base64key", the form of secret_key) that
// every roomcast process of one test shares: the serve nodes on an
// external NATS and the workers get it as ROOMCAST_SECRET_KEY, so they
// open each other's job records. It is made on first use, one per
// top-level test (its subtests share it).
func SecretKey(t testing.TB) string {
	t.Helper()
	root, _, _ := strings.Cut(t.Name(), "/")
	if k, ok := secretKeys.Load(root); ok {
		return k.(string)
	}
	k, err := seal.GenerateKey("e2e")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := secretKeys.LoadOrStore(root, k)
	return got.(string)
}

// WorkerKeyEnv is the workers' service key every process of a test
// cluster shares: standalone workers reach any tenant's rooms with it.
const WorkerKeyEnv = "ROOMCAST_WORKER_KEY=e2e-workers-service-key-0123456789"

// SecretKeyEnv is SecretKey as the environment setting.
func SecretKeyEnv(t testing.TB) string { return "ROOMCAST_SECRET_KEY=" + SecretKey(t) }

// LoopbackEgress lets test servers and workers reach RTMP servers and
// webhook receivers on loopback, which the outbound policy refuses by
// default; every other local network stays refused. A test's own env
// setting of the variable comes later and wins.
const LoopbackEgress = "ROOMCAST_EGRESS_ALLOWED_NETWORKS=127.0.0.0/8,::1/128"

// BuildBinary builds cmd/roomcast into a temporary directory; cleanup removes it.
func BuildBinary() (string, func(), error) {
	dir, err := os.MkdirTemp("", "roomcast-e2e-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "roomcast")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/roomcast/roomcast/cmd/roomcast")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build roomcast: %w", err)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// Server is a roomcast serve process.
type Server struct {
	URL    string
	Key    string
	Data   string // its --data directory
	binary string
	out    *syncBuffer
	cmd    *exec.Cmd
	exited chan struct{}
}

// syncBuffer collects a process's output for failure reports.
type syncBuffer = testutil.SyncBuffer

var servingRe = regexp.MustCompile(`serving on (http://[0-9.:]+)`)

// StartServer starts `roomcast serve` on a free loopback port with loopback
// WebRTC and a fixed API key; env adds KEY=VALUE settings. t.Cleanup stops
// it with SIGTERM and waits.
func StartServer(t testing.TB, binary string, env ...string) *Server {
	t.Helper()
	return StartServerIn(t, binary, t.TempDir(), env...)
}

// StartServerIn is StartServer with a given data directory, e.g. to
// restart a killed server on the state it left. A server given
// ROOMCAST_NATS_URL (a node of a cluster) gets the test's keyring
// (SecretKey), as its workers do.
func StartServerIn(t testing.TB, binary, data string, env ...string) *Server {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), "ROOMCAST_API_KEY="+TestKey, "ROOMCAST_WEBRTC_LOOPBACK_ONLY=true", "ROOMCAST_LOG_LEVEL=debug", LoopbackEgress)
	if slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "ROOMCAST_NATS_URL=") }) {
		// One node of a cluster: it shares the test's keyring with the
		// others. A server on its own embedded NATS keeps the default, a
		// key generated into its data directory.
		cmd.Env = append(cmd.Env, SecretKeyEnv(t), WorkerKeyEnv)
	}
	cmd.Env = append(cmd.Env, env...)
	s := &Server{Key: TestKey, Data: data, binary: binary, out: &syncBuffer{}, cmd: cmd, exited: make(chan struct{})}
	cmd.Stderr = s.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start roomcast: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() { stopProcess(t, cmd, done, s.exited, "roomcast serve", s.out) })
	s.URL = waitServing(t, stdout, s.out)
	waitHealthy(t, s.URL)
	return s
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Kill ends the server with SIGKILL, as a crash would, and waits for it.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	_ = s.cmd.Process.Kill()
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("roomcast serve did not exit on SIGKILL")
	}
}

// Output is what the server has printed so far (stdout and stderr).
func (s *Server) Output() string { return s.out.String() }

// waitServing reads stdout until the server prints its address.
func waitServing(t testing.TB, stdout io.Reader, log *syncBuffer) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			if m := servingRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("roomcast did not start in 30 s; output:\n%s", log)
	}
	return ""
}

func waitHealthy(t testing.TB, base string) {
	t.Helper()
	Eventually(t, 10*time.Second, "server healthy", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// stopProcess sends SIGTERM, waits up to 15 s, then kills. done carries
// cmd.Wait's result and exited is closed after it.
func stopProcess(t testing.TB, cmd *exec.Cmd, done <-chan error, exited <-chan struct{}, name string, out fmt.Stringer) {
	select {
	case <-exited: // killed by the test
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil && t.Failed() {
			t.Logf("%s exited: %v", name, err)
		}
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("%s did not stop within 15 s of SIGTERM", name)
	}
	if t.Failed() && out != nil {
		t.Logf("%s output:\n%s", name, tail(out.String(), 8000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// Eventually polls cond until it holds or the deadline passes
// (testutil.Eventually).
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	testutil.Eventually(t, within, what, cond)
}

// Do sends an API request with the server's key and decodes a JSON answer
// into out (when not nil). It returns the status code.
func (s *Server) Do(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	return s.DoKey(t, s.Key, method, path, body, out)
}

// DoKey is Do with an explicit key ("" sends no Authorization header).
func (s *Server) DoKey(t testing.TB, key, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// APIError is the API's error body, {"error":{"code","message","field"}}.
type APIError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// CreateRoom creates a room and fails the test unless it gets 201.
func (s *Server) CreateRoom(t testing.TB, name string) {
	t.Helper()
	if code := s.Do(t, "POST", "/v1/rooms", map[string]string{"name": name}, nil); code != http.StatusCreated {
		t.Fatalf("create room %s: status %d", name, code)
	}
}

// RoomInfo is GET /v1/rooms/{room}.
type RoomInfo struct {
	Name         string `json:"name"`
	Participants []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Tracks []struct {
			ID    string `json:"id"`
			Kind  string `json:"kind"`
			Codec string `json:"codec"`
		} `json:"tracks"`
	} `json:"participants"`
	Subscribers int `json:"subscribers"` // over WebRTC
	// LocalSubscribers are the jobs of the server's own workers, which
	// read the room in process.
	LocalSubscribers int `json:"local_subscribers,omitempty"`
	// RelaySubscribers are the jobs of remote workers that read the room
	// over a relay connection.
	RelaySubscribers int `json:"relay_subscribers,omitempty"`
}

// RoomInfo fetches a room and fails the test unless it gets 200.
func (s *Server) RoomInfo(t testing.TB, room string) RoomInfo {
	t.Helper()
	var info RoomInfo
	if code := s.Do(t, "GET", "/v1/rooms/"+room, nil, &info); code != http.StatusOK {
		t.Fatalf("get room %s: status %d", room, code)
	}
	return info
}

// PublishStats is the JSON line `roomcast publish --json` prints at the end.
type PublishStats struct {
	ParticipantID string `json:"participant_id"`
	VideoFrames   uint64 `json:"video_frames"`
	AudioFrames   uint64 `json:"audio_frames"`
	Keyframes     uint64 `json:"keyframes"`
}

// Publisher is a `roomcast publish` process.
type Publisher struct {
	Name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error
}

// StartPublisher runs `roomcast publish` for duration at 320x240.
func (s *Server) StartPublisher(t testing.TB, room, name, codec string, duration time.Duration) *Publisher {
	t.Helper()
	return s.StartPublisherSize(t, room, name, codec, 320, 240, duration)
}

// WaitErr waits for the publisher to end and returns its output and exit error.
func (p *Publisher) WaitErr(within time.Duration) (string, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return p.out.String(), err
	case <-time.After(within):
		return p.out.String(), fmt.Errorf("publisher %s did not end within %s", p.Name, within)
	}
}

// Wait waits for the publisher to end and returns its final stats.
func (p *Publisher) Wait(t testing.TB, within time.Duration) PublishStats {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("publisher %s: %v\n%s", p.Name, err, p.out)
		}
	case <-time.After(within):
		t.Fatalf("publisher %s did not end within %s\n%s", p.Name, within, p.out)
	}
	for _, line := range strings.Split(p.out.String(), "\n") {
		if strings.HasPrefix(line, "{") {
			var st PublishStats
			if err := json.Unmarshal([]byte(line), &st); err == nil {
				return st
			}
		}
	}
	t.Fatalf("publisher %s printed no stats:\n%s", p.Name, p.out)
	return PublishStats{}
}

// Leave interrupts the publisher (SIGINT: it ends its WHIP session and
// leaves the room) and waits for it to exit.
func (p *Publisher) Leave(t testing.TB, within time.Duration) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("interrupt publisher %s: %v", p.Name, err)
	}
	if _, err := p.WaitErr(within); err != nil && !strings.Contains(err.Error(), "exit status") {
		t.Fatalf("publisher %s: %v", p.Name, err)
	}
}

// Token is a minted join token.
type Token struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateToken mints a join token for room with the server's key and
// fails the test unless it gets 201.
func (s *Server) CreateToken(t testing.TB, room string, body map[string]any) Token {
	t.Helper()
	var tok Token
	if code := s.Do(t, "POST", "/v1/rooms/"+room+"/tokens", body, &tok); code != http.StatusCreated || tok.Token == "" {
		t.Fatalf("mint a join token for %s: status %d", room, code)
	}
	return tok
}
