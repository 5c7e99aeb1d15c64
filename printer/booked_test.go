package printer

import (
	"image"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/printer/raster"
)

// TestBookedTicketLine: a ticket checked in with a booking says when its
// slot starts ("Lịch hẹn 08:30", "Appointment 08:30") on the paper decoded
// back from the bytes, in every width and mode; a walk-in's does not.
func TestBookedTicketLine(t *testing.T) {
	fonts := loadFonts(t)
	ict := time.FixedZone("ICT", 7*3600)
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			l, err := NewLayout(v.p, fonts)
			if err != nil {
				t.Fatal(err)
			}
			for _, booked := range []bool{true, false} {
				tk := sampleTicket()
				tk.Language = Bilingual
				if booked {
					tk.SlotAt = time.Date(2026, 11, 27, 8, 30, 0, 0, ict)
				}
				job, err := l.Ticket(tk)
				if err != nil {
					t.Fatal(err)
				}
				res := renderJob(t, l, job)
				vi, en := printed(l, res.Paper, res.Lines, "Lịch hẹn 08:30", stHeading), strings.Contains(strings.Join(res.Lines, "\n"), "Appointment 08:30")
				if v.p.Mode == Raster {
					// English small type is a raster too: look for it drawn.
					small := stSmall
					small.align = stHeading.align
					en = printed(l, res.Paper, res.Lines, "Appointment 08:30", small)
				}
				if vi != booked || en != booked {
					t.Errorf("booked %v: the paper shows the Vietnamese line %v, the English %v; lines %q", booked, vi, en, res.Lines)
				}
			}
		})
	}
}

// printed reports whether s is on the paper: among the decoded text lines
// (printer text), or drawn as the raster the layout makes of it in st.
func printed(l *Layout, paper *image.Gray, lines []string, s string, st style) bool {
	if strings.Contains(strings.Join(lines, "\n"), s) {
		return true
	}
	if l.fonts == nil {
		return false
	}
	b := l.fonts.Render(s, l.p.Width, raster.Style{Size: st.size, Bold: st.bold, Align: st.align})
	if b == nil {
		return false
	}
	return findBitmap(paper, b.Sub(b.InkBounds(), 0))
}

// findBitmap reports whether the ink of b appears on paper dot for dot
// (white around it inside its box) at some position.
func findBitmap(paper *image.Gray, b *raster.Bitmap) bool {
	pr := paper.Bounds()
	w, h := b.Width, b.Height
	ink := func(x, y int) bool { return paper.GrayAt(x, y).Y < 0x80 }
	for y := pr.Min.Y; y+h <= pr.Max.Y; y++ {
	next:
		for x := pr.Min.X; x+w <= pr.Max.X; x++ {
			for dy := range h {
				for dx := range w {
					if ink(x+dx, y+dy) != b.At(dx, dy) {
						continue next
					}
				}
			}
			return true
		}
	}
	return false
}
