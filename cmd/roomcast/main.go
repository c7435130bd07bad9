// Command roomcast records WebRTC rooms and simulcasts them to live
// platforms. Subcommands: serve, publish, version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/roomcast/roomcast/egress"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: roomcast <command> [flags]

commands:
  serve     run the all-in-one server: API, rooms, embedded NATS and a
            worker (or, with --nats, against an external NATS)
  worker    run an egress worker only, against an external NATS
  nats      run a standalone NATS JetStream server for a worker fleet
  publish   publish a synthetic test participant into a room over WHIP
  version   print the version

Run 'roomcast <command> -h' for the flags of a command.

` + cliUsage

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		egress.TuneGC() // it runs jobs (its in-process workers)
		err = serve(ctx, args[1:], stdout, stderr)
	case "publish":
		err = publish(ctx, args[1:], stdout, stderr)
	case "worker":
		egress.TuneGC()
		err = workerCmd(ctx, args[1:], stdout, stderr)
	case "nats":
		err = natsCmd(ctx, args[1:], stdout, stderr)
	case "rooms", "tokens", "egress", "recordings", "workers", "webhooks", "tenants", "keys":
		err = apiCommand(ctx, args[0], args[1:], stdout, stderr)
	case "version", "-v", "--version":
		fmt.Fprintf(stdout, "roomcast %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "roomcast: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "roomcast %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
