package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env is what a command writes to.
type env struct {
	stdin          io.Reader // nil: none
	stdout, stderr io.Writer
	// terminal says whether stderr is a terminal: progress is then a bar.
	terminal bool
	// ready, if set, is called by serve with the address it listens on.
	ready func(addr string)
}

// command is one leaf command, such as "train intent".
type command struct {
	name    string // "train intent"
	summary string
	// flags declares the command's flags on fs and returns the function
	// that runs it once they are parsed.
	flags func(fs *flag.FlagSet) func(ctx context.Context, e env) (any, error)
}

var commands []command

func register(c command) { commands = append(commands, c) }

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// required returns a usage error naming the flags that are empty.
func required(flags map[string]string) error {
	var missing []string
	for name, v := range flags {
		if v == "" {
			missing = append(missing, "-"+name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return usagef("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	if len(args) > 1 && args[0] == "help" {
		// duxin help train [intent] is duxin train [intent] -h.
		return run(ctx, append(slices.Clone(args[1:]), "-h"), e)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		mainUsage(w)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	// The longest command name that prefixes the arguments.
	var cmd *command
	var rest []string
	for i := range commands {
		words := strings.Fields(commands[i].name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == commands[i].name {
			if cmd == nil || len(words) > len(strings.Fields(cmd.name)) {
				cmd, rest = &commands[i], args[len(words):]
			}
		}
	}
	if cmd == nil {
		group := groupUsage(args[0])
		if group != "" {
			if len(args) > 1 && args[1] != "-h" && args[1] != "-help" && args[1] != "--help" {
				fmt.Fprintf(e.stderr, "duxin: unknown command %q\n\n%s", strings.Join(args[:2], " "), group)
				return exitUsage
			}
			if len(args) > 1 {
				fmt.Fprint(e.stdout, group)
				return exitOK
			}
			fmt.Fprint(e.stderr, group)
			return exitUsage
		}
		fmt.Fprintf(e.stderr, "duxin: unknown command %q\n\n", args[0])
		mainUsage(e.stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("duxin "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runCmd := cmd.flags(fs)
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: duxin %s [flags]\n\n%s\n\nflags:\n", cmd.name, cmd.summary)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(e.stdout)
			return exitOK
		}
		fmt.Fprintf(e.stderr, "duxin %s: %v\n\n", cmd.name, err)
		usage(e.stderr)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "duxin %s: unexpected argument %q\n\n", cmd.name, fs.Arg(0))
		usage(e.stderr)
		return exitUsage
	}
	out, err := runCmd(ctx, e)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "duxin %s: %v\n\n", cmd.name, err)
		usage(e.stderr)
		return exitUsage
	case err != nil:
		fmt.Fprintf(e.stderr, "duxin %s: %v\n", cmd.name, err)
		return exitFailure
	}
	if out != nil {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			fmt.Fprintf(e.stderr, "duxin %s: %v\n", cmd.name, err)
			return exitFailure
		}
		fmt.Fprintln(e.stdout, string(b))
	}
	return exitOK
}

func mainUsage(w io.Writer) {
	fmt.Fprint(w, `duxin trains, tests and serves duxin models on your own files.

usage: duxin <command> [flags]

commands:
`)
	order := map[string]int{"train": 0, "test": 1, "serve": 2}
	cs := slices.Clone(commands)
	slices.SortStableFunc(cs, func(a, b command) int {
		ga, _, _ := strings.Cut(a.name, " ")
		gb, _, _ := strings.Cut(b.name, " ")
		return cmp.Or(cmp.Compare(order[ga], order[gb]), strings.Compare(a.name, b.name))
	})
	for _, c := range cs {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, firstLine(c.summary))
	}
	fmt.Fprint(w, `
Run "duxin <command> -h" or "duxin help <command>" for a command's flags.
Exit codes: 0 success, 1 failure (the error names the file, line and
field), 2 usage error.
`)
}

// groupUsage lists the commands under group ("train"), or "" when there is
// no such group.
func groupUsage(group string) string {
	var b strings.Builder
	for _, c := range commands {
		if first, _, _ := strings.Cut(c.name, " "); first == group && c.name != group {
			fmt.Fprintf(&b, "  %-16s %s\n", c.name, firstLine(c.summary))
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return fmt.Sprintf("usage: duxin %s <kind> [flags]\n\n%s", group, b.String())
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
