// Package nginxrtmp runs a real nginx with nginx-rtmp on 127.0.0.1 for
// tests: a recording application, an optional on_publish hook, and an
// RTMPS front (nginx's stream module terminating TLS with a self-signed
// certificate generated here). Each server lives in t.TempDir() and is shut
// down by t.Cleanup.
//
// Needs the Debian packages nginx, libnginx-mod-rtmp and
// libnginx-mod-stream (scripts/install-deps.sh).
package nginxrtmp

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/roomcast/roomcast/test/testutil"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StartTimeout bounds the wait for nginx to listen.
const StartTimeout = 10 * time.Second

// Server is one nginx process, restartable on the same ports.
type Server struct {
	t      testing.TB
	opts   Options
	l      layout
	certs  *selfSigned
	notify *httptest.Server

	mu     sync.Mutex // the process
	cmd    *exec.Cmd
	exited chan struct{}

	rmu     sync.Mutex        // the recordings
	done    map[string]string // stream name → recorded path, from on_record_done
	changed chan struct{}     // closed and replaced on every record_done
}

// Start starts nginx and waits until its ports accept connections.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	opts = opts.withDefaults()
	s := &Server{t: t, opts: opts, done: make(map[string]string), changed: make(chan struct{})}
	if err := s.setup(); err != nil {
		t.Fatalf("nginxrtmp: %v", err)
	}
	t.Cleanup(s.shutdown)
	s.Start()
	return s
}

// setup checks the binaries and lays out the directory, ports,
// certificate and notification receiver.
func (s *Server) setup() error {
	need := []string{s.opts.Nginx, filepath.Join(s.opts.ModulesDir, "ngx_rtmp_module.so")}
	if !s.opts.NoTLS {
		need = append(need, filepath.Join(s.opts.ModulesDir, "ngx_stream_module.so"))
	}
	for _, p := range need {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s missing (Debian: nginx libnginx-mod-rtmp libnginx-mod-stream; see scripts/install-deps.sh): %w", p, err)
		}
	}
	dir := s.t.TempDir()
	s.l = layout{dir: dir, recordDir: filepath.Join(dir, "record"),
		certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	if err := os.Mkdir(s.l.recordDir, 0o755); err != nil {
		return err
	}
	var err error
	if s.l.rtmpPort, err = testutil.FreePort(); err != nil {
		return err
	}
	if s.l.tlsPort, err = testutil.FreePort(); err != nil {
		return err
	}
	if s.certs, err = newSelfSigned(s.l.certFile, s.l.keyFile); err != nil {
		return err
	}
	s.notify = httptest.NewServer(http.HandlerFunc(s.onRecordDone))
	s.l.notifyURL = s.notify.URL + "/record_done"
	return os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(nginxConf(s.opts, s.l)), 0o644)
}

// Start (re)starts nginx on the same ports and waits for readiness.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatalf("nginxrtmp: already running")
	}
	conf := filepath.Join(s.l.dir, "nginx.conf")
	cmd := exec.Command(s.opts.Nginx, "-p", s.l.dir, "-c", conf, "-e", filepath.Join(s.l.dir, "error.log"))
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("nginxrtmp: start %s: %v", s.opts.Nginx, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	if err := s.waitReady(exited); err != nil {
		s.stopLocked(syscall.SIGKILL)
		s.t.Fatalf("nginxrtmp: %v\nstderr: %s\nerror.log:\n%s", err, cmd.Stderr, s.ErrorLog())
	}
}

// waitReady polls the ports until they accept connections.
func (s *Server) waitReady(exited <-chan struct{}) error {
	ports := []int{s.l.rtmpPort}
	if !s.opts.NoTLS {
		ports = append(ports, s.l.tlsPort)
	}
	deadline := time.Now().Add(StartTimeout)
	for _, p := range ports {
		for {
			c, err := net.DialTimeout("tcp", hostPort(p), 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-exited:
				return errors.New("nginx exited during startup")
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %d not ready within %s: %v", p, StartTimeout, err)
			}
		}
	}
	return nil
}

// Stop shuts nginx down quickly (SIGTERM: connections are closed and
// recordings finished), killing it if it lingers. The ports stay reserved
// for Start.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGTERM)
}

// Kill kills nginx at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGKILL)
}

func (s *Server) stopLocked(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd, s.exited = nil, nil
}

func (s *Server) shutdown() {
	s.Stop()
	if s.notify != nil {
		s.notify.Close()
	}
}

// RTMPURL is rtmp://127.0.0.1:port/app/key.
func (s *Server) RTMPURL(app, key string) string {
	return "rtmp://" + hostPort(s.l.rtmpPort) + "/" + app + "/" + key
}

// RTMPSURL is rtmps://127.0.0.1:port/app/key, through the TLS proxy.
func (s *Server) RTMPSURL(app, key string) string {
	return "rtmps://" + hostPort(s.l.tlsPort) + "/" + app + "/" + key
}

// App is the configured application name.
func (s *Server) App() string { return s.opts.App }

// RTMPAddr and TLSAddr are the listening addresses.
func (s *Server) RTMPAddr() string { return hostPort(s.l.rtmpPort) }
func (s *Server) TLSAddr() string  { return hostPort(s.l.tlsPort) }

// RecordPath is where nginx records the stream published under key.
func (s *Server) RecordPath(key string) string {
	return filepath.Join(s.l.recordDir, key+".flv")
}

// CertPool trusts the server's self-signed certificate.
func (s *Server) CertPool() *x509.CertPool { return s.certs.pool }

// TLSConfig is a client configuration trusting CertPool.
func (s *Server) TLSConfig() *tls.Config { return &tls.Config{RootCAs: s.certs.pool} }

// ErrorLog returns nginx's error log, for failure reports.
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.l.dir, "error.log"))
	return string(b)
}

func hostPort(p int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)) }

// CertFile is the PEM file of the TLS proxy's self-signed certificate, for
// clients that take a CA file (roomcast's egress.rtmps_ca_file).
func (s *Server) CertFile() string { return s.l.certFile }
