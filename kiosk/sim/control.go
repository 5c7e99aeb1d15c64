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
//	GET  /state             the kiosk's state as JSON
func Handler(b *Board, p *Printer, state func() any) http.Handler {
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
// type "a" and Enter; "aa" presses twice). "?" lists the keys, "q" ends.
// It returns when in ends, "q" is typed or ctx ends.
func Keyboard(ctx context.Context, in io.Reader, out io.Writer, b *Board) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		for _, k := range strings.TrimSpace(sc.Text()) {
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
