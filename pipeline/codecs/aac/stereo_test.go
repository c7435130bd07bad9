package aac

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/roomcast/roomcast/pipeline/codecs/bits"
	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// adtsFrames splits an ADTS stream (protection absent) into raw blocks.
func adtsFrames(t *testing.T, b []byte) (frames [][]byte, header [7]byte) {
	t.Helper()
	for len(b) > 0 {
		if len(b) < 7 || b[0] != 0xff || b[1]&0xf6 != 0xf0 {
			t.Fatalf("not an ADTS header without CRC: % x", b[:min(len(b), 7)])
		}
		n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5])>>5
		if n < 7 || n > len(b) {
			t.Fatalf("ADTS frame of %d bytes, %d left", n, len(b))
		}
		copy(header[:], b[:7])
		frames = append(frames, b[7:n])
		b = b[n:]
	}
	return frames, header
}

// adts writes raw blocks as ADTS with header's profile and rate and
// channel configuration cc.
func adts(header [7]byte, cc int, frames [][]byte) []byte {
	var out []byte
	for _, f := range frames {
		h := header
		n := len(f) + 7
		h[2] = h[2]&^1 | byte(cc>>2)
		h[3] = byte(cc&3)<<6 | byte(n>>11)
		h[4] = byte(n >> 3)
		h[5] = byte(n)<<5 | 0x1f
		h[6] = 0xfc
		out = append(append(out, h[:]...), f...)
	}
	return out
}

func ffmpeg(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, args...)...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("ffmpeg %v: %v: %s", args, err, exit.Stderr)
		}
		t.Fatalf("ffmpeg %v: %v", args, err)
	}
	return out
}

// decode decodes an ADTS stream with FFmpeg to interleaved float32.
func decode(t *testing.T, path string) []float32 {
	t.Helper()
	raw := ffmpeg(t, "-f", "aac", "-i", path, "-f", "f32le", "-")
	pcm := make([]float32, len(raw)/4)
	if err := binary.Read(bytes.NewReader(raw), binary.LittleEndian, pcm); err != nil {
		t.Fatal(err)
	}
	return pcm
}

// testSignal is a tone with short noise clicks, so that the encoder
// switches to short windows, and a sweep.
const testSignal = "aevalsrc=0.25*sin(2*PI*440*t)+0.2*sin(2*PI*(200+900*t)*t)+0.6*lt(mod(t\\,0.37)\\,0.004)*(2*random(0)-1):s=48000:d=4"

// TestMonoToStereoDecodesAsTheMono encodes a mono signal with FFmpeg's
// AAC-LC encoder (TNS and PNS off, as the pipeline's mono encoder), turns
// every frame stereo, and decodes both with FFmpeg: each stereo channel
// is the mono decode, sample for sample, at about the same size.
func TestMonoToStereoDecodesAsTheMono(t *testing.T) {
	dir := t.TempDir()
	mono := filepath.Join(dir, "mono.aac")
	ffmpeg(t, "-f", "lavfi", "-i", testSignal, "-c:a", "aac", "-b:a", "128k", "-aac_tns", "0", "-aac_pns", "0", "-f", "adts", mono)
	b, err := os.ReadFile(mono)
	if err != nil {
		t.Fatal(err)
	}
	frames, header := adtsFrames(t, b)
	var stereo [][]byte
	short, monoBytes, stereoBytes := 0, 0, 0
	for i, f := range frames {
		s, err := MonoToStereo(nil, f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		r := bits.NewReader(f, 0)
		if skipFills(r) != nil {
			t.Fatalf("frame %d: no SCE", i)
		}
		r.Bits(12)
		if info, _ := readICSInfo(r); info.short {
			short++
		}
		stereo = append(stereo, s)
		monoBytes += len(f)
		stereoBytes += len(s)
	}
	if short == 0 || short == len(frames) {
		t.Fatalf("%d of %d frames use short windows: the signal must exercise both", short, len(frames))
	}
	st := filepath.Join(dir, "stereo.aac")
	if err := os.WriteFile(st, adts(header, 2, stereo), 0o644); err != nil {
		t.Fatal(err)
	}
	want, got := decode(t, mono), decode(t, st)
	if len(got) != 2*len(want) || len(want) < 3*48000 {
		t.Fatalf("stereo decodes to %d samples, mono to %d", len(got), len(want))
	}
	var maxDiff, energy float64
	for i, m := range want {
		maxDiff = max(maxDiff, math.Abs(float64(got[2*i]-m)), math.Abs(float64(got[2*i+1]-m)))
		energy += float64(m) * float64(m)
	}
	if maxDiff > 1e-6 || energy < float64(len(want))*0.01 {
		t.Fatalf("stereo channels differ from the mono decode by up to %g (mono energy %g)", maxDiff, energy)
	}
	if extra := float64(stereoBytes)/float64(monoBytes) - 1; extra > 0.02 {
		t.Errorf("stereo frames are %.1f %% larger than the mono ones, want at most 2 %%", 100*extra)
	}
	t.Logf("%d frames (%d short), mono %d bytes, stereo %d: channels equal the mono decode within %g", len(frames), short, monoBytes, stereoBytes, maxDiff)
}

// stereoCases are frames MonoToStereo must refuse, and ones it takes;
// they seed FuzzMonoToStereo.
var stereoCases = map[string]struct {
	frame []byte
	ok    bool
}{
	"empty":               {nil, false},
	"only END":            {[]byte{0xe0}, false},
	"CPE":                 {[]byte{0x20, 0x00, 0x00, 0x00, 0x07}, false},
	"no END":              {[]byte{0x00, 0x80, 0x00, 0x00, 0x00}, false},
	"zero last byte":      {[]byte{0x00, 0x80, 0x01, 0xc0, 0x00}, false},
	"predictor":           {[]byte{0x00, 0x80, 0x00, 0x02, 0x07, 0x00}, false},
	"max_sfb 63":          {[]byte{0x00, 0x80, 0x00, 0xfc, 0x07}, false},
	"fill past the end":   {[]byte{0xcf, 0xff, 0x00}, false},
	"END inside ics_info": {[]byte{0x00, 0x80, 0x0e}, false},
	// SCE tag 0, global_gain 0x80, long window, max_sfb 0, then END.
	"silent long":      {[]byte{0x00, 0x40, 0x00, 0x00, 0xe0}, true},
	"fill then silent": {fillThenSilent(), true},
}

// fillThenSilent is a fill element of 2 bytes, then a silent SCE of 11
// bits of ics_info and the 3 flags, then END.
func fillThenSilent() []byte {
	w := bits.NewWriter(nil)
	w.Bits(idFIL, 3)
	w.Bits(2, 4)
	w.Bits(0xabcd, 16)
	w.Bits(idSCE, 3)
	w.Bits(5, 4)     // element_instance_tag
	w.Bits(100, 8)   // global_gain
	w.Bits(0, 11)    // long window, max_sfb 0, no predictor
	w.Bits(0, 3)     // pulse, tns, gain control absent
	w.Bits(idEND, 3) // and zero bits to the byte
	return w.Bytes()
}

func TestMonoToStereoCases(t *testing.T) {
	seeds := map[string][]any{}
	for name, c := range stereoCases {
		seeds[name] = []any{c.frame}
		out, err := MonoToStereo([]byte{0xaa}, c.frame)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok %v", name, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v is not ErrUnsupported", name, err)
		}
		if len(out) == 0 || out[0] != 0xaa {
			t.Errorf("%s: dst not kept: % x", name, out)
		}
		if err == nil {
			checkStereo(t, c.frame, out[1:])
		}
	}
	fuzzcorpus.Write(t, "FuzzMonoToStereo", seeds)
}

// checkStereo checks that out is one CPE with a common window whose
// ics_info is frame's, mid/side on, then END and byte alignment.
func checkStereo(t *testing.T, frame, out []byte) {
	t.Helper()
	r := bits.NewReader(frame, 0)
	if err := skipFills(r); err != nil {
		t.Fatal(err)
	}
	r.Bits(12)
	in, err := readICSInfo(r)
	if err != nil {
		t.Fatal(err)
	}
	o := bits.NewReader(out, 0)
	if id, tag, common := o.Bits(3), o.Bits(4), o.Bits(1); id != idCPE || tag != frame2tag(frame) || common != 1 {
		t.Fatalf("out starts with id %d tag %d common_window %d", id, tag, common)
	}
	got, err := readICSInfo(o)
	if err != nil || got.short != in.short || got.maxSfb != in.maxSfb || got.groups != in.groups {
		t.Fatalf("ics_info %+v %v, want %+v", got, err, in)
	}
	if ms := o.Bits(2); ms != 2 {
		t.Fatalf("ms_mask_present %d", ms)
	}
	if _, err := endOfLastElement(out); err != nil {
		t.Fatalf("out: %v", err)
	}
}

// frame2tag is the element_instance_tag of frame's SCE.
func frame2tag(frame []byte) uint32 {
	r := bits.NewReader(frame, 0)
	_ = skipFills(r)
	return r.Bits(4)
}

func FuzzMonoToStereo(f *testing.F) {
	for _, c := range stereoCases {
		f.Add(c.frame)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		out, err := MonoToStereo(nil, frame)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("%v is not ErrUnsupported", err)
			}
			return
		}
		checkStereo(t, frame, out)
	})
}

func TestChannelConfig(t *testing.T) {
	lc48stereo := []byte{0x11, 0x90}
	if cc, err := ChannelConfig(lc48stereo); err != nil || cc != 2 {
		t.Fatalf("ChannelConfig: %d %v", cc, err)
	}
	if cc, err := ChannelConfig([]byte{0x11, 0x88}); err != nil || cc != 1 {
		t.Fatalf("ChannelConfig of mono: %d %v", cc, err)
	}
	for _, bad := range [][]byte{nil, {0x11}, {0xf8, 0x00}, {0x17, 0x80}} {
		if _, err := ChannelConfig(bad); err == nil {
			t.Errorf("ChannelConfig(% x) took it", bad)
		}
	}
}
