//go:build linux

package rtmp

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// tcpPair returns both ends of a TCP connection on 127.0.0.1.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// pieces returns n pieces of random sizes (some empty) and their
// concatenation.
func pieces(rng *rand.Rand, n, maxLen int) ([][]byte, []byte) {
	var all []byte
	out := make([][]byte, n)
	for i := range out {
		p := make([]byte, rng.IntN(maxLen+1))
		for j := range p {
			p[j] = byte(rng.Uint32())
		}
		out[i] = p
		all = append(all, p...)
	}
	return out, all
}

// TestVectorWriterSlowReader: a batch many times the socket buffers,
// more pieces than one writev takes, to a reader that reads in small
// steps, arrives whole and in order (partial writes and EAGAIN waits).
func TestVectorWriterSlowReader(t *testing.T) {
	c, s := tcpPair(t)
	_ = c.(*net.TCPConn).SetWriteBuffer(16 << 10)
	_ = s.(*net.TCPConn).SetReadBuffer(16 << 10)
	rng := rand.New(rand.NewPCG(1, 2))
	bufs, want := pieces(rng, 2*maxIOV+7, 2048)
	got := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		p := make([]byte, 1500)
		for b.Len() < len(want) {
			n, err := s.Read(p)
			b.Write(p[:n])
			if err != nil {
				break
			}
		}
		got <- b.Bytes()
	}()
	_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	var w vectorWriter
	n, err := w.write(c, bufs)
	if err != nil || n != int64(len(want)) {
		t.Fatalf("write: %d of %d bytes, %v", n, len(want), err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("received %d bytes, not the %d written in order", len(b), len(want))
	}
	for _, v := range w.iov[:cap(w.iov)] {
		if v.Base != nil {
			t.Fatal("vectors still point at the written pieces")
		}
	}
}

// TestVectorWriterDeadline: a peer that never reads makes the write end at
// its deadline, with what was written counted.
func TestVectorWriterDeadline(t *testing.T) {
	c, _ := tcpPair(t)
	bufs := [][]byte{make([]byte, 32<<20), make([]byte, 32<<20)}
	_ = c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	var w vectorWriter
	n, err := w.write(c, bufs)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write to a peer that does not read: %v, want the deadline", err)
	}
	if n <= 0 || n >= 64<<20 {
		t.Fatalf("wrote %d bytes, want some but not all", n)
	}
}

// TestVectorWriterPeerGone: a write after the peer has gone fails with an
// error instead of blocking or panicking.
func TestVectorWriterPeerGone(t *testing.T) {
	c, s := tcpPair(t)
	s.(*net.TCPConn).SetLinger(0) // reset, not a graceful close
	s.Close()
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	var w vectorWriter
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = w.write(c, [][]byte{make([]byte, 64<<10)})
	}
	if !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("write to a reset connection: %v, want EPIPE or ECONNRESET", err)
	}
	c.Close()
	if _, err := w.write(c, [][]byte{{1}}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write on a closed connection: %v, want net.ErrClosed", err)
	}
}

// TestVectorWriterNothingAndPipe: empty batches write nothing; a
// connection without a descriptor goes through net.Buffers.
func TestVectorWriterNothingAndPipe(t *testing.T) {
	c, _ := tcpPair(t)
	var w vectorWriter
	if n, err := w.write(c, nil); n != 0 || err != nil {
		t.Fatalf("empty batch: %d, %v", n, err)
	}
	if n, err := w.write(c, [][]byte{{}, nil}); n != 0 || err != nil {
		t.Fatalf("empty pieces: %d, %v", n, err)
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	got := make(chan []byte, 1)
	go func() { p, _ := io.ReadAll(io.LimitReader(b, 5)); got <- p }()
	if n, err := w.write(a, [][]byte{[]byte("ab"), nil, []byte("cde")}); n != 5 || err != nil {
		t.Fatalf("pipe: %d, %v", n, err)
	}
	if p := <-got; string(p) != "abcde" {
		t.Fatalf("pipe received %q", p)
	}
}

func TestAdvanceIOV(t *testing.T) {
	mk := func(lens ...int) []syscall.Iovec {
		var v vectorWriter
		var bufs [][]byte
		for _, l := range lens {
			bufs = append(bufs, make([]byte, l))
		}
		return v.fill(bufs)
	}
	lens := func(vs []syscall.Iovec) []int {
		var out []int
		for _, v := range vs {
			out = append(out, int(v.Len))
		}
		return out
	}
	for _, tc := range []struct {
		in   []int
		n    int
		want []int
	}{
		{[]int{3, 4}, 0, []int{3, 4}},
		{[]int{3, 4}, 2, []int{1, 4}},
		{[]int{3, 4}, 3, []int{4}},
		{[]int{3, 4}, 5, []int{2}},
		{[]int{3, 4}, 7, nil},
	} {
		if got := lens(advanceIOV(mk(tc.in...), tc.n)); !slices.Equal(got, tc.want) {
			t.Errorf("advance %v by %d: %v, want %v", tc.in, tc.n, got, tc.want)
		}
	}
	v := mk(3)
	first := v[0].Base
	v = advanceIOV(v, 1)
	if uintptr(unsafePointer(v[0].Base))-uintptr(unsafePointer(first)) != 1 {
		t.Error("advancing by 1 did not move the base by 1 byte")
	}
}

func unsafePointer(p *byte) unsafe.Pointer { return unsafe.Pointer(p) }
