// Package escpos builds ESC/POS command streams for thermal receipt printers.
//
// An Encoder appends commands to a byte slice; it does no I/O. The byte
// sequences follow the command table in docs/PRINTER.md, and the tests
// compare them byte for byte.
package escpos

import (
	"errors"
	"fmt"
)

// Control bytes.
const (
	ESC = 0x1B
	GS  = 0x1D
	FS  = 0x1C
	DLE = 0x10
	EOT = 0x04
	LF  = 0x0A
	CR  = 0x0D
	HT  = 0x09
)

// Alignment is the justification set by ESC a.
type Alignment byte

// Alignments.
const (
	Left   Alignment = 0
	Center Alignment = 1
	Right  Alignment = 2
)

// CutMode selects the GS V variant.
type CutMode byte

// Cut modes. FeedCut feeds to the cutter before cutting; some Chinese
// printers accept only PartialCut.
const (
	FullCut    CutMode = 0x00
	PartialCut CutMode = 0x01
	FeedCut    CutMode = 0x42
)

// QRLevel is a QR code error-correction level.
type QRLevel byte

// QR error-correction levels, as the byte GS ( k function 169 takes.
const (
	QRLevelL QRLevel = 0x30
	QRLevelM QRLevel = 0x31
	QRLevelQ QRLevel = 0x32
	QRLevelH QRLevel = 0x33
)

// RasterMode is the m parameter of GS v 0.
type RasterMode byte

// Raster scaling modes.
const (
	RasterNormal       RasterMode = 0
	RasterDoubleWidth  RasterMode = 1
	RasterDoubleHeight RasterMode = 2
	RasterQuadruple    RasterMode = 3
)

// QRMaxData is the most bytes a model 2 QR code can store (numeric data; far
// fewer for binary, but the printer, not the encoder, enforces that).
const QRMaxData = 7089

// ErrArgument is wrapped by every error about an out-of-range argument.
var ErrArgument = errors.New("escpos: argument out of range")

// Encoder appends ESC/POS commands to an internal buffer. The zero value is
// ready to use.
type Encoder struct {
	buf []byte
}

// Bytes returns the commands so far. The slice aliases the buffer.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns how many bytes have been encoded.
func (e *Encoder) Len() int { return len(e.buf) }

// Reset empties the buffer, keeping its storage.
func (e *Encoder) Reset() { e.buf = e.buf[:0] }

// Raw appends b unchanged. Text for the printer's current code page goes
// through Raw.
func (e *Encoder) Raw(b ...byte) *Encoder { e.buf = append(e.buf, b...); return e }

// Text appends an ASCII string unchanged.
func (e *Encoder) Text(s string) *Encoder { e.buf = append(e.buf, s...); return e }

// Init appends ESC @ followed by FS . so that a printer left in double-byte
// (Chinese/Kanji) mode prints single bytes again.
func (e *Encoder) Init() *Encoder { return e.Raw(ESC, '@', FS, '.') }

// Align appends ESC a n.
func (e *Encoder) Align(a Alignment) *Encoder { return e.Raw(ESC, 'a', byte(a)) }

// Bold appends ESC E n.
func (e *Encoder) Bold(on bool) *Encoder { return e.Raw(ESC, 'E', b2i(on)) }

// Underline appends ESC - n with n = 0 (off), 1 or 2 dots.
func (e *Encoder) Underline(dots int) error {
	if dots < 0 || dots > 2 {
		return fmt.Errorf("%w: underline %d dots, want 0–2", ErrArgument, dots)
	}
	e.Raw(ESC, '-', byte(dots))
	return nil
}

// Font appends ESC M n: 0 for font A (12×24), 1 for font B.
func (e *Encoder) Font(n byte) *Encoder { return e.Raw(ESC, 'M', n) }

// Reverse appends GS B n (white on black).
func (e *Encoder) Reverse(on bool) *Encoder { return e.Raw(GS, 'B', b2i(on)) }

// Size appends GS ! n for a character magnification of w × h, each 1–8.
func (e *Encoder) Size(w, h int) error {
	if w < 1 || w > 8 || h < 1 || h > 8 {
		return fmt.Errorf("%w: character size %d×%d, want 1–8 each", ErrArgument, w, h)
	}
	e.Raw(GS, '!', byte((w-1)<<4|(h-1)))
	return nil
}

// CodePage appends ESC t n.
func (e *Encoder) CodePage(n byte) *Encoder { return e.Raw(ESC, 't', n) }

// LineFeed appends LF, which prints the line buffer.
func (e *Encoder) LineFeed() *Encoder { return e.Raw(LF) }

// FeedLines appends ESC d n: print and feed n lines.
func (e *Encoder) FeedLines(n byte) *Encoder { return e.Raw(ESC, 'd', n) }

// FeedDots appends ESC J n: print and feed n dots.
func (e *Encoder) FeedDots(n byte) *Encoder { return e.Raw(ESC, 'J', n) }

// LineSpacing appends ESC 3 n (line spacing of n dots).
func (e *Encoder) LineSpacing(n byte) *Encoder { return e.Raw(ESC, '3', n) }

// DefaultLineSpacing appends ESC 2.
func (e *Encoder) DefaultLineSpacing() *Encoder { return e.Raw(ESC, '2') }

// Cut appends GS V in the given mode. FeedCut takes a feed amount, sent as 0.
func (e *Encoder) Cut(m CutMode) *Encoder {
	if m == FeedCut {
		return e.Raw(GS, 'V', byte(m), 0)
	}
	return e.Raw(GS, 'V', byte(m))
}

// Raster appends GS v 0: an image widthBytes bytes (8 dots each) wide and
// height rows tall, most significant bit leftmost, 1 black. len(data) must be
// widthBytes*height.
func (e *Encoder) Raster(m RasterMode, widthBytes, height int, data []byte) error {
	if widthBytes < 1 || widthBytes > 0xFFFF || height < 1 || height > 0xFFFF || m > RasterQuadruple {
		return fmt.Errorf("%w: raster %d bytes × %d rows, mode %d", ErrArgument, widthBytes, height, m)
	}
	if len(data) != widthBytes*height {
		return fmt.Errorf("%w: raster data is %d bytes, want %d", ErrArgument, len(data), widthBytes*height)
	}
	e.Raw(GS, 'v', '0', byte(m), byte(widthBytes), byte(widthBytes>>8), byte(height), byte(height>>8))
	e.buf = append(e.buf, data...)
	return nil
}

// QR appends the five GS ( k functions that print a model 2 QR code: model
// (165), module size (167), error correction (169), store (180), print (181).
func (e *Encoder) QR(data []byte, moduleSize int, level QRLevel) error {
	if len(data) == 0 || len(data) > QRMaxData {
		return fmt.Errorf("%w: QR data of %d bytes", ErrArgument, len(data))
	}
	if moduleSize < 1 || moduleSize > 16 {
		return fmt.Errorf("%w: QR module size %d, want 1–16", ErrArgument, moduleSize)
	}
	if level < QRLevelL || level > QRLevelH {
		return fmt.Errorf("%w: QR level %#x", ErrArgument, byte(level))
	}
	e.Raw(GS, '(', 'k', 4, 0, '1', 'A', '2', 0)
	e.Raw(GS, '(', 'k', 3, 0, '1', 'C', byte(moduleSize))
	e.Raw(GS, '(', 'k', 3, 0, '1', 'E', byte(level))
	n := len(data) + 3
	e.Raw(GS, '(', 'k', byte(n), byte(n>>8), '1', 'P', '0')
	e.buf = append(e.buf, data...)
	e.Raw(GS, '(', 'k', 3, 0, '1', 'Q', '0')
	return nil
}

// StatusQuery returns the real-time status request DLE EOT n (n 1–4).
func StatusQuery(n byte) []byte { return []byte{DLE, EOT, n} }

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// AppendWith lets f append to the buffer directly, as code page encoders do.
// When f fails the buffer is left as it was.
func (e *Encoder) AppendWith(f func(dst []byte) ([]byte, error)) error {
	b, err := f(e.buf)
	if err != nil {
		return err
	}
	e.buf = b
	return nil
}
