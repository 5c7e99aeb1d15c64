package announce

import (
	"fmt"
	"strings"
)

// Placeholders in a call template.
const (
	PlaceNumber  = "{number}"
	PlaceCounter = "{counter}"
)

// Call is one call to announce: a ticket label at a counter.
type Call struct {
	Label   string
	Counter int
}

// Phrase is what is said in one language, as pieces: each literal segment
// of the template is one piece ("xin mời công dân có số thứ tự"), each word
// of the number and the counter another. A speech engine says the joined
// text; recorded clips are looked up piece by piece.
type Phrase struct {
	Lang   string
	Pieces []string
}

// Text is the phrase as one sentence.
func (p Phrase) Text() string { return strings.Join(p.Pieces, " ") }

// CheckTemplate reports a template that lacks a placeholder.
func CheckTemplate(tmpl string) error {
	if !strings.Contains(tmpl, PlaceNumber) || !strings.Contains(tmpl, PlaceCounter) {
		return fmt.Errorf("announce: the call phrase %q needs both %s and %s", tmpl, PlaceNumber, PlaceCounter)
	}
	return nil
}

// Build fills a call template ("Xin mời công dân có số thứ tự {number} đến
// quầy số {counter}") in lang with c's number, read as a whole or digit by
// digit, and its counter.
func Build(lang, tmpl string, c Call, digits bool) (Phrase, error) {
	if err := CheckTemplate(tmpl); err != nil {
		return Phrase{}, err
	}
	p := Phrase{Lang: lang}
	rest := tmpl
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			p.addText(rest)
			break
		}
		p.addText(rest[:i])
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, PlaceNumber):
			p.Pieces = append(p.Pieces, LabelWords(lang, c.Label, digits)...)
			rest = rest[len(PlaceNumber):]
		case strings.HasPrefix(rest, PlaceCounter):
			p.Pieces = append(p.Pieces, strings.Fields(NumberWords(lang, c.Counter))...)
			rest = rest[len(PlaceCounter):]
		default:
			p.addText("{")
			rest = rest[1:]
		}
	}
	return p, nil
}

// addText adds a literal segment, lowercased and without punctuation so
// that it names its clip the same way however the template is written.
func (p *Phrase) addText(s string) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ',', '.', ';', ':', '!', '?', '"', '“', '”':
			return ' '
		}
		return r
	}, strings.ToLower(s))
	if s = strings.Join(strings.Fields(s), " "); s != "" {
		p.Pieces = append(p.Pieces, s)
	}
}
