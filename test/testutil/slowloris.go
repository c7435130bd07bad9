package testutil

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"
)

// DialFrom connects to addr from the local IP src, to act as another
// client on one host: Linux routes all of 127.0.0.0/8 on lo, so
// 127.0.0.2 reaches a server on 127.0.0.1.
func DialFrom(src, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: timeout}
	return d.Dial("tcp", addr)
}

// GetFrom GETs url over a new connection from the local IP src and
// returns the status and body.
func GetFrom(src, url string, timeout time.Duration) (int, string, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: timeout}
	tr := &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// Slowloris sends an HTTP request header on c one byte every 50 ms and
// never ends it, until the server closes c or within passes. It returns
// how long c stayed open and closes c.
func Slowloris(c net.Conn, within time.Duration) time.Duration {
	start := time.Now()
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		_, _ = c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "))
		tick := time.NewTicker(50 * time.Millisecond) // the attack's pace
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(start.Add(within))
	_, _ = io.Copy(io.Discard, c)
	open := time.Since(start)
	close(stop)
	_ = c.Close()
	<-sent
	return open
}

// Refused connects from src to addr and reads: it returns how long the
// server took to close the connection and the error seen (nil: it sent
// data instead). The reset may already come while connect returns.
func Refused(src, addr string, within time.Duration) (time.Duration, error) {
	start := time.Now()
	c, err := DialFrom(src, addr, within)
	if err != nil {
		return time.Since(start), err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(within))
	_, err = c.Read(make([]byte, 1))
	return time.Since(start), err
}
