package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq/internal/version"
	"github.com/hallq/hallq/printer"
	"github.com/hallq/hallq/printer/codepage"
	"github.com/hallq/hallq/printer/decode"
	"github.com/hallq/hallq/printer/raster"
	"github.com/hallq/hallq/printer/status"
	"github.com/hallq/hallq/printer/transport"
)

const usage = `usage:
  escpos ticket [flags] -o t.png|t.bin|-   preview or produce a ticket
  escpos render [flags] capture.bin -o out.png
  escpos print -device DEV (-test | -file job.bin) [flags]
  escpos status -device DEV
  escpos -version
Run "escpos COMMAND -h" for a command's flags.`

// Run runs one escpos command; main only wires it to the process.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "ticket":
		return cmdTicket(args[1:], stdout, stderr)
	case "render":
		return cmdRender(args[1:], stderr)
	case "print":
		return cmdPrint(ctx, args[1:], stdout, stderr)
	case "status":
		return cmdStatus(args[1:], stdout, stderr)
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "escpos", version.Version)
		return nil
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// printerFlags are the flags that describe a printer: its profile, every
// number of which can be set (printer.Settings), and the fonts.
type printerFlags struct {
	s              printer.Settings
	padRaster      bool
	font, boldFont string
}

// flagOf names the flag that sets a printer setting.
var flagOf = map[string]string{
	printer.SetDots: "-width", printer.SetPaper: "-width", printer.SetMode: "-mode", printer.SetFamily: "-family",
	printer.SetCodePage: "-encoding", printer.SetTCVN3Lower: "-tcvn3-lower", printer.SetTCVN3Upper: "-tcvn3-upper",
	printer.SetCP1258Page: "-cp1258-page", printer.SetColumns: "-columns", printer.SetColumnsSmall: "-columns-small",
	printer.SetCut: "-cut",
}

func (pf *printerFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&pf.s.Dots, "width", printer.Width80, "printable width in dots: 384 (58 mm), 512 (older 80 mm Epson) or 576 (80 mm)")
	fs.StringVar(&pf.s.Mode, "mode", "hybrid", "how Vietnamese is printed: hybrid, raster or codepage")
	fs.StringVar(&pf.s.CodePage, "encoding", "", "code page for -mode codepage: tcvn3 or cp1258 (default: TCVN-3 where the family has it)")
	fs.StringVar(&pf.s.Family, "family", "epson", "printer family for code page numbers: "+printer.FamilyNames)
	pageFlag := func(name string, dst **int, what string) {
		fs.Func(name, "ESC t number of "+what+", overriding the family's (see the printer's self-test page)", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("want a number, not %q", v)
			}
			*dst = &n
			return nil
		})
	}
	pageFlag("tcvn3-lower", &pf.s.TCVN3Lower, "the TCVN-3 lowercase page")
	pageFlag("tcvn3-upper", &pf.s.TCVN3Upper, "the TCVN-3 capitals page")
	pageFlag("cp1258-page", &pf.s.CP1258Page, "CP1258")
	fs.IntVar(&pf.s.Columns, "columns", 0, "characters a line in font A (default: width/12)")
	fs.IntVar(&pf.s.ColumnsSmall, "columns-small", 0, "characters a line in font B (default: width/9)")
	fs.BoolVar(&pf.padRaster, "pad-raster", false, "send raster lines with their white margin, for printers that do not centre images")
	fs.StringVar(&pf.s.Cut, "cut", "partial", "cut command: partial (GS V 1), full (GS V 0) or feed (GS V 66 0)")
	fs.StringVar(&pf.font, "font", raster.DefaultRegular, "TrueType font for raster text")
	fs.StringVar(&pf.boldFont, "bold-font", raster.DefaultBold, "bold TrueType font")
}

func (pf *printerFlags) fonts() (*raster.Fonts, error) { return raster.Load(pf.font, pf.boldFont) }

// profile resolves the flags; a bad value is named by its flag.
func (pf *printerFlags) profile() (printer.Profile, error) {
	s := pf.s
	if pf.padRaster {
		s.PadRaster = &pf.padRaster
	}
	p, errs := s.Profile()
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = flagOf[e.Setting] + ": " + e.Msg
		}
		return p, errors.New(strings.Join(msgs, "\n"))
	}
	return p, nil
}

func (pf *printerFlags) layout(extra ...string) (*printer.Layout, *raster.Fonts, error) {
	p, err := pf.profile()
	if err != nil {
		return nil, nil, err
	}
	fonts, err := pf.fonts()
	if err != nil {
		return nil, nil, err
	}
	l, err := printer.NewLayout(p, fonts, extra...)
	return l, fonts, err
}

func cmdTicket(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ticket", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var pf printerFlags
	pf.register(fs)
	var t printer.Ticket
	var lang, issued, out string
	var waitMin int
	fs.StringVar(&t.Hall, "hall", "Bộ phận Một cửa UBND phường Lộc Thọ, TP. Nha Trang", "hall name")
	fs.StringVar(&t.ServiceVI, "service", "Hộ tịch", "service name in Vietnamese")
	fs.StringVar(&t.ServiceEN, "service-en", "Civil status", "service name in English")
	fs.StringVar(&t.Label, "label", "1025", "ticket number as printed")
	fs.IntVar(&t.Ahead, "ahead", 12, "people waiting ahead")
	fs.IntVar(&waitMin, "wait", 25, "estimated wait in minutes; negative to leave it off")
	fs.StringVar(&t.StatusURL, "url", "https://hall.example/t/1025", "status page URL for the QR code")
	fs.StringVar(&t.Footer, "footer", "", "footer line (default: the language's)")
	fs.StringVar(&lang, "lang", "vi", "language: vi, en or vi+en")
	fs.StringVar(&issued, "issued", "", "time of issue as 2006-01-02T15:04 (default now)")
	fs.StringVar(&out, "o", "", "output: FILE.png (preview), FILE.bin or - (ESC/POS bytes)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" {
		return errors.New("ticket: -o is required")
	}
	t.Language = printer.Language(lang)
	if t.Language != printer.Vietnamese && t.Language != printer.English && t.Language != printer.Bilingual {
		return fmt.Errorf("ticket: unknown language %q", lang)
	}
	t.EstimatedWaitSeconds = waitMin * 60
	t.IssuedAt = time.Now()
	if issued != "" {
		var err error
		if t.IssuedAt, err = time.ParseInLocation("2006-01-02T15:04", issued, time.Local); err != nil {
			return fmt.Errorf("ticket: -issued: %w", err)
		}
	}
	l, fonts, err := pf.layout(t.Hall, t.ServiceVI, t.ServiceEN, t.Footer)
	if err != nil {
		return err
	}
	job, err := l.Ticket(t)
	if err != nil {
		return err
	}
	return writeOutput(job, out, pf, fonts, stdout, stderr)
}

// writeOutput writes job as bytes, or rendered as a PNG for a .png name.
func writeOutput(job []byte, out string, pf printerFlags, fonts *raster.Fonts, stdout, stderr io.Writer) error {
	if out == "-" {
		_, err := stdout.Write(job)
		return err
	}
	if strings.EqualFold(filepath.Ext(out), ".png") {
		return renderPNG(job, out, pf, fonts, stderr)
	}
	return os.WriteFile(out, job, 0o644)
}

func renderPNG(job []byte, out string, pf printerFlags, fonts *raster.Fonts, stderr io.Writer) error {
	p, err := pf.profile()
	if err != nil {
		return err
	}
	// The family's pages, and over them the ones the flags chose.
	pages := codepage.Families[pf.s.Family].Pages()
	maps.Copy(pages, p.Pages())
	res, err := decode.Render(job, decode.Options{Width: p.Width, Fonts: fonts, Pages: pages})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := res.WritePNG(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func cmdRender(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var pf printerFlags
	pf.register(fs)
	out := fs.String("o", "", "output PNG")
	// Accept the capture before or after the flags.
	var in string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		in, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if in == "" && fs.NArg() > 0 {
		in = fs.Arg(0)
	}
	if in == "" || *out == "" {
		return errors.New("render: usage: escpos render capture.bin -o out.png")
	}
	job, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	fonts, err := pf.fonts()
	if err != nil {
		return err
	}
	return renderPNG(job, *out, pf, fonts, stderr)
}

func deviceFlags(fs *flag.FlagSet) (*string, *transport.Options) {
	dev := fs.String("device", "", "printer: /dev/usb/lp0, serial:/dev/ttyUSB0[,BAUD[,FLOW]] or tcp:HOST[:PORT]")
	opt := &transport.Options{}
	fs.DurationVar(&opt.WriteTimeout, "write-timeout", 5*time.Second, "longest time the printer may take to accept 512 bytes")
	fs.DurationVar(&opt.ReadTimeout, "read-timeout", time.Second, "longest wait for a status reply")
	return dev, opt
}

func cmdPrint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("print", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var pf printerFlags
	pf.register(fs)
	dev, opt := deviceFlags(fs)
	test := fs.Bool("test", false, "print the test page")
	file := fs.String("file", "", "print this ESC/POS file instead")
	noStatus := fs.Bool("no-status", false, "do not query status (printers whose USB port is write-only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dev == "" || (*test == (*file != "")) {
		return errors.New("print: usage: escpos print -device DEV (-test | -file job.bin)")
	}
	var job []byte
	if *test {
		l, _, err := pf.layout()
		if err != nil {
			return err
		}
		if job, err = l.TestPage(); err != nil {
			return err
		}
	} else {
		var err error
		if job, err = os.ReadFile(*file); err != nil {
			return err
		}
	}
	c, err := transport.Open(*dev, *opt)
	if err != nil {
		return err
	}
	defer c.Close()
	if !*noStatus {
		s, err := status.Query(c)
		if err != nil {
			return err
		}
		if !s.OK() {
			return fmt.Errorf("printer not ready: %s", s)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := c.Write(job); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sent %d bytes to %s\n", len(job), *dev)
	return nil
}

func cmdStatus(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dev, opt := deviceFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dev == "" {
		return errors.New("status: -device is required")
	}
	c, err := transport.Open(*dev, *opt)
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := status.Query(c)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, s)
	if !s.OK() {
		return errors.New("printer not ready")
	}
	return nil
}
