package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/nginxrtmp"
	"github.com/roomcast/roomcast/test/testutil"
)

// nginxApp is one RTMP application of a benchmark nginx: live, no
// recording, pushing each stream it receives to every URL in push.
type nginxApp struct {
	name string
	push []string
}

// benchNginx is one nginx-rtmp process (master_process off: the process
// is the worker, so its /proc/<pid>/stat is all of nginx's CPU) on
// 127.0.0.1. Unlike test/nginxrtmp it records nothing and can push.
type benchNginx struct {
	port     int
	statPort int // 0: no rtmp_stat page
	dir      string
	cmd      *exec.Cmd
	done     chan struct{}
}

// startNginx writes the configuration, starts nginx and waits until it
// listens; t.Cleanup stops it. Every application reports publishes to
// notify (an on_publish URL). With stat, nginx also serves rtmp_stat over
// HTTP on another loopback port (see stat).
func startNginx(t testing.TB, notify string, stat bool, apps ...nginxApp) *benchNginx {
	t.Helper()
	bin := nginxrtmp.DefaultNginx
	mod := filepath.Join(nginxrtmp.DefaultModulesDir, "ngx_rtmp_module.so")
	for _, p := range []string{bin, mod} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s missing (Debian: nginx libnginx-mod-rtmp; scripts/install-deps.sh): %v", p, err)
		}
	}
	n := &benchNginx{dir: t.TempDir(), done: make(chan struct{})}
	var err error
	if n.port, err = testutil.FreePort(); err != nil {
		t.Fatal(err)
	}
	if stat {
		if n.statPort, err = testutil.FreePort(); err != nil {
			t.Fatal(err)
		}
	}

	var c strings.Builder
	fmt.Fprintf(&c, "daemon off;\nmaster_process off;\nworker_processes 1;\n")
	fmt.Fprintf(&c, "pid %s/nginx.pid;\nerror_log %s/error.log warn;\n", n.dir, n.dir)
	fmt.Fprintf(&c, "load_module %s;\nevents { worker_connections 256; }\n", mod)
	fmt.Fprintf(&c, "rtmp {\n  access_log off;\n  server {\n    listen 127.0.0.1:%d;\n    chunk_size 4096;\n", n.port)
	for _, a := range apps {
		fmt.Fprintf(&c, "    application %s {\n      live on;\n      on_publish %s;\n", a.name, notify)
		for _, u := range a.push {
			fmt.Fprintf(&c, "      push %s;\n", u)
		}
		fmt.Fprintf(&c, "    }\n")
	}
	fmt.Fprintf(&c, "  }\n}\n")
	if stat {
		fmt.Fprintf(&c, "http {\n  access_log off;\n")
		for _, p := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
			fmt.Fprintf(&c, "  %s_temp_path %s/%s;\n", p, n.dir, p)
		}
		fmt.Fprintf(&c, "  server {\n    listen 127.0.0.1:%d;\n    location /stat { rtmp_stat all; }\n  }\n}\n", n.statPort)
	}
	conf := filepath.Join(n.dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(c.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	n.cmd = exec.Command(bin, "-p", n.dir, "-c", conf, "-e", filepath.Join(n.dir, "error.log"))
	var out bytes.Buffer
	n.cmd.Stdout, n.cmd.Stderr = &out, &out
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	t.Cleanup(n.stop)
	deadline := time.Now().Add(10 * time.Second)
	addrs := []string{n.addr()}
	if stat {
		addrs = append(addrs, hostPort(n.statPort))
	}
	for _, a := range addrs {
		for {
			conn, err := net.DialTimeout("tcp", a, 200*time.Millisecond)
			if err == nil {
				conn.Close()
				break
			}
			select {
			case <-n.done:
				t.Fatalf("nginx exited during startup: %s\n%s", out.String(), n.errorLog())
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("nginx not listening on %s within 10 s: %v\n%s", a, err, n.errorLog())
			}
		}
	}
	return n
}

func hostPort(p int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)) }

// rtmpStat is the server-wide part of nginx-rtmp's rtmp_stat page.
type rtmpStat struct {
	BytesIn  uint64 `xml:"bytes_in"`
	BytesOut uint64 `xml:"bytes_out"`
	at       time.Time
}

// stat reads the rtmp_stat page: the bytes every RTMP connection of this
// nginx has received and sent.
func (n *benchNginx) stat(t testing.TB) rtmpStat {
	t.Helper()
	if n.statPort == 0 {
		t.Fatal("nginx started without stat")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+hostPort(n.statPort)+"/stat", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("nginx rtmp_stat: %v", err)
	}
	defer resp.Body.Close()
	st := rtmpStat{at: time.Now()}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("nginx rtmp_stat: status %d", resp.StatusCode)
	}
	if err := xml.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("nginx rtmp_stat: %v", err)
	}
	return st
}

func (n *benchNginx) addr() string { return hostPort(n.port) }

// url is rtmp://127.0.0.1:port/app/name.
func (n *benchNginx) url(app, name string) string {
	return "rtmp://" + n.addr() + "/" + app + "/" + name
}

func (n *benchNginx) pid() int { return n.cmd.Process.Pid }

func (n *benchNginx) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "error.log"))
	return string(b)
}

func (n *benchNginx) stop() {
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(5 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// publishLog receives nginx-rtmp's on_publish notifications and remembers
// every app/name published.
type publishLog struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen map[string]bool
}

func newPublishLog(t testing.TB) *publishLog {
	p := &publishLog{seen: map[string]bool{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.seen[r.Form.Get("app")+"/"+r.Form.Get("name")] = true
		p.mu.Unlock()
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *publishLog) url() string { return p.srv.URL + "/on_publish" }

// forget drops names from the log, for a stream name published again.
func (p *publishLog) forget(names ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range names {
		delete(p.seen, n)
	}
}

// has reports whether every app/name in names has been published.
func (p *publishLog) has(names ...string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range names {
		if !p.seen[n] {
			return false
		}
	}
	return true
}

// procCPU is the CPU time (utime + stime) a process has used, from
// /proc/<pid>/stat, and when it was read.
func procCPU(pid int) (time.Duration, time.Time, error) {
	at := time.Now()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, at, err
	}
	// Fields after the command (which may hold spaces) start at field 3.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, at, fmt.Errorf("/proc/%d/stat: no command", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, at, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, at, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTick, at, nil
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports.
const clockTick = 100

// procRuntime is the time all threads of a process have spent on a CPU,
// user and system, from the scheduler's own accounting
// (/proc/<pid>/task/*/schedstat, nanoseconds) rather than from the clock
// ticks of /proc/<pid>/stat, which a process that runs for short bursts
// (nginx waking per packet) only sometimes meets. Threads that have
// already exited are missing, which the processes measured here (nginx:
// one thread; roomcast: Go's long-lived Ms) hardly have.
func procRuntime(pid int) (time.Duration, error) {
	s, err := procSched(pid)
	return s.run, err
}

// procSample is what the scheduler counted for a process's threads: the
// CPU time they ran and how many times they were switched in.
type procSample struct {
	run      time.Duration
	switches int64
}

// procSched sums /proc/<pid>/task/*/schedstat: the time on the CPU and
// the number of timeslices of every thread.
func procSched(pid int) (procSample, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return procSample{}, fmt.Errorf("no /proc/%d/task/*/schedstat: %v", pid, err)
	}
	var sum procSample
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(b))
		if len(f) < 3 {
			return procSample{}, fmt.Errorf("%s: %q", p, b)
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return procSample{}, fmt.Errorf("%s: %v", p, err)
		}
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return procSample{}, fmt.Errorf("%s: %v", p, err)
		}
		sum.run += time.Duration(ns)
		sum.switches += n
	}
	return sum, nil
}

// childPid finds the process this one started whose command line holds
// arg as its second word (e.g. the `roomcast serve` the harness started).
func childPid(arg string) (int, error) {
	self := os.Getpid()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		st, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(st, ')')
		if i < 0 {
			continue
		}
		if f := strings.Fields(string(st[i+1:])); len(f) < 2 || f[1] != strconv.Itoa(self) {
			continue
		}
		cmdline, _ := os.ReadFile(d + "/cmdline")
		if args := strings.Split(string(cmdline), "\x00"); len(args) > 1 && args[1] == arg {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no child process with argument %q", arg)
}
