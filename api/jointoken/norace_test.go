//go:build !race

package jointoken

const raceSlowdown = 1
