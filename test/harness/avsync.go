package harness

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os/exec"
	"slices"
	"time"
)

// The A/V sync analysis: a participant shows a white flash with a beep
// once a second; the output's video is searched for the flashes (the
// tile whose luma swings the most) and its audio for the beeps, each on
// the output's own timestamps.

// analysisW and analysisH are the size the video is decoded at.
const analysisW, analysisH = 128, 72

// SyncReport pairs each flash with the nearest beep.
type SyncReport struct {
	Flashes, Beeps []time.Duration
	// Offsets are beep − flash per flash (positive: sound late).
	Offsets []time.Duration
}

// Worst is the offset of largest magnitude.
func (r SyncReport) Worst() time.Duration {
	var w time.Duration
	for _, o := range r.Offsets {
		if o.Abs() > w.Abs() {
			w = o
		}
	}
	return w
}

// Mean is the mean offset.
func (r SyncReport) Mean() time.Duration {
	if len(r.Offsets) == 0 {
		return 0
	}
	var sum time.Duration
	for _, o := range r.Offsets {
		sum += o
	}
	return sum / time.Duration(len(r.Offsets))
}

// AVSync analyses path: cells is the grid's columns × rows in which the
// flashing tile is searched.
func AVSync(path string, cols, rows int) (SyncReport, error) {
	p, err := ProbeFile(path)
	if err != nil {
		return SyncReport{}, err
	}
	if len(p.Video) == 0 || len(p.Audio) == 0 {
		return SyncReport{}, fmt.Errorf("%s: %d video and %d audio packets", path, len(p.Video), len(p.Audio))
	}
	flashes, err := findFlashes(path, p.Video, cols, rows)
	if err != nil {
		return SyncReport{}, err
	}
	beeps, err := findBeeps(path, p.Audio[0].PTS)
	if err != nil {
		return SyncReport{}, err
	}
	r := SyncReport{Flashes: flashes, Beeps: beeps}
	for _, f := range flashes {
		i, _ := slices.BinarySearch(beeps, f)
		best := time.Duration(math.MaxInt64)
		for _, j := range []int{i - 1, i} {
			if j >= 0 && j < len(beeps) && (beeps[j]-f).Abs() < best.Abs() {
				best = beeps[j] - f
			}
		}
		r.Offsets = append(r.Offsets, best)
	}
	return r, nil
}

// findFlashes returns when the flashing tile turns white: the frame
// where its mean luma first crosses the midpoint of its range.
func findFlashes(path string, video []ProbePacket, cols, rows int) ([]time.Duration, error) {
	raw, err := ffmpegOut("-i", path, "-an", "-fps_mode", "passthrough", "-vf",
		fmt.Sprintf("scale=%d:%d,format=gray", analysisW, analysisH), "-f", "rawvideo", "-")
	if err != nil {
		return nil, err
	}
	n := min(len(raw)/(analysisW*analysisH), len(video))
	series := make([][]float64, cols*rows)
	for f := range n {
		frame := raw[f*analysisW*analysisH : (f+1)*analysisW*analysisH]
		for c := range series {
			series[c] = append(series[c], cellMean(frame, c%cols, c/cols, cols, rows))
		}
	}
	best, span := 0, 0.0
	for c, s := range series {
		if sp := slices.Max(s) - slices.Min(s); sp > span {
			best, span = c, sp
		}
	}
	s := series[best]
	lo, hi := slices.Min(s), slices.Max(s)
	mid, dark := (lo+hi)/2, lo+(hi-lo)/4
	var out []time.Duration
	for i := 6; i < len(s); i++ {
		// A flash: the tile turns bright after 200 ms of black (not, say,
		// a placeholder giving way to the picture at the start).
		if s[i] >= mid && slices.Max(s[i-6:i]) < dark {
			out = append(out, video[i].PTS)
		}
	}
	return out, nil
}

// cellMean is the mean luma of the middle half of a grid cell.
func cellMean(frame []byte, cx, cy, cols, rows int) float64 {
	w, h := analysisW/cols, analysisH/rows
	sum, k := 0, 0
	for y := cy*h + h/4; y < cy*h+3*h/4; y++ {
		for x := cx*w + w/4; x < cx*w+3*w/4; x++ {
			sum += int(frame[y*analysisW+x])
			k++
		}
	}
	return float64(sum) / float64(k)
}

// findBeeps returns when the audio turns from quiet to loud: 2 ms
// windows, loud above a tenth of the peak after at least 300 ms quiet.
func findBeeps(path string, start time.Duration) ([]time.Duration, error) {
	raw, err := ffmpegOut("-i", path, "-vn", "-ac", "1", "-ar", "48000", "-f", "s16le", "-")
	if err != nil {
		return nil, err
	}
	const win = 96 // 2 ms
	var rms []float64
	for i := 0; i+2*win <= len(raw); i += 2 * win {
		sum := 0.0
		for j := 0; j < win; j++ {
			v := float64(int16(binary.LittleEndian.Uint16(raw[i+2*j:])))
			sum += v * v
		}
		rms = append(rms, math.Sqrt(sum/win))
	}
	if len(rms) == 0 {
		return nil, fmt.Errorf("%s: no audio decoded", path)
	}
	thr := slices.Max(rms) / 10
	var out []time.Duration
	quiet := 0
	for i, v := range rms {
		if v < thr {
			quiet++
			continue
		}
		if quiet >= 150 {
			out = append(out, start+time.Duration(i)*2*time.Millisecond)
		}
		quiet = 0
	}
	return out, nil
}

func ffmpegOut(args ...string) ([]byte, error) {
	cmd := exec.Command("ffmpeg", append([]string{"-v", "error"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ffmpeg %v: %w: %s", args, err, errb.String())
	}
	return out.Bytes(), nil
}
