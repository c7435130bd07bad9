// Package natstest starts embedded NATS JetStream servers for tests.
package natstest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/jobs"
)

// StartNATS starts an embedded JetStream server for one test, closed at
// cleanup.
func StartNATS(t testing.TB) *jobs.Embedded {
	t.Helper()
	e, err := jobs.StartEmbedded(filepath.Join(t.TempDir(), "nats"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// JetStream connects to e as one client, closed at cleanup.
func JetStream(t testing.TB, e *jobs.Embedded) (jetstream.JetStream, *nats.Conn) {
	t.Helper()
	nc, err := e.Connect(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js, nc
}
