package harness

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// StartPublisherSize runs `roomcast publish` for duration with the given
// video size; t.Cleanup kills it if it is still running.
func (s *Server) StartPublisherSize(t testing.TB, room, name, codec string, width, height int, duration time.Duration) *Publisher {
	t.Helper()
	cmd := exec.Command(s.binary, "publish", "--server", s.URL, "--room", room, "--name", name,
		"--codec", codec, "--duration", duration.String(),
		"--width", strconv.Itoa(width), "--height", strconv.Itoa(height),
		"--loopback", "--json")
	cmd.Env = append(os.Environ(), "ROOMCAST_API_KEY="+s.Key)
	p := &Publisher{Name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start publisher %s: %v", name, err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case err := <-p.done:
			p.done <- err
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}
