package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/roomcast/roomcast/client"
)

// The API commands: roomcast <group> <subcommand> [flags] [args], each
// one call (or a few) of package client.

// defaultServer is where the API commands go without --server or
// ROOMCAST_SERVER.
const defaultServer = "http://127.0.0.1:8080"

// cliUsage lists the API commands, for `roomcast help`.
const cliUsage = `API commands (--server, default $ROOMCAST_SERVER or ` + defaultServer + `;
--key, default $ROOMCAST_API_KEY; --json prints the answer as JSON):
  rooms       list | create NAME | get NAME | delete NAME
  tokens      create --room R --name N [--publish] [--subscribe] [--ttl 1h] [--link]
  egress      start --room R [--layout L] [--rtmp URL]... [--record] [--spec FILE]
              | list [--room R] [--active] | get ID | stop ID | layout ID LAYOUT
              | add-target ID URL | remove-target ID TARGET_ID
  recordings  list [--room R] [--status S] [--from T] [--to T] | get ID
              | download ID [-o FILE] | delete ID
  workers     list
  webhooks    list | retry ID       (parked webhook events)
  tenants     create ID [--name N] | list | get ID | set ID --settings FILE | usage ID | delete ID
  keys        create TENANT | list TENANT | delete TENANT KEY_ID
              (tenants and keys take an admin key: --key or $ROOMCAST_ADMIN_KEY)
`

// session is what a subcommand runs with.
type session struct {
	c      *client.Client
	server string
	json   bool
	out    io.Writer
	errw   io.Writer
	now    func() time.Time
}

// runFunc runs a subcommand with its positional arguments.
type runFunc func(ctx context.Context, s *session, args []string) error

// subcommand is one `roomcast <group> <name>`.
type subcommand struct {
	args  string // its positional arguments, for the usage line
	nargs int    // how many it takes
	about string
	// setup declares its flags and returns what runs once they are parsed.
	setup func(fs *flag.FlagSet) runFunc
}

// cliGroups are the API command groups by name.
var cliGroups = map[string]map[string]subcommand{
	"rooms":      roomCommands,
	"tokens":     tokenCommands,
	"egress":     egressCommands,
	"recordings": recordingCommands,
	"workers":    workerCommands,
	"webhooks":   webhookCommands,
	"tenants":    tenantCommands,
	"keys":       keyCommands,
}

// adminGroups take the admin key.
var adminGroups = []string{"tenants", "keys"}

// apiCommand runs `roomcast <group> <subcommand> …`.
func apiCommand(ctx context.Context, group string, args []string, stdout, stderr io.Writer) error {
	subs := cliGroups[group]
	if len(args) == 0 {
		groupUsage(stderr, group, subs)
		return errors.New("want a subcommand")
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		groupUsage(stdout, group, subs)
		return flag.ErrHelp
	}
	sub, ok := subs[args[0]]
	if !ok {
		groupUsage(stderr, group, subs)
		return fmt.Errorf("unknown subcommand %q", args[0])
	}
	fs := flag.NewFlagSet("roomcast "+group+" "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", envOr("ROOMCAST_SERVER", defaultServer), "roomcast server URL ($ROOMCAST_SERVER)")
	key := fs.String("key", "", keyHelp(group))
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	run := sub.setup(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: roomcast %s %s [flags] %s\n\n%s\n\nflags:\n", group, args[0], sub.args, sub.about)
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != sub.nargs {
		fs.Usage()
		return fmt.Errorf("want %d argument(s) %s, got %d", sub.nargs, sub.args, len(pos))
	}
	s, err := newSession(group, *server, *key, *asJSON, stdout, stderr)
	if err != nil {
		return err
	}
	return explain(run(ctx, s, pos))
}

func groupUsage(w io.Writer, group string, subs map[string]subcommand) {
	fmt.Fprintf(w, "usage: roomcast %s <subcommand> [flags]\n\n", group)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, name := range sortedKeys(subs) {
		fmt.Fprintf(tw, "  %s %s\t%s\n", name, subs[name].args, subs[name].about)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nRun 'roomcast %s <subcommand> -h' for its flags.\n", group)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func keyHelp(group string) string {
	if slices.Contains(adminGroups, group) {
		return "admin API key (default $ROOMCAST_ADMIN_KEY, else $ROOMCAST_API_KEY)"
	}
	return "API key (default $ROOMCAST_API_KEY)"
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// apiKey is --key, else the group's environment variables.
func apiKey(group, flagKey string) string {
	if flagKey != "" {
		return flagKey
	}
	if slices.Contains(adminGroups, group) {
		if k := os.Getenv("ROOMCAST_ADMIN_KEY"); k != "" {
			return k
		}
	}
	return os.Getenv("ROOMCAST_API_KEY")
}

func newSession(group, server, flagKey string, asJSON bool, stdout, stderr io.Writer) (*session, error) {
	key := apiKey(group, flagKey)
	if key == "" {
		env := "$ROOMCAST_API_KEY"
		if slices.Contains(adminGroups, group) {
			env = "$ROOMCAST_ADMIN_KEY"
		}
		return nil, errors.New("no API key: pass --key or set " + env)
	}
	c, err := client.New(server, client.WithKey(key), client.WithUserAgent("roomcast-cli/"+version))
	if err != nil {
		return nil, err
	}
	return &session{c: c, server: c.BaseURL(), json: asJSON, out: stdout, errw: stderr, now: time.Now}, nil
}

// explain adds the wait a 429 or 503 asks for.
func explain(err error) error {
	var ae *client.APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return fmt.Errorf("%w; retry in %s", err, humanDuration(ae.RetryAfter))
	}
	return err
}

// parseInterspersed parses flags before, between and after the
// positional arguments ("rooms create demo --json"); after "--" all
// are positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// printJSON writes v as indented JSON.
func (s *session) printJSON(v any) error {
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned rows, the first the header.
func (s *session) table(rows [][]string) error {
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// fields writes name/value lines, aligned, skipping empty values.
func (s *session) fields(kv ...string) error {
	rows := [][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			rows = append(rows, []string{kv[i], kv[i+1]})
		}
	}
	return s.table(rows)
}

// deleteOne is a subcommand that deletes the one thing its argument
// names with del.
func deleteOne(arg, noun, about string, del func(*client.Client, context.Context, string) error) subcommand {
	return subcommand{args: arg, nargs: 1, about: about, setup: func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, s *session, a []string) error {
			if err := del(s.c, ctx, a[0]); err != nil {
				return err
			}
			return s.done(map[string]string{"deleted": a[0]}, "deleted %s %s", noun, a[0])
		}
	}}
}

// done prints a one-line confirmation, or v as JSON.
func (s *session) done(v any, format string, a ...any) error {
	if s.json {
		return s.printJSON(v)
	}
	_, err := fmt.Fprintf(s.out, format+"\n", a...)
	return err
}
