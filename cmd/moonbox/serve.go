package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/moonbox-runtime/moonbox/server"
)

// cmdServe runs the multi-tenant server until SIGTERM or SIGINT.
func cmdServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the operator's config `FILE` (moonbox.yaml); none: the defaults")
	listen := fs.String("listen", "", "listen on `ADDR` (host:port), over the config's listen")
	data := fs.String("data", "", "the data `DIR`, over the config's data")
	grace := fs.Duration("grace", 10*time.Second, "on SIGTERM/SIGINT, how long requests in flight and processes get to finish")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: moonbox serve [--config FILE] [--listen ADDR] [--data DIR] [--grace D]\n\n"+
			"Serves tenants deployed over the admin API (see server/doc.go). The admin token comes from the\n"+
			"config (a file or an environment variable), or is generated into the data directory and shown once.\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	wd, _ := os.Getwd()
	cfg := server.DefaultConfig(wd)
	if *config != "" {
		var err error
		if cfg, err = server.LoadConfig(*config); err != nil {
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if *data != "" {
		cfg.Data = *data
	}
	log := newLogger(cfg.Log, stderr)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox serve: %v\n", err)
		return exitUsage
	}
	s, generated, err := server.New(cfg, log)
	if err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "moonbox serve: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "moonbox serve: listening on http://%s (data in %s); console: http://%s/ui/\n", ln.Addr(), cfg.Data, ln.Addr())
	if generated {
		fmt.Fprintf(stdout, "admin token (shown once; kept in %s/admin-token, mode 0600):\n%s\n", cfg.Data, s.AdminTokenValue())
	}

	ctx, stop := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		sig := <-sigs
		log.Info("signal: shutting down gracefully (a second signal exits at once)", "signal", sig.String())
		stop()
		sig = <-sigs
		log.Warn("second signal: exiting now", "signal", sig.String())
		os.Exit(exitAbnormal)
	}()
	if err := s.Serve(ctx, ln, *grace); err != nil {
		fmt.Fprintf(stderr, "moonbox serve: %v\n", err)
		return exitAbnormal
	}
	return exitOK
}

func newLogger(c server.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
