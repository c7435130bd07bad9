package bench

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFanoutEstimates checks the fan-out benchmark's order of windows and
// its paired estimate on made-up windows: a drift of the machine between
// rounds must not show in the cost per output.
func TestFanoutEstimates(t *testing.T) {
	if got, want := fanoutSteps([]int{0, 1, 10, 20}, 2), []int{1, 10, 1, 20, 1, 10, 1, 20, 1}; !slices.Equal(got, want) {
		t.Fatalf("fanoutSteps = %v, want %v", got, want)
	}
	// 0.05 per output beyond the first on a base of 8 that steps up by 2
	// half way through (between the 20-output window and the 1 after it
	// the step is split, as a drift within a window would be).
	const per, step = 0.05, 2.0
	var windows []fanoutRow
	for i, n := range fanoutSteps([]int{1, 10, 20}, 2) {
		base := 8.0
		if i >= 4 {
			base += step
		}
		windows = append(windows, fanoutRow{outputs: n, cpu: base + per*float64(n-1)})
	}
	got := pairedPerOutput(windows)
	if len(got[10]) != 2 || len(got[20]) != 2 {
		t.Fatalf("paired windows: %v", got)
	}
	for _, x := range got[10] {
		if math.Abs(x-per) > 1e-9 {
			t.Errorf("10 outputs: %v per output, want %v", x, per)
		}
	}
	// The first 20-output window (index 3) sits on the step: its 1-output
	// neighbours are 8 and 10, so it reads (8+0.95 − 9)/19 per output.
	if x := got[20][1]; math.Abs(x-per) > 1e-9 {
		t.Errorf("20 outputs after the step: %v per output, want %v", x, per)
	}
	// The slope over all windows takes the step for cost.
	if slope, _, _ := outputSlope(windows); math.Abs(slope-per) < 0.01 {
		t.Errorf("slope %v: the made-up drift should have biased it", slope)
	}
	if m, se := meanSE([]float64{1, 2, 3}); m != 2 || math.Abs(se-1/math.Sqrt(3)) > 1e-12 {
		t.Errorf("meanSE = %v ± %v", m, se)
	}

	// The floor's bound: roomcast's 1-output total plus the floor's cost
	// per output, over that total.
	fl := newFanoutSide([]int{1, 20}, []fanoutRow{{outputs: 1, cpu: 0.0070, wall: time.Second}, {outputs: 20, cpu: 0.0070 + 19*0.0004, wall: time.Second}})
	rc := newFanoutSide([]int{1, 20}, []fanoutRow{{outputs: 1, cpu: 0.0725, wall: time.Second}, {outputs: 20, cpu: 0.0725 + 19*0.0008, wall: time.Second}})
	var out strings.Builder
	printFloor(&out, fanoutCase{name: "x", outputs: []int{1, 20}}, []namedSide{{"roomcast serve", rc}}, rc, fl)
	for _, want := range []string{"floor: each output beyond the first ((20 out − 1 out) / 19): 0.040 %core", "roomcast serve 2.00× the floor",
		"(7.25 + 19 × 0.040) / 7.25 = 1.10×"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printFloor lacks %q:\n%s", want, out.String())
		}
	}
}
