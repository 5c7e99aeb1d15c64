package display

import (
	"fmt"
	"strings"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// MAX7219 registers (datasheet Table 2). Each write is 16 bits, most
// significant bit first: the register address in D11–D8, the data in
// D7–D0. Chained chips shift the words on: one word per chip per
// transaction, the last chip's word first, and No-Op for chips left alone.
const (
	RegNoOp        = 0x00
	RegDigit0      = 0x01 // digits 0–7 are registers 0x01–0x08
	RegDecodeMode  = 0x09
	RegIntensity   = 0x0A
	RegScanLimit   = 0x0B
	RegShutdown    = 0x0C
	RegDisplayTest = 0x0F
)

// MAX7219SPIMode and MAX7219MaxSpeed: the chip samples DIN on the rising
// CLK edge (mode 0) and runs up to 10 MHz.
const (
	MAX7219SPIMode  = spi.Mode0
	MAX7219MaxSpeed = 10 * physic.MegaHertz
)

// Segments of one digit in no-decode mode (datasheet Table 6): DP A B C D E F G
// in D7…D0.
const (
	SegDP = 1 << 7
	SegA  = 1 << 6
	SegB  = 1 << 5
	SegC  = 1 << 4
	SegD  = 1 << 3
	SegE  = 1 << 2
	SegF  = 1 << 1
	SegG  = 1 << 0
)

// segments draws the characters a ticket label can hold on seven segments.
// Letters that cannot be told apart from digits (O, S, Z, I) are drawn as
// best they can; K, M, V, W, X have no seven-segment form and show as "-".
var segments = map[rune]byte{
	'0': SegA | SegB | SegC | SegD | SegE | SegF,
	'1': SegB | SegC,
	'2': SegA | SegB | SegG | SegE | SegD,
	'3': SegA | SegB | SegG | SegC | SegD,
	'4': SegF | SegG | SegB | SegC,
	'5': SegA | SegF | SegG | SegC | SegD,
	'6': SegA | SegF | SegG | SegE | SegD | SegC,
	'7': SegA | SegB | SegC,
	'8': SegA | SegB | SegC | SegD | SegE | SegF | SegG,
	'9': SegA | SegB | SegC | SegD | SegF | SegG,
	'A': SegA | SegB | SegC | SegE | SegF | SegG,
	'B': SegF | SegE | SegD | SegC | SegG, // b
	'C': SegA | SegF | SegE | SegD,
	'D': SegB | SegC | SegD | SegE | SegG, // d
	'E': SegA | SegF | SegG | SegE | SegD,
	'F': SegA | SegF | SegG | SegE,
	'G': SegA | SegF | SegE | SegD | SegC,
	'H': SegF | SegE | SegG | SegB | SegC,
	'I': SegE | SegF,
	'J': SegB | SegC | SegD | SegE,
	'L': SegF | SegE | SegD,
	'N': SegE | SegG | SegC, // n
	'O': SegA | SegB | SegC | SegD | SegE | SegF,
	'P': SegA | SegB | SegF | SegG | SegE,
	'Q': SegA | SegB | SegC | SegF | SegG, // q
	'R': SegE | SegG,                      // r
	'S': SegA | SegF | SegG | SegC | SegD,
	'T': SegF | SegE | SegD | SegG, // t
	'U': SegF | SegE | SegD | SegC | SegB,
	'Y': SegF | SegG | SegB | SegC | SegD,
	'Z': SegA | SegB | SegG | SegE | SegD,
	'-': SegG,
	' ': 0,
}

// MAX7219 drives a chain of MAX7219 chips, each with up to eight 7-segment
// digits, over SPI. It uses no-decode mode so that letters can be shown;
// Code B decode can still be set per digit with DecodeMode.
type MAX7219 struct {
	conn  spi.Conn
	chips int
}

// NewMAX7219 connects to a chain of chips on port (at most 10 MHz).
func NewMAX7219(port spi.Port, chips int, speed physic.Frequency) (*MAX7219, error) {
	if chips < 1 {
		chips = 1
	}
	if speed <= 0 || speed > MAX7219MaxSpeed {
		speed = MAX7219MaxSpeed
	}
	c, err := port.Connect(speed, MAX7219SPIMode, 8)
	if err != nil {
		return nil, fmt.Errorf("max7219: %w", err)
	}
	return &MAX7219{conn: c, chips: chips}, nil
}

// Digits is how many digits the chain has.
func (m *MAX7219) Digits() int { return 8 * m.chips }

// Write sets register reg to data on every chip, in one transaction.
func (m *MAX7219) Write(reg, data byte) error {
	buf := make([]byte, 0, 2*m.chips)
	for i := 0; i < m.chips; i++ {
		buf = append(buf, reg&0x0F, data)
	}
	return m.tx(buf)
}

// WriteChip sets register reg on chip (0 = the one DIN feeds) and sends
// No-Op to the others.
func (m *MAX7219) WriteChip(chip int, reg, data byte) error {
	if chip < 0 || chip >= m.chips {
		return fmt.Errorf("max7219: no chip %d in a chain of %d", chip, m.chips)
	}
	buf := make([]byte, 2*m.chips)
	// The first word sent ends up in the last chip of the chain.
	i := 2 * (m.chips - 1 - chip)
	buf[i], buf[i+1] = reg&0x0F, data
	return m.tx(buf)
}

func (m *MAX7219) tx(w []byte) error {
	if err := m.conn.Tx(w, nil); err != nil {
		return fmt.Errorf("max7219: %w", err)
	}
	return nil
}

// Init brings the chain out of its power-up state (shutdown, display test
// undefined) in the order the datasheet advises: display test off, scan
// all digits, no decode, the given intensity (0–15: duty 1/32…31/32),
// clear every digit, then leave shutdown.
func (m *MAX7219) Init(intensity int) error {
	steps := [][2]byte{
		{RegDisplayTest, 0x00},
		{RegScanLimit, 0x07},
		{RegDecodeMode, 0x00},
		{RegIntensity, byte(min(max(intensity, 0), 15))},
	}
	for d := 0; d < 8; d++ {
		steps = append(steps, [2]byte{RegDigit0 + byte(d), 0x00})
	}
	steps = append(steps, [2]byte{RegShutdown, 0x01})
	for _, s := range steps {
		if err := m.Write(s[0], s[1]); err != nil {
			return err
		}
	}
	return nil
}

// Intensity sets the brightness (0–15) on every chip.
func (m *MAX7219) Intensity(level int) error {
	return m.Write(RegIntensity, byte(min(max(level, 0), 15)))
}

// Shutdown blanks the display (true) or wakes it (false); the digits are kept.
func (m *MAX7219) Shutdown(off bool) error {
	if off {
		return m.Write(RegShutdown, 0x00)
	}
	return m.Write(RegShutdown, 0x01)
}

// DisplayTest lights every segment (true) or returns to normal (false).
func (m *MAX7219) DisplayTest(on bool) error {
	if on {
		return m.Write(RegDisplayTest, 0x01)
	}
	return m.Write(RegDisplayTest, 0x00)
}

// ScanLimit sets how many digits (1–8) each chip scans.
func (m *MAX7219) ScanLimit(digits int) error {
	return m.Write(RegScanLimit, byte(min(max(digits, 1), 8)-1))
}

// DecodeMode sets, per bit, which digits use Code B decoding (0xFF: all).
func (m *MAX7219) DecodeMode(mask byte) error {
	return m.Write(RegDecodeMode, mask)
}

// Segments encodes text for no-decode mode, one byte per character, left
// to right; a '.' sets the decimal point of the character before it.
func Segments(text string) []byte {
	var out []byte
	for _, r := range strings.ToUpper(text) {
		if r == '.' && len(out) > 0 {
			out[len(out)-1] |= SegDP
			continue
		}
		s, ok := segments[r]
		if !ok {
			s = SegG
		}
		out = append(out, s)
	}
	return out
}

// Show writes text right-aligned across the chain's digits (digit 0 is the
// rightmost of each chip, the rightmost chip is chip 0), blanking the rest.
// Text longer than the display keeps its rightmost characters.
func (m *MAX7219) Show(text string) error {
	segs := Segments(text)
	n := m.Digits()
	if len(segs) > n {
		segs = segs[len(segs)-n:]
	}
	cells := make([]byte, n) // cells[0] is the rightmost digit
	for i := range segs {
		cells[i] = segs[len(segs)-1-i]
	}
	for d := 0; d < 8; d++ {
		buf := make([]byte, 0, 2*m.chips)
		for chip := m.chips - 1; chip >= 0; chip-- {
			buf = append(buf, RegDigit0+byte(d), cells[chip*8+d])
		}
		if err := m.tx(buf); err != nil {
			return err
		}
	}
	return nil
}

// LEDText is what a counter's LED board shows: the number called and the
// counter, "1025   3" on eight digits; "----" when nothing is called.
func LEDText(label string, counter, digits int) string {
	if label == "" {
		label = "----"
	}
	if counter <= 0 {
		return label
	}
	c := fmt.Sprint(counter)
	pad := digits - len(label) - len(c)
	if pad < 1 {
		return label
	}
	return label + strings.Repeat(" ", pad) + c
}
