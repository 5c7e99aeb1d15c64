package hallq

import (
	"strings"
	"testing"
	"unicode"
)

// TestInputRules: every text a hall takes in is checked against its rule,
// and the error names the field.
func TestInputRules(t *testing.T) {
	good := func() Service {
		return Service{Code: "HT", NameVI: "Hộ tịch – khai sinh", NameEN: "Civil status", Prefix: "A", TargetWaitMin: 15}
	}
	for _, c := range []struct {
		name  string
		edit  func(*Service)
		field string // in the message; "" for accepted
	}{
		{"Vietnamese names", func(s *Service) { s.NameVI = "Đăng ký kết hôn, nhận cha mẹ con" }, ""},
		{"range service", func(s *Service) { s.Prefix, s.RangeFrom, s.RangeTo = "", 1001, 1999 }, ""},
		{"NUL in a name", func(s *Service) { s.NameVI = "Hộ\x00tịch" }, "name"},
		{"escape in a name", func(s *Service) { s.NameVI = "\x1b[2JHộ tịch" }, "name"},
		{"line break in a name", func(s *Service) { s.NameVI = "Hộ\ntịch" }, "name"},
		{"C1 control", func(s *Service) { s.NameEN = "Civil\u0085status" }, "name_en"},
		{"bidi override", func(s *Service) { s.NameVI = "Số \u202e5001" }, "name"},
		{"bidi isolate", func(s *Service) { s.NameEN = "\u2066x\u2069" }, "name_en"},
		{"invalid UTF-8", func(s *Service) { s.NameVI = "H\xffộ" }, "name"},
		{"blank name", func(s *Service) { s.NameVI = "   " }, "name"},
		{"long name", func(s *Service) { s.NameVI = strings.Repeat("ộ", MaxNameLen+1) }, "name"},
		{"markup as code", func(s *Service) { s.Code = "<b>\n" }, "code"},
		{"lower-case code", func(s *Service) { s.Code = "ht" }, "code"},
		{"long code", func(s *Service) { s.Code = "ABCDE" }, "code"},
		{"digit first", func(s *Service) { s.Code = "1A" }, "code"},
		{"3,000-character prefix", func(s *Service) { s.Prefix = strings.Repeat("A", 3000) }, "prefix"},
		{"prefix with a dash", func(s *Service) { s.Prefix = "A-" }, "prefix"},
		{"huge range", func(s *Service) { s.Prefix, s.RangeFrom, s.RangeTo = "", 1, 1<<40 }, "range_to"},
	} {
		s := good()
		c.edit(&s)
		wantField(t, c.name, s.Validate(), c.field)
	}

	for _, c := range []struct {
		name  string
		edit  func(*Settings)
		field string
	}{
		{"defaults", func(*Settings) {}, ""},
		{"notice with line breaks", func(s *Settings) { s.Notice = "Quầy 4 nghỉ.\nCounter 4 is closed." }, ""},
		{"NUL in the hall name", func(s *Settings) { s.Name = "UBND\x00" }, "name"},
		{"bidi in the notice", func(s *Settings) { s.Notice = "\u202dabc" }, "notice"},
		{"long notice", func(s *Settings) { s.Notice = strings.Repeat("x", MaxNoticeLen+1) }, "notice"},
		{"priority kind with a space", func(s *Settings) { s.PriorityKinds = []string{"elderly", "a b"} }, "priority_kinds[1]"},
		{"rating level name", func(s *Settings) { s.RatingScale[1].NameVI = "\x07" }, "rating_scale[1].name"},
		{"voice that is a flag", func(s *Settings) { s.AnnounceVoice = "--path=/tmp" }, "announce_voice"},
	} {
		s := DefaultSettings()
		c.edit(&s)
		wantField(t, c.name, s.Validate(), c.field)
	}

	for _, name := range []string{"canbo1", "kiosk-entrance", "pad.3", "A_b"} {
		if err := CheckIdentifier("username", name); err != nil {
			t.Errorf("identifier %q refused: %v", name, err)
		}
	}
	for _, name := range []string{"", "-x", "a b", "a/b", "nguyễn", "x\x00", strings.Repeat("a", 65)} {
		if err := CheckIdentifier("username", name); err == nil {
			t.Errorf("identifier %q accepted", name)
		}
	}
}

// wantField checks a validation's outcome: accepted when field is "",
// else EINVALID naming field.
func wantField(t *testing.T, name string, err error, field string) {
	t.Helper()
	switch {
	case field == "" && err != nil:
		t.Errorf("%s: refused: %v", name, err)
	case field != "" && err == nil:
		t.Errorf("%s: accepted", name)
	case field != "" && (ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), field)):
		t.Errorf("%s: got %v, want EINVALID naming %q", name, err, field)
	}
}

// TestStoredStillLoads: a hall set up before the text rules still loads
// (ValidateStored), while a change must meet them (Validate).
func TestStoredStillLoads(t *testing.T) {
	s := Service{Code: "ht", NameVI: "Hộ tịch", Prefix: "AAAA"}
	if err := s.ValidateStored(); err != nil {
		t.Errorf("a stored service with an old-style code no longer loads: %v", err)
	}
	if err := s.Validate(); err == nil {
		t.Errorf("Validate accepts code %q", s.Code)
	}
}

// FuzzInputRules: the rules never panic, and a text they accept holds no
// control or text-direction character and fits its length.
//
// Inputs are short: the fuzzer minimizes every input that finds new code
// in time quadratic in its length (and counts none of it as executions),
// so mutations of a 3,000-character seed kept 10 s runs at 0 execs/s (and
// a 320-byte input still took 8 s to minimize on a busy machine). The
// rules look at one character at a time, so a little over a name's limit
// reaches every branch; the notice's byte limit has its own case in
// TestInputRules.
func FuzzInputRules(f *testing.F) {
	const maxFuzzText = MaxNameLen + 16
	for _, s := range []string{"Hộ tịch", "A\x00", "\u202e1005", "<b>\n", "HT", "A", "ht", strings.Repeat("A", MaxNameLen+1), "\xff", "a\r\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzText {
			return
		}
		if CheckName("name", s, MaxNameLen) == nil {
			n := 0
			for _, r := range s {
				n++
				if unicode.IsControl(r) || isBidiControl(r) {
					t.Fatalf("CheckName accepted %q with U+%04X", s, r)
				}
			}
			if n > MaxNameLen || strings.TrimSpace(s) == "" {
				t.Fatalf("CheckName accepted %q (%d characters)", s, n)
			}
		}
		if CheckServiceCode("code", s) == nil && (len(s) > 4 || strings.ToUpper(s) != s) {
			t.Fatalf("CheckServiceCode accepted %q", s)
		}
		if CheckPrefix("prefix", s) == nil && len(s) > 3 {
			t.Fatalf("CheckPrefix accepted %q", s)
		}
		if CheckIdentifier("username", s) == nil && strings.ContainsAny(s, " /\x00\n") {
			t.Fatalf("CheckIdentifier accepted %q", s)
		}
		CheckNotice(s)
	})
}
