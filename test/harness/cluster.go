package harness

import (
	"bufio"
	"fmt"
	"github.com/roomcast/roomcast/test/testutil"
	"io"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// Process is a roomcast process a test starts and may kill.
type Process struct {
	Name   string
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// startProcess runs binary with args and env, copying its output to a
// buffer, and waits until a stdout line matches ready (nil: no wait).
func startProcess(t testing.TB, name, binary string, args, env []string, ready *regexp.Regexp) (*Process, []string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &Process{Name: name, cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	found := make(chan []string, 1)
	go p.scan(stdout, ready, found)
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.Term(t, 20*time.Second) })
	if ready == nil {
		return p, nil
	}
	select {
	case m := <-found:
		return p, m
	case <-p.exited:
		t.Fatalf("%s exited before it was ready: %v\n%s", name, p.err, tail(p.out.String(), 4000))
	case <-time.After(30 * time.Second):
		t.Fatalf("%s not ready in 30 s:\n%s", name, tail(p.out.String(), 4000))
	}
	return p, nil
}

func (p *Process) scan(r io.Reader, ready *regexp.Regexp, found chan<- []string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fmt.Fprintln(p.out, sc.Text())
		if ready != nil {
			if m := ready.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m:
				default:
				}
			}
		}
	}
}

// Output is what the process printed.
func (p *Process) Output() string { return p.out.String() }

// Kill ends the process with SIGKILL, as a crash would.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	p.wait(t, 10*time.Second)
}

// Term sends SIGTERM and waits up to within; it returns the exit code
// (-1 when it had to be killed). A process already gone returns its code.
func (p *Process) Term(t testing.TB, within time.Duration) int {
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Errorf("%s did not exit within %v of SIGTERM", p.Name, within)
		_ = p.cmd.Process.Kill()
		<-p.exited
		return -1
	}
}

func (p *Process) wait(t testing.TB, within time.Duration) {
	select {
	case <-p.exited:
	case <-time.After(within):
		t.Fatalf("%s did not exit", p.Name)
	}
}

// NATS is a `roomcast nats` server that a test can stop and start again
// on the same port and store.
type NATS struct {
	URL    string
	binary string
	addr   string
	store  string
	proc   *Process
	t      testing.TB
}

var natsReadyRe = regexp.MustCompile(`serving on (nats://\S+)`)

// StartNATS starts a standalone NATS JetStream server on a free port.
func StartNATS(t testing.TB, binary string) *NATS {
	t.Helper()
	n := &NATS{binary: binary, addr: testutil.FreeAddr(t), store: t.TempDir(), t: t}
	n.Start()
	return n
}

// Start (re)starts the server.
func (n *NATS) Start() {
	n.t.Helper()
	p, m := startProcess(n.t, "roomcast nats", n.binary, []string{"nats", "--listen", n.addr, "--store", n.store}, nil, natsReadyRe)
	n.proc, n.URL = p, m[1]
}

// Stop stops the server (SIGTERM).
func (n *NATS) Stop() { n.proc.Term(n.t, 15*time.Second) }

var workerReadyRe = regexp.MustCompile(`worker (\S+) is taking jobs`)

// StartWorker starts `roomcast worker` named id against natsURL, taking
// jobs on the rooms of server; env adds settings (storage, capacity …).
func StartWorker(t testing.TB, binary, natsURL string, server *Server, id string, env ...string) *Process {
	t.Helper()
	return StartWorkerIn(t, binary, natsURL, server, id, t.TempDir(), env...)
}

// StartWorkerIn is StartWorker on data directory data (a restarted
// worker finds there what it left). It has the test's keyring
// (SecretKey), as the serve nodes on natsURL do; an env setting of
// ROOMCAST_SECRET_KEY comes later and wins ("ROOMCAST_SECRET_KEY=" for
// none).
func StartWorkerIn(t testing.TB, binary, natsURL string, server *Server, id, data string, env ...string) *Process {
	t.Helper()
	env = append([]string{"ROOMCAST_API_KEY=" + TestKey, "ROOMCAST_WEBRTC_LOOPBACK_ONLY=true", "ROOMCAST_LOG_LEVEL=debug", LoopbackEgress, SecretKeyEnv(t), WorkerKeyEnv}, env...)
	args := []string{"worker", "--nats", natsURL, "--id", id, "--server", server.URL, "--data", data}
	p, _ := startProcess(t, "worker "+id, binary, args, env, workerReadyRe)
	return p
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }
