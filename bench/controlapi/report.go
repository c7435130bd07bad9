package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"
)

// printTable writes the results for a reader.
func printTable(w io.Writer, r results) {
	fmt.Fprintf(w, "control API with tenants and auth on: %d keep-alive clients, %s per case (%d CPUs, GOMAXPROCS %d, %s)\n",
		r.Workers, time.Duration(r.Window*float64(time.Second)), r.Host.CPUs, r.Host.GOMAXPROCS, r.Host.Go)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tOK\tERRORS\tREQ/S\tP50\tP99\tMAX")
	for _, h := range r.HTTP {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\n", h.Name, h.Requests, h.Errors, h.PerSecond, us(h.P50), us(h.P99), us(h.Max))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\ncredential checks in process (api.Server.Authenticate), bar: p99 < %s\n", us(r.BarMicros))
	fmt.Fprintln(tw, "CHECK\tGOROUTINES\tCALLS\tP50\tP99\tMAX\tVERDICT\tRUNS")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Goroutines, c.Calls, us(c.P50), us(c.P99), us(c.Max), verdict(c.Pass), runs(c.RunsP99))
	}
	_ = tw.Flush()
	if r.Pass {
		fmt.Fprintln(w, "\nPASS")
	} else {
		fmt.Fprintln(w, "\nFAIL:", r.FailReason)
	}
}

// us shows a time in microseconds, rounded to 0.1 µs.
func us(micros float64) string {
	return time.Duration(micros * float64(time.Microsecond)).Round(100 * time.Nanosecond).String()
}

// runs is how many runs a check took, with their p99s when more than
// one (the best is shown).
func runs(p99s []float64) string {
	if len(p99s) <= 1 {
		return "1"
	}
	out := strconv.Itoa(len(p99s)) + " (p99"
	for _, p := range p99s {
		out += " " + us(p)
	}
	return out + ")"
}

func verdict(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
}

// writeJSON writes the results to path, creating its directory.
func writeJSON(path string, r results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}
