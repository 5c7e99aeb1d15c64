package display_test

import (
	"bytes"
	"testing"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi/spitest"

	"github.com/hallq/hallq/display"
)

func recorded(r *spitest.Record) [][]byte {
	var out [][]byte
	for _, op := range r.Ops {
		out = append(out, op.W)
	}
	return out
}

// TestMAX7219Init: the power-up sequence, one 16-bit word (address, data)
// per register, as in the datasheet's register map: display test 0x0F,
// scan limit 0x0B, decode mode 0x09, intensity 0x0A, digits 0x01–0x08,
// shutdown 0x0C.
func TestMAX7219Init(t *testing.T) {
	rec := &spitest.Record{}
	m, err := display.NewMAX7219(rec, 1, physic.MegaHertz)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(8); err != nil {
		t.Fatal(err)
	}
	want := [][]byte{
		{0x0F, 0x00}, // display test off
		{0x0B, 0x07}, // scan digits 0–7
		{0x09, 0x00}, // no decode
		{0x0A, 0x08}, // intensity 17/32
		{0x01, 0x00}, {0x02, 0x00}, {0x03, 0x00}, {0x04, 0x00},
		{0x05, 0x00}, {0x06, 0x00}, {0x07, 0x00}, {0x08, 0x00},
		{0x0C, 0x01}, // normal operation
	}
	equalOps(t, recorded(rec), want)
}

// TestMAX7219Show: "1025   3" on one chip; digit 0 (register 0x01) is the
// rightmost. Segment bytes are DP A B C D E F G (datasheet Table 6): "1" is
// B+C = 0x30, "0" = 0x7E, "2" = 0x6D, "5" = 0x5B, "3" = 0x79.
func TestMAX7219Show(t *testing.T) {
	rec := &spitest.Record{}
	m, _ := display.NewMAX7219(rec, 1, physic.MegaHertz)
	if err := m.Show(display.LEDText("1025", 3, m.Digits())); err != nil {
		t.Fatal(err)
	}
	want := [][]byte{
		{0x01, 0x79}, // 3
		{0x02, 0x00}, {0x03, 0x00}, {0x04, 0x00},
		{0x05, 0x5B}, // 5
		{0x06, 0x6D}, // 2
		{0x07, 0x7E}, // 0
		{0x08, 0x30}, // 1
	}
	equalOps(t, recorded(rec), want)
}

// TestMAX7219Chain: two chips get one word each per transaction, the far
// chip's first; WriteChip sends No-Op (0x00 0x00) to the other.
func TestMAX7219Chain(t *testing.T) {
	rec := &spitest.Record{}
	m, _ := display.NewMAX7219(rec, 2, physic.MegaHertz)
	m.Intensity(15)
	m.WriteChip(0, 0x0C, 0x00)
	m.WriteChip(1, 0x0F, 0x01)
	m.Show("A012")
	ops := recorded(rec)
	equalOps(t, ops[:3], [][]byte{
		{0x0A, 0x0F, 0x0A, 0x0F},
		{0x00, 0x00, 0x0C, 0x00},
		{0x0F, 0x01, 0x00, 0x00},
	})
	// Digit 3 of chip 0 holds "A" (A B C E F G = 0x77); chip 1 is blank.
	if got := ops[3+3]; !bytes.Equal(got, []byte{0x04, 0x00, 0x04, 0x77}) {
		t.Errorf("digit 3: got % X, want 04 00 04 77", got)
	}
}

func TestMAX7219Registers(t *testing.T) {
	rec := &spitest.Record{}
	m, _ := display.NewMAX7219(rec, 1, 0)
	m.Shutdown(true)
	m.Shutdown(false)
	m.DisplayTest(true)
	m.DisplayTest(false)
	m.ScanLimit(4)
	m.DecodeMode(0xFF)
	m.Intensity(99)
	equalOps(t, recorded(rec), [][]byte{
		{0x0C, 0x00}, {0x0C, 0x01}, {0x0F, 0x01}, {0x0F, 0x00}, {0x0B, 0x03}, {0x09, 0xFF}, {0x0A, 0x0F},
	})
}

func equalOps(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d transactions, want %d: % X", len(got), len(want), got)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("transaction %d: got % X, want % X", i, got[i], want[i])
		}
	}
}
