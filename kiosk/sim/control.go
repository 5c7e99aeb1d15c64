package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Handler serves the simulator's control endpoint (on 127.0.0.1 only):
//
//	GET  /                  the buttons, their keys, the lamps
//	POST /press/NAME        press a button (NAME as listed, e.g. A, priority, pad3-score3, pad3-next)
//	POST /paper/out         take the paper out of the printer; /paper/in puts it back
//	POST /scan/CODE         the QR scanner reads a booking's code (or any text)
//	GET  /state             the kiosk's state as JSON
//
// sc is nil for a kiosk without a scanner.
func Handler(b *Board, p *Printer, sc *Scanner, state func() any) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		b.WriteHelp(w)
		if p != nil {
			n, last := p.Saved()
			fmt.Fprintf(w, "\nprinter: %d tickets saved in %s (last: %s)\n", n, p.Dir, last)
		}
	})
	mux.HandleFunc("POST /press/{name}", func(w http.ResponseWriter, r *http.Request) {
		if err := b.Press(r.PathValue("name")); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /paper/{state}", func(w http.ResponseWriter, r *http.Request) {
		if p == nil {
			http.Error(w, "no simulated printer", http.StatusNotFound)
			return
		}
		switch r.PathValue("state") {
		case "in":
			p.SetPaper(true)
		case "out":
			p.SetPaper(false)
		default:
			http.Error(w, "want /paper/in or /paper/out", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /scan/{code}", func(w http.ResponseWriter, r *http.Request) {
		if sc == nil {
			http.Error(w, "this kiosk has no scanner", http.StatusNotFound)
			return
		}
		if err := sc.Scan(r.PathValue("code")); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(state())
	})
	return mux
}

// WriteHelp lists the buttons with their keys, and the lamps.
func (b *Board) WriteHelp(w io.Writer) {
	fmt.Fprintln(w, "buttons (key, name, what):")
	for _, c := range b.Controls() {
		if !c.Lamp {
			fmt.Fprintf(w, "  %c  %-14s %s\n", c.Key, c.Name, c.Label)
		}
	}
	fmt.Fprintln(w, "  #CODE              the QR scanner reads CODE (a booking code, e.g. #K7M2QX)")
	fmt.Fprintln(w, "lamps:")
	for _, c := range b.Controls() {
		if c.Lamp {
			on := "off"
			if b.Lit(c.Name) {
				on = "ON"
			}
			fmt.Fprintf(w, "     %-14s %-3s %s\n", c.Name, on, c.Label)
		}
	}
}

// Keyboard presses a button for every key typed on in (a line at a time:
// type "a" and Enter; "aa" presses twice). "?" lists the keys, "q" ends. A
// line starting with "#" is scanned by the QR scanner: "#K7M2QX" checks
// that booking in (scanner nil: the kiosk has none). It returns when in
// ends, "q" is typed or ctx ends.
func Keyboard(ctx context.Context, in io.Reader, out io.Writer, b *Board, scanner *Scanner) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if code, ok := strings.CutPrefix(line, "#"); ok {
			switch err := scanCode(scanner, code); {
			case err != nil:
				fmt.Fprintln(out, err)
			default:
				fmt.Fprintf(out, "scanned %s\n", code)
			}
			continue
		}
		for _, k := range line {
			if ctx.Err() != nil {
				return
			}
			switch c := b.ByKey(k); {
			case k == 'q':
				return
			case k == '?':
				b.WriteHelp(out)
			case c == nil:
				fmt.Fprintf(out, "no button on key %q (? lists them)\n", k)
			default:
				b.Press(c.Name)
				fmt.Fprintf(out, "pressed %s\n", c.Name)
			}
		}
	}
}

func scanCode(sc *Scanner, code string) error {
	if sc == nil {
		return fmt.Errorf("no QR scanner on this kiosk")
	}
	return sc.Scan(code)
}
