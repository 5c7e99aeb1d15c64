package announce

import (
	"strings"
	"unicode"
)

var viDigits = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

var enDigits = [10]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// VietnameseNumber reads n (0 ≤ n < 1,000,000,000) as Vietnamese words, as
// a civil servant says it: 1025 → "một nghìn không trăm hai mươi lăm",
// 105 → "một trăm linh năm", 21 → "hai mươi mốt", 15 → "mười lăm".
func VietnameseNumber(n int) string {
	if n <= 0 {
		return viDigits[0]
	}
	var parts []string
	groups := []struct {
		div  int
		name string
	}{{1_000_000, "triệu"}, {1000, "nghìn"}, {1, ""}}
	started := false
	for _, g := range groups {
		v := n / g.div % 1000
		if g.div == 1_000_000 {
			v = n / g.div
		}
		if v == 0 {
			continue
		}
		parts = append(parts, viHundreds(v, started)...)
		if g.name != "" {
			parts = append(parts, g.name)
		}
		started = true
	}
	return strings.Join(parts, " ")
}

// viHundreds reads 1–999; full says a higher group came before, so the
// hundreds are read even when zero ("một nghìn không trăm linh năm").
func viHundreds(v int, full bool) []string {
	h, t, u := v/100, v/10%10, v%10
	var w []string
	if h > 0 || full {
		w = append(w, viDigits[h], "trăm")
	}
	switch {
	case t == 0 && u == 0:
	case t == 0:
		if len(w) > 0 {
			w = append(w, "linh")
		}
		w = append(w, viDigits[u])
	case t == 1:
		w = append(w, "mười")
		switch u {
		case 0:
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, viDigits[u])
		}
	default:
		w = append(w, viDigits[t], "mươi")
		switch u {
		case 0:
		case 1:
			w = append(w, "mốt")
		case 4:
			w = append(w, "tư")
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, viDigits[u])
		}
	}
	return w
}

var enSmall = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
var enTens = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// EnglishNumber reads n (0 ≤ n < 1,000,000) in English words: 1025 → "one
// thousand twenty five".
func EnglishNumber(n int) string {
	if n < 0 {
		n = 0
	}
	var w []string
	if n >= 1000 {
		w = append(w, EnglishNumber(n/1000), "thousand")
		n %= 1000
		if n == 0 {
			return strings.Join(w, " ")
		}
	}
	if n >= 100 {
		w = append(w, enSmall[n/100], "hundred")
		n %= 100
		if n == 0 {
			return strings.Join(w, " ")
		}
	}
	switch {
	case n < 20:
		w = append(w, enSmall[n])
	default:
		w = append(w, enTens[n/10])
		if n%10 != 0 {
			w = append(w, enSmall[n%10])
		}
	}
	return strings.Join(w, " ")
}

// Letter names, as read in a call ("A012" → "a mười hai").
var viLetters = map[rune]string{
	'A': "a", 'B': "bê", 'C': "xê", 'D': "dê", 'Đ': "đê", 'E': "e", 'F': "ép", 'G': "giê", 'H': "hát",
	'I': "i", 'J': "gi", 'K': "ca", 'L': "lờ", 'M': "mờ", 'N': "nờ", 'O': "o", 'P': "pê", 'Q': "quy",
	'R': "rờ", 'S': "ét", 'T': "tê", 'U': "u", 'V': "vê", 'W': "vê kép", 'X': "ích", 'Y': "i dài", 'Z': "dét",
}

var enLetters = map[rune]string{
	'A': "ay", 'B': "bee", 'C': "see", 'D': "dee", 'E': "ee", 'F': "eff", 'G': "gee", 'H': "aitch",
	'I': "eye", 'J': "jay", 'K': "kay", 'L': "ell", 'M': "em", 'N': "en", 'O': "oh", 'P': "pee", 'Q': "cue",
	'R': "ar", 'S': "ess", 'T': "tee", 'U': "you", 'V': "vee", 'W': "double you", 'X': "ex", 'Y': "why", 'Z': "zed",
}

// LabelWords reads a ticket label in lang ("vi" or "en"): its letters by
// name, then its number as a whole or, with digits, digit by digit
// (leading zeros included, as printed). "A012" → "a mười hai" or "a không
// một hai"; "1025" → "một nghìn không trăm hai mươi lăm" or "một không hai năm".
func LabelWords(lang, label string, digits bool) []string {
	var w []string
	var num []rune
	for _, r := range strings.ToUpper(label) {
		switch {
		case r >= '0' && r <= '9':
			num = append(num, r)
		case unicode.IsLetter(r):
			w = append(w, strings.Fields(letterName(lang, r))...)
		}
	}
	if len(num) == 0 {
		return w
	}
	if digits {
		for _, r := range num {
			if lang == "en" {
				w = append(w, enDigits[r-'0'])
			} else {
				w = append(w, viDigits[r-'0'])
			}
		}
		return w
	}
	n := 0
	for _, r := range num {
		n = n*10 + int(r-'0')
		if n > 999_999 {
			break
		}
	}
	return append(w, strings.Fields(NumberWords(lang, n))...)
}

// NumberWords reads n in lang.
func NumberWords(lang string, n int) string {
	if lang == "en" {
		return EnglishNumber(n)
	}
	return VietnameseNumber(n)
}

func letterName(lang string, r rune) string {
	m := viLetters
	if lang == "en" {
		m = enLetters
	}
	if s, ok := m[r]; ok {
		return s
	}
	return strings.ToLower(string(r))
}
