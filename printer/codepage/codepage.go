// Package codepage converts Vietnamese text to and from the single-byte code
// pages of ESC/POS printers: the TCVN-3 pair (a lowercase and a capitals page,
// switched inside a line) and CP1258 (decomposed, tone marks as combining
// bytes).
//
// Capital Đ is U+0110 here. Two widely used encoder tables put U+00D0
// (Icelandic Ð) at TCVN-3 capital byte A7, so Vietnamese "Đ" turns into "?".
package codepage

import (
	"fmt"
	"unicode"

	"golang.org/x/text/encoding/charmap"
)

// Charset is one code page: the characters of bytes 0x80–0xFF. Bytes below
// 0x80 are ASCII in every code page this package knows.
type Charset struct {
	Name string
	high [128]rune // 0 where the byte prints nothing known
	enc  map[rune]byte
}

// Rune returns the character byte b prints, or U+FFFD when the table has
// none.
func (c *Charset) Rune(b byte) rune {
	if b < 0x80 {
		return rune(b)
	}
	if r := c.high[b-0x80]; r != 0 {
		return r
	}
	return '\uFFFD'
}

// Byte returns the byte that prints r, if the code page has one.
func (c *Charset) Byte(r rune) (byte, bool) {
	if r < 0x80 {
		return byte(r), true
	}
	b, ok := c.enc[r]
	return b, ok
}

func newCharset(name string, high [128]rune) *Charset {
	c := &Charset{Name: name, high: high, enc: make(map[rune]byte, 128)}
	for i, r := range high {
		if r != 0 && r != '\uFFFD' {
			if _, dup := c.enc[r]; !dup {
				c.enc[r] = byte(0x80 + i)
			}
		}
	}
	return c
}

// tcvn3Lower lists TCVN-3's lowercase letters from byte 0xA8 on; '·' marks a
// byte with no Vietnamese letter. glibc's "iconv -t TCVN" agrees for
// lowercase.
const tcvn3Lower = "ăâêôơưđ······àảãáạ·ằẳẵắ·······ặầẩẫấậè·ẻẽéẹềểễếệìỉ···ĩíịò·ỏõóọồổỗốộờởỡớợù·ủũúụừửữứựỳỷỹýỵ"

func tcvn3Tables() (lower, upper [128]rune) {
	b := 0xA8
	for _, r := range tcvn3Lower {
		if r != '·' {
			lower[b-0x80] = r
			upper[b-0x80] = unicode.ToUpper(r)
		}
		b++
	}
	// On the capitals page Ă, Â and Đ sit at A1, A2 and A7 (the plain
	// capitals of TCVN-3); Ê Ô Ơ Ư share the bytes of ê ô ơ ư.
	upper[0xA8-0x80], upper[0xA9-0x80], upper[0xAE-0x80] = 0, 0, 0
	upper[0xA1-0x80], upper[0xA2-0x80], upper[0xA7-0x80] = 'Ă', 'Â', 'Đ'
	return lower, upper
}

func fromCharmap(cm *charmap.Charmap) (high [128]rune) {
	for i := range high {
		r := cm.DecodeByte(byte(0x80 + i))
		if r != '\uFFFD' {
			high[i] = r
		}
	}
	return high
}

// The code pages.
var (
	// TCVN3Lower is the TCVN-3 lowercase page (ESC t 30 on Epson and Citizen).
	TCVN3Lower *Charset
	// TCVN3Upper is the TCVN-3 capitals page (ESC t 31 on Epson and Citizen).
	TCVN3Upper *Charset
	// CP1258 is Windows-1258.
	CP1258 *Charset
	// CP437 is the printers' default page, ESC t 0.
	CP437 *Charset
)

func init() {
	lo, up := tcvn3Tables()
	TCVN3Lower = newCharset("TCVN-3 lowercase", lo)
	TCVN3Upper = newCharset("TCVN-3 capitals", up)
	CP1258 = newCharset("CP1258", fromCharmap(charmap.Windows1258))
	CP437 = newCharset("CP437", fromCharmap(charmap.CodePage437))
}

// Family gives the ESC t numbers of a printer family's Vietnamese pages; a
// negative number means the family has no such page.
type Family struct {
	Name                   string
	TCVN3Lower, TCVN3Upper int
	CP1258                 int
}

// Families: the sources of each number, and which are unverified, are in
// docs/PRINTER.md. Every number can be overridden in config.
var Families = map[string]Family{
	"epson":   {"epson", 30, 31, 52},
	"citizen": {"citizen", 30, 31, 32},
	"bixolon": {"bixolon", 30, 31, -1},
	"generic": {"generic", -1, -1, 27},
	"rongta":  {"rongta", -1, -1, 35},
}

// Pages returns the charsets of family f by ESC t number, with CP437 at 0.
// A hall's overrides are not in it: see PagesOf.
func (f Family) Pages() map[int]*Charset {
	m := map[int]*Charset{0: CP437}
	if f.TCVN3Lower >= 0 {
		m[f.TCVN3Lower] = TCVN3Lower
	}
	if f.TCVN3Upper >= 0 {
		m[f.TCVN3Upper] = TCVN3Upper
	}
	if f.CP1258 >= 0 {
		m[f.CP1258] = CP1258
	}
	return m
}

// UnencodableError reports a character a code page cannot print.
type UnencodableError struct {
	Encoding string
	Rune     rune
}

func (e *UnencodableError) Error() string {
	return fmt.Sprintf("codepage: %s cannot encode %q (U+%04X)", e.Encoding, e.Rune, e.Rune)
}
