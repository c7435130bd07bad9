// Command controlapi measures roomcast's control API with tenants and
// auth on: a real api.Server on 127.0.0.1 with a real tenant store (an
// embedded NATS), a real room manager and an in-memory Egress. It
// drives GET /v1/egress/{id} with a tenant-store key, WHIP offers with a
// join token (end to end with real pion offers, and through auth only)
// and join-token minting with concurrent keep-alive clients, then times
// the credential checks alone in process, one goroutine and eight, and
// judges their 99th percentile against the bar (50 µs).
//
// It prints a table and writes the results as JSON (-out). It exits 1
// when a check's p99 is over the bar, 2 when it could not measure.
//
//	go run ./bench/controlapi [-window 5s] [-workers 8] [-calls 100000] [-offers 200] [-out bench/results/controlapi.json]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// bar is the bar: "key and token checks must cost < 50 µs p99".
const bar = 50 * time.Microsecond

// options are the command line.
type options struct {
	out     string
	workers int
	window  time.Duration
	calls   int
	offers  int
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := measure(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "controlapi:", err)
		return 2
	}
	printTable(stdout, res)
	if err := writeJSON(o.out, res); err != nil {
		fmt.Fprintln(stderr, "controlapi:", err)
		return 2
	}
	fmt.Fprintln(stdout, "results written to", o.out)
	if !res.Pass {
		return 1
	}
	return 0
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("controlapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.out, "out", "bench/results/controlapi.json", "file the JSON results go to")
	fs.IntVar(&o.workers, "workers", 8, "concurrent HTTP clients, and goroutines of the parallel check runs")
	fs.DurationVar(&o.window, "window", 5*time.Second, "how long each HTTP case runs")
	fs.IntVar(&o.calls, "calls", 100000, "calls of each in-process check per run (at least 100000 for the verdict)")
	fs.IntVar(&o.offers, "offers", 200, "real WHIP offers sent end to end")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.workers < 1 || o.window <= 0 || o.calls < 1 || o.offers < 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "controlapi: -workers, -window, -calls and -offers must be positive; no arguments")
		return o, fmt.Errorf("bad options")
	}
	return o, nil
}

// measure starts the server and runs every case.
func measure(ctx context.Context, o options) (results, error) {
	fx, err := startFixture(ctx)
	if err != nil {
		return results{}, err
	}
	defer fx.Close()
	res := newResults(o)
	if res.HTTP, err = measureHTTP(ctx, fx, o); err != nil {
		return res, err
	}
	if res.Checks, err = measureChecks(fx, o); err != nil {
		return res, err
	}
	res.judge(o)
	return res, nil
}
