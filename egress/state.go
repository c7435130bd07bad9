// Package egress runs a job's outputs: each output is a Run(ctx) error
// under a supervisor that alone owns retry, backoff and state, so one
// output's failure touches nothing else.
package egress

// State is an output's state as the API reports it.
type State string

// Output states.
const (
	StateConnecting   State = "connecting"
	StateLive         State = "live"
	StateReconnecting State = "reconnecting"
	StateFailed       State = "failed"
	StateStopped      State = "stopped"
	// StateDegraded: a record output whose uploads are failing.
	StateDegraded State = "degraded"
)
