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

// CP1258Encoding encodes with Windows-1258 on ESC t Page: letters are
// decomposed, base letters recomposed where CP1258 has them (ơ, ư, â…), and
// the five tone marks sent as combining bytes after their letter.
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
		if sp, ok := cp1258Split[r]; ok {
			dst = append(dst, sp[0], sp[1])
		} else if b, ok := CP1258.Byte(r); ok {
			dst = append(dst, b)
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

// Decode turns printer bytes on the given charset into NFC text: CP1258's
// combining tone bytes join the letter before them.
func Decode(cs *Charset, b []byte) string {
	rs := make([]rune, 0, len(b))
	for _, c := range b {
		rs = append(rs, cs.Rune(c))
	}
	return norm.NFC.String(string(rs))
}
