package printer

import (
	"testing"
	"time"

	"github.com/hallq/hallq/printer/raster"
)

// sampleTicket is the demo hall's ticket (docs/GLOSSARY.md).
func sampleTicket() Ticket {
	return Ticket{
		Hall:                 "Bộ phận Một cửa UBND phường Lộc Thọ, TP. Nha Trang",
		ServiceVI:            "Đăng ký kinh doanh",
		ServiceEN:            "Business registration",
		Label:                "1025",
		Number:               1025,
		IssuedAt:             time.Date(2026, 11, 27, 8, 15, 0, 0, time.FixedZone("ICT", 7*3600)),
		Ahead:                12,
		EstimatedWaitSeconds: 25 * 60,
		StatusURL:            "https://hall.example/t/7f3a9c2e",
		Language:             Vietnamese,
	}
}

// loadFonts loads DejaVu Sans and fails, never skips, without it: the golden
// images were drawn with it.
func loadFonts(t testing.TB) *raster.Fonts {
	t.Helper()
	f, err := raster.LoadDefault()
	if err != nil {
		t.Fatalf("%v\nThe printer tests need DejaVu Sans: apt-get install fonts-dejavu-core", err)
	}
	return f
}
