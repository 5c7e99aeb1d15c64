package raster

import (
	"image"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Align is a line's horizontal placement.
type Align int

// Alignments.
const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// Style is how Render draws text.
type Style struct {
	Size  float64 // em height in dots
	Bold  bool
	Align Align
	// LineHeight is the baseline-to-baseline distance in dots; 0 means
	// 1.2 × Size.
	LineHeight int
}

// Wrap breaks s (NFC-normalised first) into lines no wider than width dots,
// at spaces; a word wider than width is broken between characters.
func (f *Fonts) Wrap(s string, width int, size float64, bold bool) []string {
	s = norm.NFC.String(s)
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			try := w
			if line != "" {
				try = line + " " + w
			}
			if f.Measure(try, size, bold) <= width {
				line = try
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			line = w
			for f.Measure(line, size, bold) > width {
				cut := f.fit(line, width, size, bold)
				lines = append(lines, line[:cut])
				line = line[cut:]
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// fit returns the byte length of the longest prefix of s (at least one
// character) that fits in width.
func (f *Fonts) fit(s string, width int, size float64, bold bool) int {
	end := 0
	for i, r := range s {
		if i > 0 && f.Measure(s[:i+len(string(r))], size, bold) > width {
			return i
		}
		end = i + len(string(r))
	}
	return end
}

// Render draws s wrapped to width and aligned, then crops the result to the
// rows that carry ink and to the right edge of the ink, keeping the left
// margin so that alignment survives. It returns nil for text with no ink.
func (f *Fonts) Render(s string, width int, st Style) *Bitmap {
	lines := f.Wrap(s, width, st.Size, st.Bold)
	lh := st.LineHeight
	if lh == 0 {
		lh = int(st.Size*1.2 + 0.5)
	}
	asc, desc := f.Metrics(st.Size, st.Bold)
	// Vietnamese capitals stack a tone over a circumflex above the
	// ascent: leave room for them.
	top := int(st.Size * 0.35)
	b := NewBitmap(width, top+asc+desc+lh*(len(lines)-1))
	for i, l := range lines {
		x := 0
		switch st.Align {
		case AlignCenter:
			x = (width - f.Measure(l, st.Size, st.Bold)) / 2
		case AlignRight:
			x = width - f.Measure(l, st.Size, st.Bold)
		}
		f.Draw(b, x, top+asc+i*lh, l, st.Size, st.Bold)
	}
	ink := b.InkBounds()
	if ink.Empty() {
		return nil
	}
	return b.Sub(image.Rect(0, ink.Min.Y, ink.Max.X, ink.Max.Y), 0)
}
