package rtmp

import (
	"fmt"
	"strings"
)

// command is a decoded AMF0 command message (RTMP spec 7.2): a name, a
// transaction ID and arguments.
type command struct {
	name string
	tid  float64
	args []any
}

// Transaction IDs gomedia's client uses for connect and createStream; the
// publish that follows createStream's _result carries 0.
const (
	tidConnect      = 1
	tidCreateStream = 2
)

func decodeCommand(payload []byte) (command, error) {
	vals, err := amfDecodeAll(payload)
	if err != nil {
		return command{}, err
	}
	if len(vals) < 2 {
		return command{}, fmt.Errorf("%w: command with %d values", errAMF, len(vals))
	}
	name, ok1 := vals[0].(string)
	tid, ok2 := vals[1].(float64)
	if !ok1 || !ok2 {
		return command{}, fmt.Errorf("%w: command without a name and transaction ID", errAMF)
	}
	return command{name: name, tid: tid, args: vals[2:]}, nil
}

// status is the information object of _result, _error and onStatus.
type status struct {
	code, level, description string
}

// status returns the first object argument's code, level and description.
func (c command) status() status {
	for _, a := range c.args {
		obj, ok := a.(map[string]any)
		if !ok {
			continue
		}
		str := func(k string) string { s, _ := obj[k].(string); return s }
		return status{code: str("code"), level: str("level"), description: str("description")}
	}
	return status{}
}

// isError reports a status that refuses the connection or the stream.
func (s status) isError() bool {
	return s.level == "error" || strings.HasSuffix(s.code, ".Rejected") ||
		strings.HasSuffix(s.code, ".BadName") || strings.HasSuffix(s.code, ".Failed")
}

// busy reports a publish refused because the stream is being published
// already (nginx-rtmp: NetStream.Publish.BadName "Already publishing").
func (s status) busy() bool {
	return strings.HasSuffix(s.code, ".BadName") && strings.Contains(strings.ToLower(s.description), "already publishing")
}

// streamID is createStream's result: its last argument, as gomedia reads it.
func (c command) streamID() uint32 {
	if len(c.args) == 0 {
		return 0
	}
	if n, ok := c.args[len(c.args)-1].(float64); ok && n >= 0 && n < 1<<32 {
		return uint32(n)
	}
	return 0
}

// describe formats a status for an error, scrubbed of the key.
func (s status) describe(t Target) string {
	code := s.code
	if code == "" {
		code = "no code"
	}
	if s.description == "" {
		return t.scrub(code)
	}
	return t.scrub(code + ": " + s.description)
}
