package hallq

import (
	"fmt"
	"regexp"
	"unicode"
	"unicode/utf8"
)

// The rules every text field the hall takes in must meet (docs/API.md,
// "Input rules"). Names and labels end up on kiosk buttons, printed
// tickets, display screens, spoken calls, reports opened in a spreadsheet
// and the event log: a control character, a bidi override that turns
// "1005" into "5001" on a screen, or a 3,000-character prefix breaks one
// of them, so they are refused where they come in, naming the field.
const (
	MaxNameLen   = 80    // a service, counter or rating level name, in characters
	MaxHallName  = 120   // the hall's name
	MaxNoticeLen = 2000  // the hall's notice, in bytes (it may hold line breaks)
	MaxReasonLen = 200   // a cancel reason
	MaxNumber    = 99999 // the highest ticket number a service's range may reach
)

var (
	serviceCodeRule = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,3}$`)
	prefixRule      = regexp.MustCompile(`^[A-Z]{1,3}$`)
	identifierRule  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	kindRule        = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

// fieldError is the EINVALID error for field, with Reason "field" so that
// clients can tell a bad field from other refusals.
func fieldError(field, format string, args ...any) error {
	return &Error{Code: EINVALID, Reason: "field", Field: field, Message: fmt.Sprintf("%s: ", field) + fmt.Sprintf(format, args...)}
}

// isBidiControl reports whether r changes the direction of text around it:
// the embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
// the marks (U+200E, U+200F, U+061C). No hall name needs them, and they let
// a name show other text than it holds.
func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200E || r == 0x200F || r == 0x061C:
		return true
	}
	return false
}

// CheckText checks free text of at most maxLen characters: valid UTF-8,
// no control character (line breaks only where multiline), no bidi
// control, no non-character. field names it in the error ("name",
// "services[2].name_en"). An empty text passes; see CheckName.
func CheckText(field, s string, maxLen int, multiline bool) error {
	if !utf8.ValidString(s) {
		return fieldError(field, "is not valid UTF-8")
	}
	n := 0
	for i, r := range s {
		n++
		switch {
		case multiline && (r == '\n' || r == '\r'):
		case unicode.IsControl(r):
			return fieldError(field, "has a control character (U+%04X) at byte %d", r, i)
		case isBidiControl(r):
			return fieldError(field, "has a text-direction control (U+%04X) at byte %d", r, i)
		case r == utf8.RuneError || (r >= 0xFDD0 && r <= 0xFDEF) || r&0xFFFE == 0xFFFE:
			return fieldError(field, "has a replacement or non-character (U+%04X) at byte %d", r, i)
		}
	}
	if n > maxLen {
		return fieldError(field, "is %d characters long; at most %d", n, maxLen)
	}
	return nil
}

// CheckName checks a required one-line name: CheckText, and not empty or
// blank.
func CheckName(field, s string, maxLen int) error {
	if err := CheckText(field, s, maxLen, false); err != nil {
		return err
	}
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return nil
		}
	}
	return fieldError(field, "is empty")
}

// CheckServiceCode checks a service code: a capital letter, then up to
// three capital letters or digits ("A", "HT", "B2").
func CheckServiceCode(field, code string) error {
	if !serviceCodeRule.MatchString(code) {
		return fieldError(field, "service code %q: want a capital letter A–Z then at most 3 capital letters or digits (A, HT, B2)", code)
	}
	return nil
}

// CheckPrefix checks a label prefix: 1 to 3 capital letters A–Z, so that
// a label (A001) fits the ticket, the screen and the spoken call.
func CheckPrefix(field, prefix string) error {
	if !prefixRule.MatchString(prefix) {
		return fieldError(field, "prefix %q: want 1 to 3 capital letters A–Z", prefix)
	}
	return nil
}

// CheckIdentifier checks a username or device name: 1 to 64 ASCII
// letters, digits, '.', '_' or '-', starting with a letter or digit. Such
// names go into logs, URLs (/api/v1/devices/NAME) and actor names.
func CheckIdentifier(field, name string) error {
	if !identifierRule.MatchString(name) {
		return fieldError(field, "%q: want 1 to 64 letters a–z, A–Z, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// CheckKind checks a priority kind: a lower-case word of at most 32
// letters, digits or '_' ("elderly", "young_child").
func CheckKind(field, kind string) error {
	if !kindRule.MatchString(kind) {
		return fieldError(field, "%q: want a lower-case word of a–z, digits and '_' (at most 32), like young_child", kind)
	}
	return nil
}
