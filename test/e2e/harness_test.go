package e2e

import (
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
)

// binary is the roomcast binary built once by TestMain.
var binary string

// Names the e2e tests use from the shared harness.
type (
	Server       = harness.Server
	Ingest       = harness.Ingest
	TrackSeen    = harness.TrackSeen
	RoomInfo     = harness.RoomInfo
	PublishStats = harness.PublishStats
	APIError     = harness.APIError
)

// StartServer starts `roomcast serve` for one test.
func StartServer(t *testing.T, env ...string) *Server { return harness.StartServer(t, binary, env...) }

// Eventually polls cond until it holds or within passes.
func Eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	harness.Eventually(t, within, what, cond)
}
