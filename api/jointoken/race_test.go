//go:build race

package jointoken

// raceSlowdown scales timing bars in a build with the race detector,
// which makes code 2 to 20 times slower (Verify about 9 times).
const raceSlowdown = 4
