package webhook

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/test/testutil"
)

// tcpNATS is a NATS server on a fixed address and store, so a test can
// stop it and start it again as an outage would.
type tcpNATS struct {
	t         *testing.T
	addr, dir string
	srv       *jobs.Server
}

func startTCPNATS(t *testing.T) *tcpNATS {
	n := &tcpNATS{t: t, addr: testutil.FreeAddr(t), dir: t.TempDir()}
	n.start()
	t.Cleanup(n.stop)
	return n
}

func (n *tcpNATS) start() {
	srv, err := jobs.StartServer(n.addr, n.dir, 10*time.Second)
	if err != nil {
		n.t.Fatal(err)
	}
	n.srv = srv
}

func (n *tcpNATS) stop() {
	if n.srv != nil {
		n.srv.Close()
		n.srv = nil
	}
}

func (n *tcpNATS) connect() (jetstream.JetStream, *nats.Conn) {
	nc, err := jobs.Dial("nats://"+n.addr, n.t.Name())
	if err != nil {
		n.t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		n.t.Fatal(err)
	}
	return js, nc
}

// runOutbox runs o until the returned stop is called.
func runOutbox(o *Outbox) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); o.Run(ctx) }()
	return func() { cancel(); <-done }
}

func addEvents(t *testing.T, o *Outbox, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		ev, err := NewEvent(EgressUpdated, "ta", []string{"EG_a", "EG_b"}[i%2], map[string]any{"i": i})
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Add(ev); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

// streamIDs reads every event on the stream, in stream order.
func streamIDs(t *testing.T, js jetstream.JetStream) []string {
	t.Helper()
	cons, err := js.OrderedConsumer(testCtx(t), StreamName, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(300*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			ev, err := decodeEvent(m.Data())
			if err != nil {
				t.Fatal(err)
			}
			ids, n = append(ids, ev.ID), n+1
		}
		if n == 0 {
			return ids
		}
	}
}

func TestOutboxKeepsEventsAcrossOutageAndRestart(t *testing.T) {
	n := startTCPNATS(t)
	js1, nc1 := n.connect()
	if err := EnsureStream(testCtx(t), js1); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "outbox")
	ob1, err := OpenOutbox(OutboxConfig{Dir: dir, Publish: PublishTo(js1), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	stop1 := runOutbox(ob1)
	want := addEvents(t, ob1, 3)
	testutil.Eventually(t, waitLimit, "3 events published", func() bool { return ob1.Len() == 0 })

	n.stop() // NATS goes away while events are made
	want = append(want, addEvents(t, ob1, 12)...)
	if ob1.Len() != 12 {
		t.Fatalf("outbox holds %d events during the outage, want 12", ob1.Len())
	}
	stop1() // the process ends with its events on disk
	nc1.Close()
	if _, err := OpenOutbox(OutboxConfig{Dir: dir, Publish: PublishTo(js1)}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second outbox on a directory in use: %v", err)
	}
	ob1.Close()
	if err := os.WriteFile(filepath.Join(dir, outboxTmp+outboxName(99)), []byte("torn"), 0o640); err != nil {
		t.Fatal(err)
	}

	ob2, err := OpenOutbox(OutboxConfig{Dir: dir, Publish: func(context.Context, Event) error { return errors.New("unused") }})
	if err != nil {
		t.Fatal(err)
	}
	if ob2.Len() != 12 {
		t.Fatalf("a new process finds %d events, want 12", ob2.Len())
	}
	n.start()
	js2, nc2 := n.connect()
	defer nc2.Close()
	ob2.cfg.Publish = PublishTo(js2)
	stop2 := runOutbox(ob2)
	defer ob2.Close()
	defer stop2()
	testutil.Eventually(t, waitLimit, "the outbox drained", func() bool { return ob2.Len() == 0 })
	if got := streamIDs(t, js2); !equalIDs(got, want) {
		t.Fatalf("stream holds\n %v\nwant, in order\n %v", got, want)
	}
	left, err := os.ReadDir(dir)
	if err != nil || len(left) != 1 || left[0].Name() != outboxLock {
		t.Errorf("outbox dir keeps %v (%v)", left, err)
	}
}

func TestOutboxFullIsAClearError(t *testing.T) {
	dir := t.TempDir()
	ob, err := OpenOutbox(OutboxConfig{Dir: dir, MaxBytes: 4096,
		Publish: func(context.Context, Event) error { return errors.New("nats down") }})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	var full error
	added := 0
	for range 100 {
		ev, _ := NewEvent(EgressUpdated, "ta", "EG_a", map[string]any{"pad": strings.Repeat("x", 200)})
		if full = ob.Add(ev); full != nil {
			if !strings.Contains(full.Error(), ev.ID) {
				t.Errorf("error does not name the lost event: %v", full)
			}
			break
		}
		added++
	}
	if !errors.Is(full, ErrOutboxFull) || !strings.Contains(full.Error(), "webhook.outbox_max_bytes") {
		t.Fatalf("err %v after %d events, want ErrOutboxFull naming the setting", full, added)
	}
	if added == 0 || ob.Len() != added {
		t.Errorf("%d added, %d waiting", added, ob.Len())
	}
	if _, err := OpenOutbox(OutboxConfig{Dir: dir}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no Publish: %v", err)
	}
}
