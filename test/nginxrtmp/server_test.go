package nginxrtmp

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"
)

func TestStartStopStart(t *testing.T) {
	s := Start(t, Options{})
	if !strings.HasPrefix(s.RTMPURL("live", "k"), "rtmp://127.0.0.1:") {
		t.Fatalf("RTMPURL = %s", s.RTMPURL("live", "k"))
	}
	// The TLS front presents the generated certificate.
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", s.TLSAddr(), s.TLSConfig())
	if err != nil {
		t.Fatalf("tls dial: %v\n%s", err, s.ErrorLog())
	}
	c.Close()

	s.Kill()
	if c, err := net.DialTimeout("tcp", s.RTMPAddr(), time.Second); err == nil {
		c.Close()
		t.Fatal("RTMP port still accepts after Kill")
	}
	s.Start() // same ports
	c2, err := net.DialTimeout("tcp", s.RTMPAddr(), time.Second)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	c2.Close()

	// A graceful Stop frees the port too, and Start takes it again.
	addr := s.RTMPAddr()
	s.Stop()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("RTMP port still accepts after Stop")
	}
	s.Start()
	if s.RTMPAddr() != addr {
		t.Fatalf("restarted on %s, want %s", s.RTMPAddr(), addr)
	}
	c3, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("after Stop and Start: %v", err)
	}
	c3.Close()
}
