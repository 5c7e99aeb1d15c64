package display

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ANSI sequences.
const (
	ansiClear   = "\x1b[H\x1b[2J"
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiReverse = "\x1b[7m"
	ansiYellow  = "\x1b[33m"
	ansiCyan    = "\x1b[36m"
	ansiRedBG   = "\x1b[41;97m"
)

// Terminal draws views with ANSI escapes, for a console or an SSH session.
// Each Render redraws the whole screen.
type Terminal struct {
	Out   io.Writer
	Width int // columns (default 80)
}

// bigDigits is a 5-line font for the counter's number.
var bigDigits = map[rune][5]string{
	'0': {"█████", "█   █", "█   █", "█   █", "█████"},
	'1': {"   █ ", "  ██ ", "   █ ", "   █ ", "  ███"},
	'2': {"█████", "    █", "█████", "█    ", "█████"},
	'3': {"█████", "    █", " ████", "    █", "█████"},
	'4': {"█   █", "█   █", "█████", "    █", "    █"},
	'5': {"█████", "█    ", "█████", "    █", "█████"},
	'6': {"█████", "█    ", "█████", "█   █", "█████"},
	'7': {"█████", "    █", "   █ ", "  █  ", "  █  "},
	'8': {"█████", "█   █", "█████", "█   █", "█████"},
	'9': {"█████", "█   █", "█████", "    █", "█████"},
	'A': {" ███ ", "█   █", "█████", "█   █", "█   █"},
	'B': {"████ ", "█   █", "████ ", "█   █", "████ "},
	'C': {"█████", "█    ", "█    ", "█    ", "█████"},
	'D': {"████ ", "█   █", "█   █", "█   █", "████ "},
	'E': {"█████", "█    ", "████ ", "█    ", "█████"},
	'-': {"     ", "     ", "█████", "     ", "     "},
	' ': {"     ", "     ", "     ", "     ", "     "},
}

// BigText renders s in the 5-line block font (unknown characters as "-").
func BigText(s string) []string {
	var lines [5]strings.Builder
	for i, r := range strings.ToUpper(s) {
		g, ok := bigDigits[r]
		if !ok {
			g = bigDigits['-']
		}
		for l := range lines {
			if i > 0 {
				lines[l].WriteString("  ")
			}
			lines[l].WriteString(g[l])
		}
	}
	out := make([]string, 5)
	for i := range lines {
		out[i] = lines[i].String()
	}
	return out
}

// Render draws v.
func (t *Terminal) Render(v View) error {
	w := bufio.NewWriter(t.Out)
	width := t.Width
	if width <= 0 {
		width = 80
	}
	w.WriteString(ansiClear)
	if v.Enrol != nil {
		title, code, hint, detail := EnrolLines(v.Lang, v.Enrol)
		fmt.Fprintf(w, "\n%s%s%s\n\n", ansiCyan+ansiBold, center(title, width), ansiReset)
		fmt.Fprintf(w, "%s\n", center(word(v.Lang, "enrol_code")+":", width))
		fmt.Fprintf(w, "%s%s%s\n\n", ansiYellow+ansiBold+ansiReverse, center("  "+code+"  ", width), ansiReset)
		fmt.Fprintf(w, "%s\n\n%s\n", center(hint, width), center(detail, width))
		return w.Flush()
	}
	if v.State != nil && !v.State.Online {
		fmt.Fprintf(w, "%s%s%s\n", ansiRedBG, center(word(v.Lang, "offline"), width), ansiReset)
	}
	if v.Mode == ModeCounter {
		t.counter(w, v, width)
	} else {
		t.hall(w, v, width)
	}
	return w.Flush()
}

func (t *Terminal) counter(w *bufio.Writer, v View, width int) {
	c := v.State.Counter(v.Counter)
	fmt.Fprintf(w, "\n%s%s%s\n\n", ansiCyan+ansiBold, center(fmt.Sprintf("%s %d", word(v.Lang, "counter"), v.Counter), width), ansiReset)
	label := "----"
	if c != nil && c.Current != nil {
		label = c.Current.Label
	}
	style := ansiYellow + ansiBold
	if v.Fresh {
		style += ansiReverse
	}
	for _, l := range BigText(label) {
		fmt.Fprintf(w, "%s%s%s\n", style, center(l, width), ansiReset)
	}
	fmt.Fprintf(w, "\n%s\n", center(counterLine(v.Lang, c), width))
}

func (t *Terminal) hall(w *bufio.Writer, v View, width int) {
	h := v.State.Hall
	head := h.Hall.Name
	if !v.Now.IsZero() {
		head = pad(head, width-6) + clock(v.Now)
	}
	fmt.Fprintf(w, "%s%s%s\n\n", ansiBold+ansiReverse, pad(head, width), ansiReset)
	fmt.Fprintf(w, "%s%s%s\n", ansiCyan, pad(word(v.Lang, "number"), 20)+word(v.Lang, "counter"), ansiReset)
	rows := v.Rows
	if rows <= 0 {
		rows = 6
	}
	if len(h.Recent) == 0 {
		fmt.Fprintln(w, word(v.Lang, "none"))
	}
	for i := 0; i < rows && i < len(h.Recent); i++ {
		ev := h.Recent[i]
		label := ""
		if ev.Ticket != nil {
			label = ev.Ticket.Label
		}
		line := pad(label, 20) + fmt.Sprintf("→ %d", ev.Counter)
		if i == 0 {
			style := ansiYellow + ansiBold
			if v.Fresh {
				style += ansiReverse
			}
			line = style + line + ansiReset
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "\n%s%s%s\n", ansiCyan, word(v.Lang, "waiting"), ansiReset)
	for _, s := range h.Services {
		fmt.Fprintf(w, "%s%4d\n", pad(serviceName(v.Lang, s), 30), s.Waiting)
	}
	if h.Hall.Notice != "" {
		fmt.Fprintf(w, "\n%s\n", h.Hall.Notice)
	}
}

func pad(s string, n int) string {
	if l := utf8.RuneCountInString(s); l < n {
		return s + strings.Repeat(" ", n-l)
	}
	return s
}

func center(s string, width int) string {
	l := utf8.RuneCountInString(s)
	if l >= width {
		return s
	}
	return strings.Repeat(" ", (width-l)/2) + s
}
