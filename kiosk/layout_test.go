package kiosk

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/printer"
)

// TestConfiguredCodePageNumber: a hall that corrects its printer's code
// page number in kiosk.toml gets that number in the ESC t the printer is
// sent, and no other.
func TestConfiguredCodePageNumber(t *testing.T) {
	cfg, err := config.Parse("kiosk.toml", []byte(`
[server]
url = "http://192.168.1.10:8080"
token = "t"

[printer]
mode = "codepage"
family = "epson"
code_page = "cp1258"
cp1258_page = 45

[[buttons]]
pin = "GPIO17"
service = "A"
`))
	if err != nil {
		t.Fatal(err)
	}
	layout, _, err := NewLayout(cfg.Printer)
	if err != nil {
		t.Fatal(err)
	}
	job, err := layout.Ticket(printer.Ticket{Hall: "Phường Lộc Thọ", ServiceVI: "Hộ tịch", Label: "1001", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(job, []byte{0x1B, 't', 45}) {
		t.Errorf("no ESC t 45 in the job")
	}
	if bytes.Contains(job, []byte{0x1B, 't', 52}) {
		t.Errorf("the job still selects Epson's CP1258 number 52")
	}
	if !strings.Contains(layout.Profile().String(), "CP1258 on ESC t 45") {
		t.Errorf("profile reads %q", layout.Profile())
	}
}
