package codepage

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Encoding turns Unicode text into bytes for a printer's Vietnamese code
// page, selecting pages with ESC t as it goes.
type Encoding interface {
	// Append appends s (normalised to NFC first) to dst. page is the ESC t
	// number in force, or -1 when unknown; Append returns the extended
	// slice and the page in force afterwards. A character the code page
	// cannot print is an *UnencodableError, and dst is returned unchanged.
	Append(dst []byte, s string, page int) ([]byte, int, error)
	// Check returns an *UnencodableError for the first character of s that
	// the encoding cannot print.
	Check(s string) error
	// Cells is how many character cells s takes on the printer: one per
	// byte of text sent (a CP1258 tone mark is a byte of its own), page
	// switches not counted. Unencodable characters count as one.
	Cells(s string) int
}

// PagesOf returns the charsets enc selects, by its ESC t numbers, with
// CP437 at 0 (the page after ESC @): what a decoder needs to read back
// what enc wrote, whatever numbers a hall configured.
func PagesOf(enc Encoding) map[int]*Charset {
	m := map[int]*Charset{0: CP437}
	switch e := enc.(type) {
	case TCVN3:
		m[int(e.Lower)], m[int(e.Upper)] = TCVN3Lower, TCVN3Upper
	case CP1258Encoding:
		m[int(e.Page)] = CP1258
	}
	return m
}

// substitutes stand in for punctuation that a page lacks.
var substitutes = map[rune]string{
	'–': "-", '—': "-", '‘': "'", '’': "'", '“': `"`, '”': `"`, '…': "...", '\u00A0': " ", '·': ".",
}

// TCVN3 encodes with the TCVN-3 pair: Lower and Upper are their ESC t
// numbers (30 and 31 on Epson and Citizen).
type TCVN3 struct {
	Lower, Upper byte
}

// Append implements Encoding: the page switches inside a line whenever a
// toned or Vietnamese-only letter needs the other case's page.
func (t TCVN3) Append(dst []byte, s string, page int) ([]byte, int, error) {
	start, startPage := len(dst), page
	s = norm.NFC.String(s)
	for _, r := range s {
		var err error
		if dst, page, err = t.appendRune(dst, r, page); err != nil {
			if sub, ok := substitutes[r]; ok {
				dst = append(dst, sub...)
				continue
			}
			return dst[:start], startPage, err
		}
	}
	return dst, page, nil
}

func (t TCVN3) appendRune(dst []byte, r rune, page int) ([]byte, int, error) {
	if r < 0x80 {
		return append(dst, byte(r)), page, nil
	}
	want, cs := int(t.Lower), TCVN3Lower
	b, ok := cs.Byte(r)
	if !ok {
		want, cs = int(t.Upper), TCVN3Upper
		if b, ok = cs.Byte(r); !ok {
			return dst, page, &UnencodableError{Encoding: "TCVN-3", Rune: r}
		}
	}
	if page != want {
		dst = append(dst, 0x1B, 't', byte(want))
		page = want
	}
	return append(dst, b), page, nil
}

// Check implements Encoding.
func (t TCVN3) Check(s string) error {
	_, _, err := t.Append(nil, s, -1)
	return err
}

// Cells implements Encoding: one byte per letter.
func (t TCVN3) Cells(s string) int {
	n := 0
	for _, r := range norm.NFC.String(s) {
		n += cellsOf(r)
	}
	return n
}

// cellsOf is the cells of a character sent as itself or its substitute.
func cellsOf(r rune) int {
	if sub, ok := substitutes[r]; ok && r >= utf8.RuneSelf {
		return len(sub)
	}
	return 1
}

// CP1258Encoding encodes with Windows-1258 on ESC t Page: a letter the code
// page has (à á è é í ó ù ú, their capitals, ă â ê ô ơ ư đ) is sent as its
// byte; any other toned letter as its base letter followed by the tone mark
// as a combining byte.
type CP1258Encoding struct {
	Page byte
}

// toneBytes are CP1258's combining tone marks.
var toneBytes = map[rune]byte{
	0x0300: 0xCC, // grave (huyền)
	0x0301: 0xEC, // acute (sắc)
	0x0303: 0xDE, // tilde (ngã)
	0x0309: 0xD2, // hook above (hỏi)
	0x0323: 0xF2, // dot below (nặng)
}

// cp1258Split maps each toned Latin letter to its base letter's byte and tone
// byte.
var cp1258Split = map[rune][2]byte{}

func init() {
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			var base []rune
			var tone byte
			for _, d := range norm.NFD.String(string(r)) {
				if tb, ok := toneBytes[d]; ok && tone == 0 {
					tone = tb
					continue
				}
				base = append(base, d)
			}
			if tone == 0 {
				continue
			}
			b, _ := utf8.DecodeRuneInString(norm.NFC.String(string(base)))
			if bb, ok := CP1258.Byte(b); ok {
				cp1258Split[r] = [2]byte{bb, tone}
			}
		}
	}
	add('A', 'z')
	add(0xC0, 0x1B0)
	add(0x1EA0, 0x1EF9)
}

// Append implements Encoding.
func (c CP1258Encoding) Append(dst []byte, s string, page int) ([]byte, int, error) {
	start, startPage := len(dst), page
	s = norm.NFC.String(s)
	for _, r := range s {
		if r < 0x80 {
			dst = append(dst, byte(r))
			continue
		}
		if page != int(c.Page) {
			dst = append(dst, 0x1B, 't', c.Page)
			page = int(c.Page)
		}
		if b, ok := CP1258.Byte(r); ok {
			dst = append(dst, b)
		} else if sp, ok := cp1258Split[r]; ok {
			dst = append(dst, sp[0], sp[1])
		} else if sub, ok := substitutes[r]; ok {
			dst = append(dst, sub...)
		} else {
			return dst[:start], startPage, &UnencodableError{Encoding: "CP1258", Rune: r}
		}
	}
	return dst, page, nil
}

// Check implements Encoding.
func (c CP1258Encoding) Check(s string) error {
	_, _, err := c.Append(nil, s, -1)
	return err
}

// Cells implements Encoding: a letter sent with a combining tone is two.
func (c CP1258Encoding) Cells(s string) int {
	n := 0
	for _, r := range norm.NFC.String(s) {
		if _, ok := CP1258.Byte(r); !ok {
			if _, ok := cp1258Split[r]; ok {
				n += 2
				continue
			}
		}
		n += cellsOf(r)
	}
	return n
}

// Decode turns printer bytes on the given charset into NFC text: CP1258's
// combining tone bytes join the letter before them.
func Decode(cs *Charset, b []byte) string {
	rs := make([]rune, 0, len(b))
	for _, c := range b {
		rs = append(rs, cs.Rune(c))
	}
	return norm.NFC.String(string(rs))
}
