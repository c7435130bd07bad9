package composite_test

import (
	"math"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
)

// A FuzzMixer input is one config byte, then operations of 4 bytes:
//
//	op%4 == 0: push, participant b1%4, PTS int8(b2) ms from where its last
//	           push ended, b3×8 frames of sample pattern b1>>2
//	op%4 == 1: the same, PTS int8(b2)×200 ms away (a jump)
//	op%4 == 2: pull, until moved by int8(b2)×(1+b3%8) ms (maybe back)
//	op%4 == 3: remove participant b1%4
//
// The config byte picks the block size (bits 0-1), a start (bit 2, at
// int8(config) ms), MaxAhead (bits 3-4) and Reanchor (bits 5-6).
const (
	mixPush = iota
	mixJump
	mixPull
	mixRemove
)

func mixOp(op, participant, pattern byte, arg int8, b3 byte) []byte {
	return []byte{op, participant | pattern<<2, byte(arg), b3}
}

func mixerSeeds() []fuzzSeed {
	var steady, jitter, lateJoin []byte
	for i := range 20 {
		steady = append(steady, mixOp(mixPush, 0, 1, 0, 120)...)
		steady = append(steady, mixOp(mixPush, 1, 2, 0, 120)...)
		steady = append(steady, mixOp(mixPull, 0, 0, 20, 0)...)
		jitter = append(jitter, mixOp(mixPush, 0, 1, int8(i%7*6-18), 120)...)
		jitter = append(jitter, mixOp(mixPull, 0, 0, 20, 0)...)
		lateJoin = append(lateJoin, mixOp(mixPush, 0, 1, 0, 120)...)
		if i >= 5 && i < 12 {
			lateJoin = append(lateJoin, mixOp(mixPush, 2, 3, 0, 120)...)
		}
		if i == 12 {
			lateJoin = append(lateJoin, mixOp(mixRemove, 2, 0, 0, 0)...)
		}
		lateJoin = append(lateJoin, mixOp(mixPull, 0, 0, 20, 0)...)
	}
	return []fuzzSeed{
		{"two-participants-in-step", append([]byte{0x04}, steady...)},
		{"jittered-pts", append([]byte{0x04}, jitter...)},
		{"late-joiner-leaves", append([]byte{0x00}, lateJoin...)},
		{"gap-then-jump-back", cat([]byte{0x05},
			mixOp(mixPush, 0, 1, 0, 255), mixOp(mixPush, 0, 1, 100, 255),
			mixOp(mixPush, 0, 1, -120, 255), mixOp(mixPull, 0, 0, 100, 7))},
		{"late-data", cat([]byte{0x04},
			mixOp(mixPush, 0, 1, 0, 60), mixOp(mixPull, 0, 0, 100, 3),
			mixOp(mixPush, 1, 1, -100, 60), mixOp(mixPush, 0, 1, 0, 60),
			mixOp(mixPull, 0, 0, 50, 0))},
		{"overflow", cat([]byte{0x0c},
			mixOp(mixPush, 0, 1, 0, 255), mixOp(mixJump, 0, 1, 10, 255),
			mixOp(mixPush, 0, 1, 0, 255), mixOp(mixPull, 0, 0, 127, 7))},
		{"nan-and-inf", cat([]byte{0x01},
			mixOp(mixPush, 0, 4, 0, 100), mixOp(mixPush, 1, 5, 0, 100),
			mixOp(mixPush, 2, 6, 0, 100), mixOp(mixPull, 0, 0, 50, 0))},
		{"pull-backwards", cat([]byte{0x04},
			mixOp(mixPull, 0, 0, 100, 0), mixOp(mixPull, 0, 0, -100, 7),
			mixOp(mixPush, 3, 1, 0, 10), mixOp(mixPull, 0, 0, 127, 1))},
	}
}

// mixPattern returns sample i of pattern p: ordinary, loud and broken
// values.
func mixPattern(p byte, i int) float32 {
	switch p % 8 {
	case 0:
		return 0
	case 1:
		return float32(0.5 * math.Sin(float64(i)/10))
	case 2:
		return 0.9
	case 3:
		return -1
	case 4:
		return float32(math.NaN())
	case 5:
		return float32(math.Inf(1 - 2*(i%2)))
	case 6:
		return 1e30
	}
	return float32(i%3) * 3
}

// fuzzMixerConfig decodes the config byte of a FuzzMixer input.
func fuzzMixerConfig(config byte) composite.MixerConfig {
	cfg := composite.MixerConfig{
		BlockFrames: []int{1024, 960, 441, 64}[config&3],
		MaxAhead:    []time.Duration{0, 100 * time.Millisecond, time.Second, 20 * time.Millisecond}[config>>3&3],
		Reanchor:    []time.Duration{0, time.Nanosecond, 10 * time.Millisecond, 200 * time.Millisecond}[config>>5&3],
	}
	if config&4 != 0 {
		cfg.Start = ptr(time.Duration(int8(config)) * time.Millisecond)
	}
	return cfg
}

func FuzzMixer(f *testing.F) {
	for _, s := range mixerSeeds() {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		cfg := fuzzMixerConfig(data[0])
		m := newMixer(t, cfg)
		c := &mixerChecker{t: t, ends: map[byte]time.Duration{}, size: 2 * cfg.BlockFrames}
		if cfg.Start != nil {
			c.known, c.nextOut = true, ptsFrame(*cfg.Start)
		}
		for ops := data[1:]; len(ops) >= 4; ops = ops[4:] {
			c.apply(m, ops[:4])
			c.checkStats(m.Stats())
		}
	})
}

// mixerChecker drives a Mixer and checks the invariants of its output.
type mixerChecker struct {
	t       *testing.T
	ends    map[byte]time.Duration // where each participant's last push ended
	until   time.Duration
	nextOut int64 // frame the next block must start at, once known
	known   bool
	size    int // samples per block
}

func (c *mixerChecker) apply(m *composite.Mixer, op []byte) {
	p := op[1] % 4
	switch op[0] % 4 {
	case mixPush, mixJump:
		step := time.Millisecond
		if op[0]%4 == mixJump {
			step = 200 * time.Millisecond
		}
		frames := int(op[3]) * 8
		pcm := composite.PCM{PTS: c.ends[p] + time.Duration(int8(op[2]))*step, Samples: make([]float32, 2*frames)}
		for i := range pcm.Samples {
			pcm.Samples[i] = mixPattern(op[1]>>2, i)
		}
		m.Push(string('a'+p), pcm)
		if !c.known && frames > 0 {
			c.known, c.nextOut = true, ptsFrame(pcm.PTS)
		}
		c.ends[p] = pcm.PTS + pcm.Duration()
	case mixPull:
		c.until += time.Duration(int8(op[2])) * time.Duration(1+op[3]%8) * time.Millisecond
		c.checkBlocks(m.Pull(c.until))
	case mixRemove:
		m.Remove(string('a' + p))
	}
}

func (c *mixerChecker) checkBlocks(blocks []composite.PCM) {
	for _, b := range blocks {
		f := ptsFrame(b.PTS)
		if !c.known || f != c.nextOut || len(b.Samples) != c.size {
			c.t.Fatalf("block at frame %d with %d samples, want frame %d (known %v) with %d", f, len(b.Samples), c.nextOut, c.known, c.size)
		}
		if f0 := ptsFrame(c.until); f+int64(len(b.Samples)/2) > f0 {
			c.t.Fatalf("block at frame %d ends past until (frame %d)", f, f0)
		}
		c.nextOut = f + int64(len(b.Samples)/2)
		for i, v := range b.Samples {
			if !(v >= -1 && v <= 1) {
				c.t.Fatalf("sample %d of block at frame %d is %v", i, f, v)
			}
		}
	}
}

func (c *mixerChecker) checkStats(st composite.MixerStats) {
	if st.Participants < 0 || st.Participants > 4 {
		c.t.Fatalf("Participants = %d", st.Participants)
	}
	if d := st.DroppedLateFrames + st.DroppedOverlapFrames + st.DroppedOverflowFrames; d > st.PushedFrames {
		c.t.Fatalf("dropped %d of %d frames pushed", d, st.PushedFrames)
	}
}
