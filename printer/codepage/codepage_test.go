package codepage

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func hx(b []byte) string { return fmt.Sprintf("% X", b) }

var (
	epsonTCVN = TCVN3{Lower: 30, Upper: 31}
	epson1258 = CP1258Encoding{Page: 52}
)

// TestWorkedExamples checks the byte examples in docs/PRINTER.md.
func TestWorkedExamples(t *testing.T) {
	tests := []struct {
		name string
		enc  Encoding
		page int
		in   string
		want string
	}{
		{"TCVN-3 Phường", epsonTCVN, 30, "Phường", "50 68 AD EA 6E 67"},
		{"CP1258 Phường", epson1258, 52, "Phường", "50 68 FD F5 CC 6E 67"},
		{"CP1258 Số", epson1258, 52, "Số", "53 F4 EC"},
		{"CP1258 Quầy", epson1258, 52, "Quầy", "51 75 E2 CC 79"},
		{"TCVN-3 capital Đ", epsonTCVN, 31, "Đ", "A7"},
		{"TCVN-3 capital Ư", epsonTCVN, 31, "Ư", "AD"},
		{"TCVN-3 selects the page", epsonTCVN, -1, "ư", "1B 74 1E AD"},
		{"TCVN-3 switches inside a line", epsonTCVN, 30, "Đất đai", "1B 74 1F A7 1B 74 1E CA 74 20 AE 61 69"},
		{"TCVN-3 ASCII keeps the page", epsonTCVN, 31, "A 1", "41 20 31"},
		{"CP1258 selects the page", epson1258, 0, "đ", "1B 74 34 F0"},
		{"CP1258 capital Đ", epson1258, 52, "Đ", "D0"},
		{"CP1258 decomposed input", epson1258, 52, norm.NFD.String("Ở"), "D5 D2"},
		{"TCVN-3 en dash substitute", epsonTCVN, 30, "a – b", "61 20 2D 20 62"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := tt.enc.Append(nil, tt.in, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if hx(got) != tt.want {
				t.Errorf("got %s, want %s", hx(got), tt.want)
			}
		})
	}
}

// vietnameseLetters is every Vietnamese vowel and Đ in both cases, plain and
// with each of the five tones.
func vietnameseLetters() []string {
	bases := []string{"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"}
	tones := []string{"", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
	var out []string
	for _, b := range bases {
		for _, tone := range tones {
			s := norm.NFC.String(b + tone)
			out = append(out, s, strings.ToUpper(s))
		}
	}
	return append(out, "đ", "Đ")
}

// decodePages plays bytes through an Epson-like printer: ESC t switches the
// page, other bytes print from the current one.
func decodePages(t *testing.T, pages map[int]*Charset, page int, b []byte) string {
	t.Helper()
	var out []byte
	var sb strings.Builder
	flush := func() {
		sb.WriteString(Decode(pages[page], out))
		out = out[:0]
	}
	for i := 0; i < len(b); i++ {
		if b[i] == 0x1B && i+2 < len(b) && b[i+1] == 't' {
			flush()
			page = int(b[i+2])
			i += 2
			continue
		}
		out = append(out, b[i])
	}
	flush()
	return norm.NFC.String(sb.String())
}

func TestRoundTripEveryLetter(t *testing.T) {
	pages := Families["epson"].Pages()
	for _, enc := range []Encoding{epsonTCVN, epson1258} {
		for _, l := range vietnameseLetters() {
			b, _, err := enc.Append(nil, l, 0)
			if err != nil {
				t.Errorf("%T %q: %v", enc, l, err)
				continue
			}
			if got := decodePages(t, pages, 0, b); got != l {
				t.Errorf("%T %q: bytes % X print %q", enc, l, b, got)
			}
		}
	}
}

// TestCapitalDIsNotEth guards against the Icelandic Ð (U+00D0) tables.
func TestCapitalDIsNotEth(t *testing.T) {
	if r := TCVN3Upper.Rune(0xA7); r != 'Đ' {
		t.Errorf("TCVN-3 capitals A7: got %U, want U+0110", r)
	}
	if r := CP1258.Rune(0xD0); r != 'Đ' {
		t.Errorf("CP1258 D0: got %U, want U+0110", r)
	}
	if _, ok := TCVN3Upper.Byte('Ð'); ok {
		t.Error("TCVN-3 capitals encodes Icelandic Ð")
	}
}

func TestSentence(t *testing.T) {
	const s = "ĐĂNG KÝ KINH DOANH – Số thứ tự của bạn: Ưu tiên Người cao tuổi, Ở ĐÂY, Ợ Ỡ Ữ Ẵ Ẫ"
	pages := Families["epson"].Pages()
	for _, enc := range []Encoding{epsonTCVN, epson1258} {
		b, _, err := enc.Append(nil, s, -1)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(s, "–", "-")
		if enc == Encoding(epson1258) {
			want = s // CP1258 has the en dash
		}
		if got := decodePages(t, pages, 0, b); got != want {
			t.Errorf("%T: got %q, want %q", enc, got, want)
		}
	}
}

func TestUnencodable(t *testing.T) {
	for _, enc := range []Encoding{epsonTCVN, epson1258} {
		dst := []byte("keep")
		got, page, err := enc.Append(dst, "ăn 日", 7)
		var ue *UnencodableError
		if !errors.As(err, &ue) || ue.Rune != '日' {
			t.Errorf("%T: got %v, want UnencodableError for 日", enc, err)
		}
		if string(got) != "keep" || page != 7 {
			t.Errorf("%T: got %q page %d after error, want unchanged", enc, got, page)
		}
		if !strings.HasPrefix(err.Error(), "codepage: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

// TestCP1258Precomposed: letters CP1258 has as one byte are sent as that
// byte, not as a base letter and a combining tone.
func TestCP1258Precomposed(t *testing.T) {
	for in, want := range map[string]string{
		"à": "E0", "á": "E1", "è": "E8", "é": "E9", "í": "ED", "ó": "F3", "ù": "F9", "ú": "FA",
		"À": "C0", "Á": "C1", "È": "C8", "É": "C9", "Í": "CD", "Ó": "D3", "Ù": "D9", "Ú": "DA",
		// No precomposed ì, ò, ả…: base and tone.
		"ì": "69 CC", "ò": "6F CC", "ả": "61 D2", "ý": "79 EC",
	} {
		got, _, err := epson1258.Append(nil, in, 52)
		if err != nil {
			t.Fatal(err)
		}
		if hx(got) != want {
			t.Errorf("%q: got %s, want %s", in, hx(got), want)
		}
	}
}

// TestCells counts what the printer gets per character: CP1258's tone
// marks are bytes of their own, so they count; a page switch does not.
func TestCells(t *testing.T) {
	for _, tt := range []struct {
		enc  Encoding
		in   string
		want int
	}{
		{epson1258, "Số", 3},
		{epson1258, "Phường", 7},
		{epson1258, "á", 1},
		{epson1258, "…", 3},
		{epsonTCVN, "Phường", 6},
		{epsonTCVN, "Đất đai", 7},
		{epsonTCVN, "…", 3},
	} {
		if got := tt.enc.Cells(tt.in); got != tt.want {
			t.Errorf("%T %q: %d cells, want %d", tt.enc, tt.in, got, tt.want)
		}
	}
}

// TestPagesOf: the pages an encoding selects, by its own numbers (a hall's
// override included), for the decoder.
func TestPagesOf(t *testing.T) {
	p := PagesOf(TCVN3{Lower: 40, Upper: 41})
	if p[40] != TCVN3Lower || p[41] != TCVN3Upper || p[0] != CP437 {
		t.Errorf("TCVN3{40,41}: got %v", p)
	}
	if p := PagesOf(CP1258Encoding{Page: 77}); p[77] != CP1258 {
		t.Errorf("CP1258{77}: got %v", p)
	}
}

// TestBixolonNumbers: Bixolon's SRP tables put TCVN-3 at 30/31 (41, 49 and
// 50 are Farsi, Hebrew and Arabic there) and list no CP1258.
func TestBixolonNumbers(t *testing.T) {
	f := Families["bixolon"]
	if f.TCVN3Lower != 30 || f.TCVN3Upper != 31 || f.CP1258 >= 0 {
		t.Errorf("bixolon: got %+v, want TCVN-3 30/31 and no CP1258", f)
	}
}
