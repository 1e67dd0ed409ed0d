package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// parseInterspersed parses a command's flags wherever they stand before a
// `--`, as the go tool and git do: `moonbox run BUNDLE main 10 --timeout 1s`
// sets the timeout instead of passing "--timeout" and "1s" to main. After
// `--` everything is a positional argument as written, so an argument that
// starts with '-' goes there. It returns the positional arguments; when ok
// is false the command ends with code: 0 after -h (fs.Usage printed), 2 for a
// bad flag (the error, a hint and synopsis, the usage's first lines, on
// stderr; the full usage would bury the error).
func parseInterspersed(fs *flag.FlagSet, args []string, synopsis string, stderr io.Writer) (positional []string, code int, ok bool) {
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(stderr)
	for {
		if err := fs.Parse(args); err != nil {
			fs.SetOutput(stderr)
			if errors.Is(err, flag.ErrHelp) {
				fs.Usage()
				return nil, exitOK, false
			}
			fmt.Fprintf(stderr, "moonbox %s: %v\n", fs.Name(), err)
			if bad := badFlag(err); bad != "" {
				fmt.Fprintf(stderr, "moonbox %s: if %s is an argument, put it after --: moonbox %s ... -- %s\n", fs.Name(), bad, fs.Name(), bad)
			}
			fmt.Fprintf(stderr, "%sRun 'moonbox %s -h' for the flags.\n", synopsis, fs.Name())
			return nil, exitUsage, false
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), 0, true
		}
		if len(rest) == 0 {
			return positional, 0, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// badFlag is the flag an "flag provided but not defined: -x" error names.
func badFlag(err error) string {
	const prefix = "flag provided but not defined: "
	if s := err.Error(); strings.HasPrefix(s, prefix) {
		return strings.TrimPrefix(s, prefix)
	}
	return ""
}
