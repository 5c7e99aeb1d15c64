package printer

import (
	"fmt"
	"testing"

	"github.com/hallq/hallq/printer/codepage"
)

// BenchmarkTicket80 encodes one Vietnamese 80 mm ticket in each mode. Run
// with: go test ./printer -run '^$' -bench Ticket80 -benchmem
func BenchmarkTicket80(b *testing.B) {
	fonts := loadFonts(b)
	for _, m := range []Mode{Hybrid, Raster, CodePage} {
		b.Run(m.String(), func(b *testing.B) {
			l, err := NewLayout(Profile{Width: Width80, Mode: m}, fonts)
			if err != nil {
				b.Fatal(err)
			}
			tk := sampleTicket()
			buf := make([]byte, 0, 32<<10)
			var n int
			for b.Loop() {
				job, err := l.AppendTicket(buf[:0], tk)
				if err != nil {
					b.Fatal(err)
				}
				n = len(job)
			}
			b.ReportMetric(float64(n), "bytes/ticket")
		})
	}
}

// TestTransferTimes prints the bytes of one Vietnamese 80 mm ticket per mode
// and how long they take on a serial link (10 bits a byte with 8N1). Run
// with: go test ./printer -run TransferTimes -v
func TestTransferTimes(t *testing.T) {
	fonts := loadFonts(t)
	for _, p := range []Profile{
		{Width: Width80, Mode: Hybrid},
		{Width: Width80, Mode: Raster},
		{Width: Width80, Mode: CodePage, Encoding: codepage.TCVN3{Lower: 30, Upper: 31}},
		{Width: Width80, Mode: CodePage, Encoding: codepage.CP1258Encoding{Page: 52}},
	} {
		l, err := NewLayout(p, fonts)
		if err != nil {
			t.Fatal(err)
		}
		job, err := l.Ticket(sampleTicket())
		if err != nil {
			t.Fatal(err)
		}
		name := p.Mode.String()
		if p.Mode == CodePage {
			name += fmt.Sprintf(" %T", p.Encoding)
		}
		t.Logf("%-36s %6d bytes  %5.2f s at 38400  %5.2f s at 115200", name, len(job),
			float64(len(job)*10)/38400, float64(len(job)*10)/115200)
	}
}
