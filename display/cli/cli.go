// Package cli is the display command: flags, config, and the wiring of a
// real screen (terminal, framebuffer, MAX7219 board), the announcement
// player and enrolment to package display. cmd/display is a thin main
// around Main, so the whole command runs in-process in tests.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi/spireg"

	"github.com/hallq/hallq/display"
	"github.com/hallq/hallq/enrol"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/cmdline"
	"github.com/hallq/hallq/internal/gpioinit"
	"github.com/hallq/hallq/internal/version"
)

// Env is the command's outside world.
type Env struct {
	Stdout, Stderr io.Writer
	// Root is the directory the framebuffer renderer's device paths are
	// under — its device, its console and /sys/class/graphics — "" for /.
	// Tests put plain files and directories there in their stead.
	Root string
}

// path is device path p under the environment's root.
func (env Env) path(p string) string {
	if env.Root == "" {
		return p
	}
	return filepath.Join(env.Root, p)
}

type flags struct {
	cmdline.Flags
	terminal string
}

// Main runs the display command with args (without the program name)
// until ctx ends, and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("display", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var f flags
	f.Register(fs, "/etc/hallq/display.toml", "the hall server's URL, overriding the config's server",
		"the directory keeping the enrolled token, overriding state_dir")
	fs.StringVar(&f.terminal, "terminal-device", "", "with renderer = \"terminal\": draw here instead of [terminal] device (\"-\" for standard output, to see from SSH what the screen shows)")
	if code, done := f.Parse(fs, args, env.Stdout); done {
		return code
	}
	cfg, err := display.LoadConfig(f.Config)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return cmdline.ExitUsage
	}
	f.Override(&cfg.Server, &cfg.StateDir)
	switch f.terminal {
	case "":
	case "-":
		cfg.Terminal.Device = ""
	default:
		cfg.Terminal.Device = f.terminal
	}
	if f.CheckConfig {
		fmt.Fprintf(env.Stdout, "%s: ok (%s)\n", f.Config, cfg)
		return cmdline.ExitOK
	}
	return f.Run("display", env.Stderr, func(logger *slog.Logger) error { return run(ctx, cfg, env, logger) })
}

func run(ctx context.Context, cfg *display.Config, env Env, logger *slog.Logger) error {
	d := &display.Daemon{Config: cfg, Logger: logger}
	renderer, closeRenderer, err := openRenderer(cfg, env, logger)
	if err != nil {
		return err
	}
	defer closeRenderer()
	d.Renderer = renderer

	name := cfg.Name
	if name == "" {
		name = enrol.DeviceName("display")
	}
	if err := os.MkdirAll(cfg.StateDir, 0o750); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	d.Identity = &enrol.Identity{Server: cfg.Server, Name: name, Kind: "display", File: cfg.TokenFile(),
		Fixed: cfg.Token, Show: d.ShowEnrolment, Log: logger}
	if cfg.Renderer == display.RendererMAX7219 {
		d.Identity.Code = enrol.NewDigitsCode // what seven segments can show
	}
	if err := d.Identity.Load(); err != nil {
		return err
	}
	if cfg.Audio.Enabled {
		wavs := hallclient.New(cfg.Server, 30*time.Second)
		d.Player = &display.Player{
			Fetch: func(ctx context.Context, seq int64) ([]byte, error) { return wavs.Announcement(ctx, d.Token(), seq) },
			Play:  display.Aplay(cfg.Audio.Command, cfg.Audio.Device),
		}
	}
	logger.Info("display starting", "config", cfg.String(), "device", name, "version", version.Version)
	// Ready once the renderer is up; the watchdog is fed only while the
	// screen is redrawn and the stream followed.
	defer cmdline.NotifySystemd(ctx, d.Healthy, logger)()
	return d.Run(ctx)
}

// openRenderer opens the configured screen; the func gives it back (the
// console's text mode, the board's shutdown).
func openRenderer(cfg *display.Config, env Env, logger *slog.Logger) (display.Renderer, func(), error) {
	var closers []func()
	done := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	switch cfg.Renderer {
	case display.RendererTerminal:
		term := &display.Terminal{Out: env.Stdout, Width: cfg.Terminal.Width}
		if cfg.Terminal.Device != "" {
			con, err := display.TakeConsole(cfg.Terminal.Device, false)
			if con == nil {
				return nil, nil, err
			}
			if err != nil {
				logger.Warn("console", "err", err)
			}
			closers = append(closers, func() { con.Restore() })
			term.Out = con
		}
		return term, done, nil
	case display.RendererFramebuffer:
		fb, f, err := display.OpenFramebuffer(env.path(cfg.Framebuffer.Device), env.path(display.SysGraphics), cfg.Framebuffer.Font)
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, func() { f.Close() })
		if path := cfg.FramebufferConsole(); path != "" {
			// The text console shares the screen: keep its cursor, login
			// prompt and kernel messages off the picture while we run.
			con, err := display.TakeConsole(env.path(path), true)
			if err != nil {
				logger.Warn("console", "err", err)
			}
			if con != nil {
				closers = append(closers, func() { con.Restore() })
			}
		}
		return fb, done, nil
	case display.RendererMAX7219:
		gpio, err := gpioinit.Init()
		if err != nil {
			return nil, nil, fmt.Errorf("periph: %w", err)
		}
		logger.Info("periph drivers", "drivers", gpio.Summary())
		port, err := spireg.Open(cfg.MAX7219.Port)
		if err != nil {
			return nil, nil, fmt.Errorf("spi %s: %w; likely cause: %s", cfg.MAX7219.Port, err, gpio.SPICause(cfg.MAX7219.Port))
		}
		closers = append(closers, func() { port.Close() })
		m, err := display.NewMAX7219(port, cfg.MAX7219.Chips, physic.Frequency(cfg.MAX7219.SpeedHz)*physic.Hertz)
		if err == nil {
			err = m.Init(cfg.MAX7219.Intensity)
		}
		if err != nil {
			done()
			return nil, nil, err
		}
		closers = append(closers, func() { m.Shutdown(true) })
		return &display.LEDBoard{M: m}, done, nil
	}
	return nil, nil, fmt.Errorf("display: unknown renderer %q", cfg.Renderer)
}
