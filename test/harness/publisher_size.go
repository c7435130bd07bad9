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
	return s.StartPublisherArgs(t, room, name, "--codec", codec, "--duration", duration.String(),
		"--width", strconv.Itoa(width), "--height", strconv.Itoa(height))
}

// StartPublisherArgs runs `roomcast publish` in room as name with extra
// flags (--codec, --speak, --screen, --file …); t.Cleanup kills it if it
// is still running.
func (s *Server) StartPublisherArgs(t testing.TB, room, name string, extra ...string) *Publisher {
	t.Helper()
	args := append([]string{"publish", "--server", s.URL, "--room", room, "--name", name, "--loopback", "--json"}, extra...)
	cmd := exec.Command(s.binary, args...)
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
