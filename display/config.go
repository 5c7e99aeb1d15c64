package display

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/hallq/hallq/internal/tomlconf"
)

// Renderers.
const (
	RendererTerminal    = "terminal"
	RendererFramebuffer = "framebuffer"
	RendererMAX7219     = "max7219"
)

// Config is the display daemon's configuration (display.toml).
type Config struct {
	// Server is the hall server, "http://hall.local:8080".
	Server string `toml:"server"`
	// Token is a device token made by hand (`hallserver device add -db
	// FILE -kind display -name NAME`). Without one the display enrols: it
	// asks the server for a token under Name, shows the code until the
	// admin approves, and keeps the token in StateDir.
	Token string `toml:"token"`
	// Name is the device's name on the server; default from the host name
	// (enrol.DeviceName).
	Name string `toml:"name"`
	// StateDir keeps the enrolled token (display.token); default
	// /var/lib/hallq, the unit's StateDirectory.
	StateDir string `toml:"state_dir"`
	// Mode is "hall" (the last calls) or "counter" (one counter's number).
	Mode    string `toml:"mode"`
	Counter int    `toml:"counter"`
	Lang    string `toml:"lang"`
	Rows    int    `toml:"rows"`
	// Renderer is terminal, framebuffer or max7219.
	Renderer    string            `toml:"renderer"`
	Terminal    TerminalConfig    `toml:"terminal"`
	Framebuffer FramebufferConfig `toml:"framebuffer"`
	MAX7219     MAX7219Config     `toml:"max7219"`
	Audio       AudioConfig       `toml:"audio"`
	// HeartbeatS is how often the daemon reports its health (default 30).
	HeartbeatS int `toml:"heartbeat_s"`
}

// TerminalConfig is [terminal].
type TerminalConfig struct {
	// Device is where the text goes: a console such as /dev/tty1, or ""
	// for standard output (a terminal or SSH session).
	Device string `toml:"device"`
	Width  int    `toml:"width"` // columns; default 80
}

// FramebufferConfig is [framebuffer].
type FramebufferConfig struct {
	Device string `toml:"device"` // default /dev/fb0
	Font   string `toml:"font"`   // default DejaVu Sans Bold
	// Console is the text console on the same screen, kept from drawing
	// over the picture while the display runs (default /dev/tty1; "" to
	// leave it alone).
	Console *string `toml:"console"`
}

// MAX7219Config is [max7219].
type MAX7219Config struct {
	// Port is the SPI port as periph names it: "/dev/spidev0.0" or "SPI0.0".
	Port      string `toml:"port"`
	Chips     int    `toml:"chips"`     // chips in the chain (8 digits each); default 1
	Intensity int    `toml:"intensity"` // 0–15; default 8
	SpeedHz   int    `toml:"speed_hz"`  // default 1 MHz
}

// AudioConfig is [audio]: announcements through ALSA.
type AudioConfig struct {
	Enabled bool   `toml:"enabled"`
	Command string `toml:"command"` // default aplay
	Device  string `toml:"device"`  // ALSA device, e.g. "plughw:0,0"; default ALSA's default
	// MaxAgeS: a call older than this when its turn comes is not said (default 60).
	MaxAgeS int `toml:"max_age_s"`
}

// LoadConfig reads and checks a display.toml; every problem is reported
// with its file, line and key.
func LoadConfig(path string) (*Config, error) {
	c := defaults()
	tf, err := tomlconf.Read(path, c)
	if err != nil {
		return nil, err
	}
	return c, c.check(tf)
}

// ParseConfig is LoadConfig for text in memory.
func ParseConfig(path string, data []byte) (*Config, error) {
	c := defaults()
	tf, err := tomlconf.Parse(path, data, c)
	if err != nil {
		return nil, err
	}
	return c, c.check(tf)
}

func defaults() *Config {
	return &Config{Mode: ModeHall, Lang: "vi", Rows: 6, Renderer: RendererTerminal, HeartbeatS: 30, StateDir: "/var/lib/hallq",
		Terminal:    TerminalConfig{Width: 80},
		Framebuffer: FramebufferConfig{Device: "/dev/fb0", Font: DefaultFont},
		MAX7219:     MAX7219Config{Chips: 1, Intensity: 8, SpeedHz: 1_000_000},
		Audio:       AudioConfig{Command: "aplay", MaxAgeS: 60}}
}

func (c *Config) check(tf *tomlconf.File) error {
	if u, err := url.Parse(c.Server); c.Server == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		tf.Problemf("server", "want the hall server's URL, e.g. \"http://hall.local:8080\", not %q", c.Server)
	}
	if c.Name != "" && !validName(c.Name) {
		tf.Problemf("name", "%q: a device name is letters, digits, '.', '_' and '-'", c.Name)
	}
	if c.StateDir == "" {
		tf.Problemf("state_dir", "name the directory that keeps the enrolled token, e.g. \"/var/lib/hallq\"")
	}
	switch c.Mode {
	case ModeHall:
	case ModeCounter:
		if c.Counter <= 0 {
			tf.Problemf("mode", "mode = \"counter\" needs the counter's hall number: add counter = 3")
		}
	default:
		tf.Problemf("mode", "must be \"hall\" or \"counter\", not %q", c.Mode)
	}
	if c.Lang != "vi" && c.Lang != "en" {
		tf.Problemf("lang", "must be \"vi\" or \"en\", not %q", c.Lang)
	}
	if c.Rows < 1 || c.Rows > 10 {
		tf.Problemf("rows", "must be 1 to 10")
	}
	switch c.Renderer {
	case RendererTerminal:
		if d := c.Terminal.Device; d != "" && !strings.HasPrefix(d, "/dev/") {
			tf.Problemf("terminal.device", "want a console such as \"/dev/tty1\", or \"\" for standard output, not %q", d)
		}
		if c.Terminal.Width < 20 || c.Terminal.Width > 500 {
			tf.Problemf("terminal.width", "must be 20 to 500 columns")
		}
	case RendererFramebuffer:
		if !strings.HasPrefix(c.Framebuffer.Device, "/dev/") {
			tf.Problemf("framebuffer.device", "want a device such as \"/dev/fb0\", not %q", c.Framebuffer.Device)
		}
		if con := c.FramebufferConsole(); con != "" && !strings.HasPrefix(con, "/dev/") {
			tf.Problemf("framebuffer.console", "want the screen's text console such as \"/dev/tty1\", or \"\" to leave it alone, not %q", con)
		}
	case RendererMAX7219:
		if c.MAX7219.Port == "" {
			tf.Problemf("max7219.port", "name the SPI port, e.g. \"/dev/spidev0.0\" (enable SPI with dtparam=spi=on)")
		}
		if c.MAX7219.Chips < 1 || c.MAX7219.Chips > 8 {
			tf.Problemf("max7219.chips", "must be 1 to 8")
		}
		if c.MAX7219.Intensity < 0 || c.MAX7219.Intensity > 15 {
			tf.Problemf("max7219.intensity", "must be 0 to 15")
		}
		if c.MAX7219.SpeedHz <= 0 || c.MAX7219.SpeedHz > 10_000_000 {
			tf.Problemf("max7219.speed_hz", "must be 1 to 10000000 (the MAX7219 runs up to 10 MHz)")
		}
	default:
		tf.Problemf("renderer", "must be terminal, framebuffer or max7219, not %q", c.Renderer)
	}
	if c.HeartbeatS < 5 {
		tf.Problemf("heartbeat_s", "must be at least 5")
	}
	if c.Audio.MaxAgeS < 1 {
		tf.Problemf("audio.max_age_s", "must be at least 1")
	}
	return tf.Err()
}

// TokenFile is where an enrolled token is kept.
func (c *Config) TokenFile() string { return filepath.Join(c.StateDir, "display.token") }

func validName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return len(s) <= 64
}

// FramebufferConsole is the console the framebuffer renderer takes over:
// /dev/tty1 unless the config says otherwise ("" for none).
func (c *Config) FramebufferConsole() string {
	if c.Framebuffer.Console == nil {
		return "/dev/tty1"
	}
	return *c.Framebuffer.Console
}

// String describes the config for the log (without the token).
func (c *Config) String() string {
	return fmt.Sprintf("%s mode=%s counter=%d renderer=%s audio=%v", c.Server, c.Mode, c.Counter, c.Renderer, c.Audio.Enabled)
}
