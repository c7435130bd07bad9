package jobs

import (
	"errors"
	"fmt"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/jobs/seal"
)

// Secrets at rest. A job's record keeps what its worker runs, the RTMP
// targets with their stream keys included: each target's URL is sealed
// (jobs/seal, AES-256-GCM under the nodes' shared keyring) by encode and
// opened by decodeRecord, so no caller handles a record's secrets in
// clear on the bus and none can forget to seal them. A target's sealed
// URL is bound (aad) to its job and field, not to its place in the list:
// targets added and removed while the job runs keep theirs valid, and a
// sealed URL copied into another job does not open.
//
// Nothing else in a record is secret: Info shows redacted URLs only
// (encode redacts them again, whatever a pipeline reported), the spec's
// other fields are layout, video and recording settings. The other
// things on the bus carry no secret either; test/natsscan checks every
// stored message (see TestNoSecretsOnTheBus).

// ErrSecretKey marks a record whose sealed secrets do not open with this
// node's keyring: sealed with a key it lacks (another secret_key, or a
// rotation that dropped the old key too soon), or altered.
var ErrSecretKey = errors.New("the secret key does not match")

// errNoKeyring refuses a client or worker made without a keyring.
var errNoKeyring = errors.New("jobs: no keyring to seal the job records' secrets (secret_key, see configs.LoadKeyring)")

// rtmpAAD binds a sealed RTMP target URL to its job.
func rtmpAAD(id string) string { return "roomcast/egress/" + id + "/spec.outputs.rtmp.url" }

// sealSpec returns spec with its RTMP targets' URLs sealed for job id.
// With keepSealed, values sealed already (a record whose secrets this
// node could not open) are kept as they are.
func sealSpec(ring *seal.Keyring, id string, spec types.Spec, keepSealed bool) (types.Spec, error) {
	if len(spec.Outputs.RTMP) == 0 {
		return spec, nil
	}
	if ring == nil {
		return spec, fmt.Errorf("job %s: no keyring to seal its RTMP targets", id)
	}
	out := make([]types.Target, len(spec.Outputs.RTMP))
	for i, t := range spec.Outputs.RTMP {
		if !keepSealed || !seal.IsSealed(t.URL) {
			sealed, err := ring.Seal(t.URL, rtmpAAD(id))
			if err != nil {
				return spec, fmt.Errorf("job %s: outputs.rtmp[%d]: %w", id, i, err)
			}
			t.URL = sealed
		}
		out[i] = t
	}
	spec.Outputs.RTMP = out
	return spec, nil
}

// openSpec returns spec with its RTMP targets' URLs opened. A URL in
// clear (a record written before targets were sealed) is taken as it is:
// the next write seals it. The error names the target and the key id,
// never a URL.
func openSpec(ring *seal.Keyring, id string, spec types.Spec) (types.Spec, error) {
	if len(spec.Outputs.RTMP) == 0 {
		return spec, nil
	}
	out := make([]types.Target, len(spec.Outputs.RTMP))
	for i, t := range spec.Outputs.RTMP {
		if seal.IsSealed(t.URL) {
			if ring == nil {
				return spec, fmt.Errorf("%w: outputs.rtmp[%d] is sealed and this node has no secret key", ErrSecretKey, i)
			}
			plain, err := ring.Open(t.URL, rtmpAAD(id))
			if err != nil {
				return spec, fmt.Errorf("%w: outputs.rtmp[%d] does not open with this node's secret_key (env ROOMCAST_SECRET_KEY), "+
					"which every node sharing the bus must have: %w", ErrSecretKey, i, err)
			}
			t.URL = plain
		}
		out[i] = t
	}
	spec.Outputs.RTMP = out
	return spec, nil
}

// redactedInfo is i with every RTMP target's URL redacted, however the
// pipeline that made it reported it: what goes on the bus in clear (a
// record's Info, events, control replies) never carries a stream key.
func redactedInfo(i types.Info) types.Info {
	if len(i.Outputs.RTMP) == 0 {
		return i
	}
	outs := make([]types.RTMPInfo, len(i.Outputs.RTMP))
	for k, o := range i.Outputs.RTMP {
		o.URL = egress.RedactRTMP(o.URL)
		outs[k] = o
	}
	i.Outputs.RTMP = outs
	return i
}

// redactedEvents wraps an event sink so that it only sees redacted URLs.
func redactedEvents(sink EventSink) EventSink {
	if sink == nil {
		return nil
	}
	return func(typ string, info types.Info) { sink(typ, redactedInfo(info)) }
}
