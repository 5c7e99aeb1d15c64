// Package config reads a kiosk's TOML configuration (kiosk.toml) strictly:
// every problem is reported at once with the file, line and key, so that an
// installer's typo is found with `kiosk -check-config` rather than in the
// hall.
package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hallq/hallq/internal/tomlconf"
	"github.com/hallq/hallq/printer"
	"github.com/hallq/hallq/printer/raster"
	"github.com/hallq/hallq/printer/transport"
)

// Config is a kiosk as configured.
type Config struct {
	// Path is the file it was read from.
	Path string

	ServerURL string // the hall server, e.g. http://192.168.1.10:8080
	// KioskToken is a kiosk token made by hand (token or token_file), for
	// the service buttons and the touch page. Without one the kiosk enrols
	// under Name and keeps the token in StateDir (TokenFile).
	KioskToken string
	// Name is the kiosk's device name on the server; its pads enrol as
	// NAME-pad-N. Default from the host name (enrol.DeviceName).
	Name    string
	Timeout time.Duration // each HTTP request
	// IssueDeadline bounds the retries of one ticket request.
	IssueDeadline time.Duration

	Language  printer.Language // of the ticket: vi, en or vi+en
	Footer    string           // "" for the default
	StateDir  string           // holds outbox.db
	Heartbeat time.Duration

	Debounce Debounce
	Printer  Printer

	Buttons  []ServiceButton
	Priority *PriorityButton
	Lamps    Lamps
	Pads     []Pad
	Touch    Touch
	// Scanner is a QR scanner on a serial port that reads booking codes
	// (Device "" when there is none).
	Scanner Scanner
	// MaxRatingAge caps the age of a rating press sent after a restart.
	MaxRatingAge time.Duration
}

// Debounce is the buttons' debounce.
type Debounce struct {
	Confirm, HoldOff time.Duration
}

// Printer is the ticket printer.
type Printer struct {
	Device       string // as transport.Open takes it: /dev/usb/lp0, serial:…, tcp:…
	Profile      printer.Profile
	Family       string
	Font         string
	BoldFont     string
	WriteTimeout time.Duration
	ReadTimeout  time.Duration
	// StatusEvery is how often the idle kiosk asks the printer for its state.
	StatusEvery time.Duration
}

// Pin is a GPIO pin name with the config key that named it, for errors at
// start-up ("buttons[1].pin: no GPIO pin named GPIO99").
type Pin struct {
	Name string
	Key  string
}

// ServiceButton issues tickets for one service.
type ServiceButton struct {
	Pin     Pin
	Service string
	LED     Pin // Name "" when the button has no lamp
	Key     string
}

// PriorityButton, pressed before a service button, makes the next ticket a
// priority one.
type PriorityButton struct {
	Pin    Pin
	LED    Pin
	Kind   string        // the server's priority kind, e.g. "elderly"
	Window time.Duration // how long a press stays armed
	Key    string
}

// Lamps are the kiosk's status lamps; any may be absent.
type Lamps struct {
	Fault, Busy, Paper, Server Pin
}

// Pad is the hardware at one counter that this kiosk drives, with that
// counter's pad token.
type Pad struct {
	Counter int
	Token   string // made by hand; "" enrols the pad (TokenFile)
	LED     Pin    // acknowledges presses; steady when the server refuses the pad
	Key     string
	Rating  []RatingButton
	Call    *CallPad
}

// RatingButton is one button of a rating pad.
type RatingButton struct {
	Pin   Pin
	Score int
	Key   string
}

// CallPad holds the officer's buttons at a counter; a pin with Name "" is absent.
type CallPad struct {
	Next, Recall, Start, Finish, NoShow Pin
	Keys                                map[string]string // action → sim key
}

// Scanner is a QR scanner on a serial port: a USB scanner in its serial
// (CDC ACM) mode, /dev/ttyACM0, or an RS-232 one behind an adapter.
type Scanner struct {
	Device string
	Baud   int // 0: 9600
}

// Touch is the local touch-screen page.
type Touch struct {
	Enabled bool
	Listen  string // 127.0.0.1:PORT
	// Priority offers a priority choice on the page.
	Priority bool
}

type file struct {
	Server   serverSection   `toml:"server"`
	Kiosk    kioskSection    `toml:"kiosk"`
	Debounce debounceSection `toml:"debounce"`
	Printer  printerSection  `toml:"printer"`
	Buttons  []buttonEntry   `toml:"buttons"`
	Priority *priorityEntry  `toml:"priority"`
	Lamps    lampsSection    `toml:"lamps"`
	Pads     []padEntry      `toml:"pads"`
	Touch    touchSection    `toml:"touch"`
	Scanner  scannerSection  `toml:"scanner"`
}

type scannerSection struct {
	Device string `toml:"device"`
	Baud   int    `toml:"baud"`
}

type serverSection struct {
	URL            string `toml:"url"`
	Name           string `toml:"name"`
	Token          string `toml:"token"`
	TokenFile      string `toml:"token_file"`
	Timeout        string `toml:"timeout"`
	IssueDeadline  string `toml:"issue_deadline"`
	HeartbeatEvery string `toml:"heartbeat_every"`
}

type kioskSection struct {
	Language     string `toml:"language"`
	Footer       string `toml:"footer"`
	StateDir     string `toml:"state_dir"`
	MaxRatingAge string `toml:"max_rating_age"`
}

type debounceSection struct {
	Confirm string `toml:"confirm"`
	HoldOff string `toml:"hold_off"`
}

type printerSection struct {
	Transport    string `toml:"transport"`
	Device       string `toml:"device"`
	Baud         int    `toml:"baud"`
	Flow         string `toml:"flow"`
	Paper        string `toml:"paper"`
	Dots         int    `toml:"dots"`
	Mode         string `toml:"mode"`
	Family       string `toml:"family"`
	CodePage     string `toml:"code_page"`
	TCVN3Lower   *int   `toml:"tcvn3_lower"`
	TCVN3Upper   *int   `toml:"tcvn3_upper"`
	CP1258Page   *int   `toml:"cp1258_page"`
	Columns      int    `toml:"columns"`
	ColumnsSmall int    `toml:"columns_small"`
	PadRaster    *bool  `toml:"pad_raster"`
	Cut          string `toml:"cut"`
	Font         string `toml:"font"`
	BoldFont     string `toml:"bold_font"`
	WriteTimeout string `toml:"write_timeout"`
	ReadTimeout  string `toml:"read_timeout"`
	StatusEvery  string `toml:"status_every"`
}

type buttonEntry struct {
	Pin     string `toml:"pin"`
	Service string `toml:"service"`
	LED     string `toml:"led"`
	Key     string `toml:"key"`
}

type priorityEntry struct {
	Pin    string `toml:"pin"`
	LED    string `toml:"led"`
	Kind   string `toml:"kind"`
	Window string `toml:"window"`
	Key    string `toml:"key"`
}

type lampsSection struct {
	Fault  string `toml:"fault"`
	Busy   string `toml:"busy"`
	Paper  string `toml:"paper"`
	Server string `toml:"server"`
}

type padEntry struct {
	Counter   int           `toml:"counter"`
	Token     string        `toml:"token"`
	TokenFile string        `toml:"token_file"`
	LED       string        `toml:"led"`
	Rating    []ratingEntry `toml:"rating"`
	Call      *callEntry    `toml:"call"`
}

type ratingEntry struct {
	Pin   string `toml:"pin"`
	Score int    `toml:"score"`
	Key   string `toml:"key"`
}

type callEntry struct {
	Next   string            `toml:"next"`
	Recall string            `toml:"recall"`
	Start  string            `toml:"start"`
	Finish string            `toml:"finish"`
	NoShow string            `toml:"no_show"`
	Keys   map[string]string `toml:"keys"`
}

type touchSection struct {
	Enabled  bool   `toml:"enabled"`
	Listen   string `toml:"listen"`
	Priority *bool  `toml:"priority"`
}

// Load reads and checks the kiosk config at path.
func Load(path string) (*Config, error) {
	var f file
	tf, err := tomlconf.Read(path, &f)
	if err != nil {
		return nil, err
	}
	return build(tf, &f)
}

// Parse is Load for text in memory (named path in messages; token files
// are found relative to path's directory).
func Parse(path string, data []byte) (*Config, error) {
	var f file
	tf, err := tomlconf.Parse(path, data, &f)
	if err != nil {
		return nil, err
	}
	return build(tf, &f)
}

// checker records problems while building.
type checker struct {
	*tomlconf.File
	pins map[string]string // pin name → key that uses it
}

func (c *checker) duration(key, v string, def, lo, hi time.Duration) time.Duration {
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		c.Problemf(key, "want a duration such as \"25ms\", \"5s\" or \"2m\", not %q", v)
		return def
	}
	if d < lo || d > hi {
		c.Problemf(key, "%v is out of range (%v to %v)", d, lo, hi)
		return def
	}
	return d
}

// pin checks a pin name; required pins must be present.
func (c *checker) pin(key, name string, required bool) Pin {
	if name == "" {
		if required {
			c.Problemf(key, "is required: the GPIO pin's name, e.g. \"GPIO17\"")
		}
		return Pin{Key: key}
	}
	if strings.ContainsAny(name, " \t") {
		c.Problemf(key, "pin name %q contains a space", name)
	}
	if other, ok := c.pins[name]; ok {
		c.Problemf(key, "pin %s is already used by %s", name, other)
	} else {
		c.pins[name] = key
	}
	return Pin{Name: name, Key: key}
}

// token reads an inline token or a token file; neither is "" (the device
// enrols).
func (c *checker) token(key, inline, file string) string {
	switch {
	case inline != "" && file != "":
		c.Problemf(key+"_file", "give either token or token_file, not both")
	case file != "":
		p := file
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(c.Path), p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			c.Problemf(key+"_file", "cannot read the token: %v", err)
			return ""
		}
		tok := strings.TrimSpace(string(data))
		if tok == "" {
			c.Problemf(key+"_file", "%s is empty", p)
		}
		return tok
	case inline != "":
		return inline
	}
	return ""
}

func build(tf *tomlconf.File, f *file) (*Config, error) {
	c := &checker{File: tf, pins: map[string]string{}}
	cfg := &Config{Path: tf.Path}
	c.server(cfg, &f.Server)
	c.kiosk(cfg, &f.Kiosk)
	c.debounce(cfg, &f.Debounce)
	c.printer(cfg, &f.Printer)
	c.buttons(cfg, f)
	c.pads(cfg, f.Pads)
	c.touch(cfg, &f.Touch)
	c.scanner(cfg, f)
	if len(f.Buttons) == 0 && !f.Touch.Enabled && len(f.Pads) == 0 {
		c.Problemf("buttons", "the kiosk has nothing to do: add [[buttons]], [touch] enabled = true or [[pads]]")
	}
	if err := tf.Err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// server checks [server].
func (c *checker) server(cfg *Config, s *serverSection) {
	switch u, err := url.Parse(s.URL); {
	case s.URL == "":
		c.Problemf("server.url", "is required: the hall server, e.g. \"http://192.168.1.10:8080\"")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		c.Problemf("server.url", "want an http:// or https:// URL, not %q", s.URL)
	default:
		cfg.ServerURL = strings.TrimRight(s.URL, "/")
	}
	cfg.KioskToken = c.token("server.token", s.Token, s.TokenFile)
	cfg.Name = s.Name
	if cfg.Name != "" && !validName(cfg.Name) {
		c.Problemf("server.name", "%q: a device name is letters, digits, '.', '_' and '-' (at most 48)", cfg.Name)
	}
	cfg.Timeout = c.duration("server.timeout", s.Timeout, 3*time.Second, 100*time.Millisecond, time.Minute)
	cfg.IssueDeadline = c.duration("server.issue_deadline", s.IssueDeadline, 10*time.Second, 100*time.Millisecond, 2*time.Minute)
	cfg.Heartbeat = c.duration("server.heartbeat_every", s.HeartbeatEvery, 30*time.Second, time.Second, time.Hour)
}

// kiosk checks [kiosk].
func (c *checker) kiosk(cfg *Config, k *kioskSection) {
	switch lang := k.Language; lang {
	case "", "vi":
		cfg.Language = printer.Vietnamese
	case "en", "vi+en":
		cfg.Language = printer.Language(lang)
	default:
		c.Problemf("kiosk.language", "must be \"vi\", \"en\" or \"vi+en\", not %q", lang)
	}
	cfg.Footer = k.Footer
	cfg.StateDir = k.StateDir
	if cfg.StateDir == "" {
		cfg.StateDir = "/var/lib/hallq-kiosk"
	}
	cfg.MaxRatingAge = c.duration("kiosk.max_rating_age", k.MaxRatingAge, time.Hour, time.Minute, 23*time.Hour)
}

// debounce checks [debounce].
func (c *checker) debounce(cfg *Config, d *debounceSection) {
	cfg.Debounce.Confirm = c.duration("debounce.confirm", d.Confirm, 25*time.Millisecond, time.Millisecond, 500*time.Millisecond)
	cfg.Debounce.HoldOff = c.duration("debounce.hold_off", d.HoldOff, 300*time.Millisecond, 0, 10*time.Second)
	if d.HoldOff != "" && cfg.Debounce.HoldOff < cfg.Debounce.Confirm {
		c.Problemf("debounce.hold_off", "must be at least debounce.confirm (%v)", cfg.Debounce.Confirm)
	}
}

// buttons checks [[buttons]], [priority] and [lamps]: the ticket side of
// the kiosk.
func (c *checker) buttons(cfg *Config, f *file) {
	for i, b := range f.Buttons {
		key := fmt.Sprintf("buttons[%d]", i)
		sb := ServiceButton{Pin: c.pin(key+".pin", b.Pin, true), Service: b.Service, LED: c.pin(key+".led", b.LED, false), Key: b.Key}
		if b.Service == "" {
			c.Problemf(key+".service", "is required: the code of the service this button issues tickets for, e.g. \"A\"")
		}
		cfg.Buttons = append(cfg.Buttons, sb)
	}
	if p := f.Priority; p != nil {
		pb := &PriorityButton{Pin: c.pin("priority.pin", p.Pin, true), LED: c.pin("priority.led", p.LED, false), Kind: p.Kind, Key: p.Key}
		if pb.Kind == "" {
			pb.Kind = "elderly"
		}
		pb.Window = c.duration("priority.window", p.Window, 15*time.Second, time.Second, 5*time.Minute)
		if len(f.Buttons) == 0 {
			c.Problemf("priority.pin", "a priority button needs service buttons ([[buttons]]) to press after it")
		}
		cfg.Priority = pb
	}
	cfg.Lamps = Lamps{
		Fault:  c.pin("lamps.fault", f.Lamps.Fault, false),
		Busy:   c.pin("lamps.busy", f.Lamps.Busy, false),
		Paper:  c.pin("lamps.paper", f.Lamps.Paper, false),
		Server: c.pin("lamps.server", f.Lamps.Server, false),
	}
}

// scanner checks [scanner].
func (c *checker) scanner(cfg *Config, f *file) {
	s := f.Scanner
	if s.Device == "" {
		if s.Baud != 0 {
			c.Problemf("scanner.device", "is required with scanner.baud: the scanner's serial port, e.g. \"/dev/ttyACM0\"")
		}
		return
	}
	if !filepath.IsAbs(s.Device) {
		c.Problemf("scanner.device", "want the scanner's serial port, e.g. \"/dev/ttyACM0\", not %q", s.Device)
	}
	switch s.Baud {
	case 0, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200:
	default:
		c.Problemf("scanner.baud", "%d is not a serial speed (9600, 19200, 38400, 57600 or 115200)", s.Baud)
	}
	if len(f.Buttons) == 0 && !f.Touch.Enabled {
		c.Problemf("scanner.device", "a scanner checks bookings in and prints their tickets: it needs [[buttons]] or [touch] (the printer)")
	}
	cfg.Scanner = Scanner{Device: s.Device, Baud: s.Baud}
}

// touch checks [touch].
func (c *checker) touch(cfg *Config, t *touchSection) {
	cfg.Touch.Enabled = t.Enabled
	cfg.Touch.Listen = t.Listen
	cfg.Touch.Priority = t.Priority == nil || *t.Priority
	if cfg.Touch.Listen == "" {
		cfg.Touch.Listen = "127.0.0.1:8081"
	}
	if host, _, err := splitHostPort(cfg.Touch.Listen); err != nil {
		c.Problemf("touch.listen", "want HOST:PORT such as \"127.0.0.1:8081\", not %q", cfg.Touch.Listen)
	} else if host != "127.0.0.1" && host != "localhost" && host != "::1" {
		c.Problemf("touch.listen", "the touch page serves only this machine: listen on 127.0.0.1, not %q", host)
	}
}

func (c *checker) printer(cfg *Config, p *printerSection) {
	pc := &cfg.Printer
	pc.WriteTimeout = c.duration("printer.write_timeout", p.WriteTimeout, 5*time.Second, 50*time.Millisecond, time.Minute)
	pc.ReadTimeout = c.duration("printer.read_timeout", p.ReadTimeout, time.Second, 50*time.Millisecond, 30*time.Second)
	pc.StatusEvery = c.duration("printer.status_every", p.StatusEvery, 10*time.Second, time.Second, time.Hour)
	switch p.Transport {
	case "", "usb", "file":
		pc.Device = p.Device
		if pc.Device == "" {
			pc.Device = "/dev/usb/lp0"
		}
		if p.Baud != 0 || p.Flow != "" {
			c.Problemf("printer.baud", "baud and flow are for transport = \"serial\"")
		}
	case "serial":
		if p.Device == "" {
			c.Problemf("printer.device", "is required for a serial printer, e.g. \"/dev/ttyUSB0\"")
		}
		baud := p.Baud
		if baud == 0 {
			baud = 38400
		}
		flow := p.Flow
		if flow == "" {
			flow = "none"
		}
		if _, err := transport.ParseFlow(flow); err != nil {
			c.Problemf("printer.flow", "must be none, xonxoff or rtscts, not %q", flow)
		}
		pc.Device = fmt.Sprintf("serial:%s,%d,%s", p.Device, baud, flow)
	case "tcp":
		if p.Device == "" {
			c.Problemf("printer.device", "is required for a network printer, e.g. \"192.168.1.50:9100\"")
		}
		pc.Device = "tcp:" + p.Device
	default:
		c.Problemf("printer.transport", "must be usb, serial or tcp, not %q", p.Transport)
	}
	// Every number of the profile can be set here over the family's.
	var errs []*printer.SettingError
	pc.Profile, errs = printer.Settings{Paper: p.Paper, Dots: p.Dots, Mode: p.Mode, Family: p.Family,
		CodePage: p.CodePage, TCVN3Lower: p.TCVN3Lower, TCVN3Upper: p.TCVN3Upper, CP1258Page: p.CP1258Page,
		Columns: p.Columns, ColumnsSmall: p.ColumnsSmall, PadRaster: p.PadRaster, Cut: p.Cut}.Profile()
	for _, e := range errs {
		c.Problemf("printer."+e.Setting, "%s", e.Msg)
	}
	pc.Family = p.Family
	if pc.Family == "" {
		pc.Family = "epson"
	}
	m := pc.Profile.Mode
	pc.Font, pc.BoldFont = p.Font, p.BoldFont
	if pc.Font == "" {
		pc.Font = raster.DefaultRegular
	}
	if pc.BoldFont == "" {
		pc.BoldFont = raster.DefaultBold
	}
	if m != printer.CodePage {
		for key, path := range map[string]string{"printer.font": pc.Font, "printer.bold_font": pc.BoldFont} {
			if _, err := os.Stat(path); err != nil {
				c.Problemf(key, "font %s: %v (on Debian: apt-get install fonts-dejavu-core)", path, err)
			}
		}
	}
}

func (c *checker) pads(cfg *Config, pads []padEntry) {
	counters := map[int]bool{}
	for i, p := range pads {
		key := fmt.Sprintf("pads[%d]", i)
		pad := Pad{Counter: p.Counter, LED: c.pin(key+".led", p.LED, false)}
		if p.Counter <= 0 {
			c.Problemf(key+".counter", "is required: the counter's hall number")
		} else if counters[p.Counter] {
			c.Problemf(key+".counter", "counter %d has two [[pads]] entries: put its rating and call buttons in one", p.Counter)
		}
		counters[p.Counter] = true
		pad.Token = c.token(key+".token", p.Token, p.TokenFile)
		scores := map[int]bool{}
		for j, r := range p.Rating {
			rk := fmt.Sprintf("%s.rating[%d]", key, j)
			if r.Score < 1 || r.Score > 5 {
				c.Problemf(rk+".score", "must be 1 to 5 (the hall's rating scale), not %d", r.Score)
			} else if scores[r.Score] {
				c.Problemf(rk+".score", "score %d has two buttons", r.Score)
			}
			scores[r.Score] = true
			pad.Rating = append(pad.Rating, RatingButton{Pin: c.pin(rk+".pin", r.Pin, true), Score: r.Score, Key: r.Key})
		}
		if cp := p.Call; cp != nil {
			ck := key + ".call"
			pad.Call = &CallPad{
				Next: c.pin(ck+".next", cp.Next, false), Recall: c.pin(ck+".recall", cp.Recall, false),
				Start: c.pin(ck+".start", cp.Start, false), Finish: c.pin(ck+".finish", cp.Finish, false),
				NoShow: c.pin(ck+".no_show", cp.NoShow, false), Keys: cp.Keys,
			}
			if cp.Next == "" && cp.Recall == "" && cp.Start == "" && cp.Finish == "" && cp.NoShow == "" {
				c.Problemf(ck, "a call pad needs at least one of next, recall, start, finish, no_show")
			}
			for action := range cp.Keys {
				switch action {
				case "next", "recall", "start", "finish", "no_show":
				default:
					c.Problemf(ck+".keys."+action, "unknown action (want next, recall, start, finish or no_show)")
				}
			}
		}
		if len(p.Rating) == 0 && p.Call == nil {
			c.Problemf(key, "pad of counter %d has neither [[%s.rating]] buttons nor [%s.call]", p.Counter, "pads.rating", "pads.call")
		}
		if n := len(p.Rating); n == 1 || n > 5 {
			c.Problemf(key+".rating", "a rating pad has 2 to 5 buttons, not %d", n)
		}
		cfg.Pads = append(cfg.Pads, pad)
	}
}

// TokenFile is where the kiosk keeps the token of device (kiosk, pad-N)
// that it enrolled itself.
func (c *Config) TokenFile(device string) string { return filepath.Join(c.StateDir, device+".token") }

func validName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return s != "" && len(s) <= 48
}

func splitHostPort(s string) (host, port string, err error) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", "", fmt.Errorf("no port")
	}
	host, port = strings.Trim(s[:i], "[]"), s[i+1:]
	if port == "" {
		return "", "", fmt.Errorf("no port")
	}
	return host, port, nil
}
