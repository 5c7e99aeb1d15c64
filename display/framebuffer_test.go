package display_test

import (
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/display"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/")

// sampleState is a hall with three calls, counter 3 calling 1025.
func sampleState() *display.State {
	s := &display.State{Online: true}
	s.Hall.Hall.Name = "Bộ phận Một cửa UBND phường Lộc Thọ"
	at := time.Date(2026, 11, 27, 8, 15, 0, 0, time.UTC)
	for i, c := range []struct {
		label   string
		counter int
	}{{"1025", 3}, {"2007", 1}, {"1024", 2}} {
		s.Hall.Recent = append(s.Hall.Recent, hallq.Event{Seq: int64(10 - i), Type: hallq.EventTicketCalled, At: at,
			Counter: c.counter, Ticket: &hallq.Ticket{Label: c.label, State: hallq.StateCalled}})
	}
	s.Hall.Services = []hallq.ServiceView{
		{Service: hallq.Service{Code: "A", NameVI: "Hộ tịch", NameEN: "Civil status"}, Waiting: 12},
		{Service: hallq.Service{Code: "B", NameVI: "Chứng thực", NameEN: "Certification"}, Waiting: 4},
		{Service: hallq.Service{Code: "C", NameVI: "Đất đai", NameEN: "Land"}, Waiting: 0},
	}
	s.Hall.Counters = []hallq.Counter{{ID: 3, State: hallq.CounterOpen,
		Current: &hallq.Ticket{Label: "1025", State: hallq.StateCalled}}}
	return s
}

// TestFramebufferGolden: the renderer writes a file-backed fake
// framebuffer; read back, it matches the golden PNG (open it to look).
func TestFramebufferGolden(t *testing.T) {
	if _, err := os.Stat(display.DefaultFont); err != nil {
		t.Skipf("%s missing (on Debian: apt-get install fonts-dejavu-core)", display.DefaultFont)
	}
	now := time.Date(2026, 11, 27, 8, 15, 0, 0, time.UTC)
	offline := sampleState()
	offline.Online = false
	tests := []struct {
		name string
		bpp  int
		view display.View
	}{
		{"counter", 32, display.View{Mode: display.ModeCounter, Counter: 3, Lang: "vi", State: sampleState(), Now: now}},
		{"counter-fresh-565", 16, display.View{Mode: display.ModeCounter, Counter: 3, Lang: "vi", State: sampleState(), Now: now, Fresh: true}},
		{"hall", 32, display.View{Mode: display.ModeHall, Lang: "vi", Rows: 6, State: sampleState(), Now: now}},
		{"hall-offline-en", 32, display.View{Mode: display.ModeHall, Lang: "en", Rows: 6, State: offline, Now: now}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const w, h = 480, 270
			path := filepath.Join(t.TempDir(), "fb0")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			fb, err := display.NewFramebuffer(f, w, h, tc.bpp, 0, display.DefaultFont)
			if err != nil {
				t.Fatal(err)
			}
			if err := fb.Render(tc.view); err != nil {
				t.Fatal(err)
			}
			f.Close()
			data, _ := os.ReadFile(path)
			if len(data) != w*h*tc.bpp/8 {
				t.Fatalf("wrote %d bytes, want %d", len(data), w*h*tc.bpp/8)
			}
			got := display.ReadImage(data, w, h, tc.bpp, 0)
			golden := filepath.Join("testdata", "fb-"+tc.name+".png")
			if *update {
				os.MkdirAll("testdata", 0o755)
				out, _ := os.Create(golden)
				png.Encode(out, got)
				out.Close()
			}
			gf, err := os.Open(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./display -run Framebuffer -update to make it)", err)
			}
			defer gf.Close()
			want, err := png.Decode(gf)
			if err != nil {
				t.Fatal(err)
			}
			if bad := differ(got, want); bad > w*h/1000 {
				out := filepath.Join(t.TempDir(), tc.name+".png")
				of, _ := os.Create(out)
				png.Encode(of, got)
				of.Close()
				t.Errorf("%d pixels differ from %s; got %s", bad, golden, out)
			}
		})
	}
}

// differ counts pixels that differ by more than a rounding step: glyph
// anti-aliasing may round differently on another CPU.
func differ(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx() * a.Bounds().Dy()
	}
	n := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if d(r1, r2) > 8<<8 || d(g1, g2) > 8<<8 || d(b1, b2) > 8<<8 {
				n++
			}
		}
	}
	return n
}

func d(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
