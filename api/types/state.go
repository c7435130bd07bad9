package types

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
