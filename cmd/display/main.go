// Command display shows the hall's calls on a screen without a browser — a
// terminal, a Linux framebuffer (a Raspberry Pi on HDMI) or a MAX7219 LED
// board on SPI — and says them through ALSA. See docs/DISPLAYS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi/spireg"

	"github.com/hallq/hallq/display"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/gpioinit"
	"github.com/hallq/hallq/internal/sdnotify"
	"github.com/hallq/hallq/internal/version"
)

func main() {
	cfgPath := flag.String("config", "/etc/hallq/display.toml", "the display's config file")
	check := flag.Bool("check-config", false, "check the config file and exit")
	showVersion := flag.Bool("version", false, "print the release and exit")
	flag.Parse()
	if *showVersion {
		fmt.Printf("display %s\n", version.Version)
		return
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := display.LoadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *check {
		fmt.Printf("%s: ok (%s)\n", *cfgPath, cfg)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, logger); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("display", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg *display.Config, logger *slog.Logger) error {
	d := &display.Daemon{Config: cfg, Logger: logger}
	switch cfg.Renderer {
	case display.RendererTerminal:
		term := &display.Terminal{Out: os.Stdout, Width: cfg.Terminal.Width}
		if cfg.Terminal.Device != "" {
			con, err := display.TakeConsole(cfg.Terminal.Device, false)
			if con == nil {
				return err
			}
			if err != nil {
				logger.Warn("console", "err", err)
			}
			defer con.Restore()
			term.Out = con
		}
		d.Renderer = term
	case display.RendererFramebuffer:
		fb, f, err := display.OpenFramebuffer(cfg.Framebuffer.Device, cfg.Framebuffer.Font)
		if err != nil {
			return err
		}
		defer f.Close()
		if path := cfg.FramebufferConsole(); path != "" {
			// The text console shares the screen: keep its cursor, login
			// prompt and kernel messages off the picture while we run.
			con, err := display.TakeConsole(path, true)
			if err != nil {
				logger.Warn("console", "err", err)
			}
			if con != nil {
				defer con.Restore()
			}
		}
		d.Renderer = fb
	case display.RendererMAX7219:
		gpio, err := gpioinit.Init()
		if err != nil {
			return fmt.Errorf("periph: %w", err)
		}
		logger.Info("periph drivers", "drivers", gpio.Summary())
		port, err := spireg.Open(cfg.MAX7219.Port)
		if err != nil {
			return fmt.Errorf("spi %s: %w; likely cause: %s", cfg.MAX7219.Port, err, gpio.SPICause(cfg.MAX7219.Port))
		}
		defer port.Close()
		m, err := display.NewMAX7219(port, cfg.MAX7219.Chips, physic.Frequency(cfg.MAX7219.SpeedHz)*physic.Hertz)
		if err != nil {
			return err
		}
		if err := m.Init(cfg.MAX7219.Intensity); err != nil {
			return err
		}
		defer m.Shutdown(true)
		d.Renderer = &display.LEDBoard{M: m}
	}
	if cfg.Audio.Enabled {
		wavs := hallclient.New(cfg.Server, 30*time.Second)
		d.Player = &display.Player{
			Fetch: func(ctx context.Context, seq int64) ([]byte, error) { return wavs.Announcement(ctx, cfg.Token, seq) },
			Play:  display.Aplay(cfg.Audio.Command, cfg.Audio.Device),
		}
	}
	logger.Info("display starting", "config", cfg.String(), "version", version.Version)
	// Type=notify under systemd: ready once the renderer is up, a watchdog
	// fed while we run, and a word when we stop. No-ops elsewhere.
	sdnotify.Ready()
	defer sdnotify.Stopping()
	go sdnotify.Watchdog(ctx, nil, func(err error) { logger.Warn("watchdog", "err", err) })
	return d.Run(ctx)
}
