package hallq

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Priority policies: how priority tickets mix with the rest.
const (
	PolicyStrict     = "strict"     // priority tickets always first
	PolicyInterleave = "interleave" // one priority ticket after every N others
	PolicyAging      = "aging"      // a normal ticket gains priority as it waits
)

// Settings are the hall-wide settings.
type Settings struct {
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	Language string `json:"language"` // "vi" or "en"
	// BaseURL is how citizens' phones reach the server: the start of every
	// status URL (and so of every ticket's QR code). "" (the default): the
	// scheme and host the kiosk used to reach the server.
	BaseURL string `json:"base_url"`

	PriorityPolicy string `json:"priority_policy"`
	InterleaveN    int    `json:"interleave_n"`  // for interleave
	AgingMinutes   int    `json:"aging_minutes"` // for aging: a normal ticket waiting this long ranks as priority
	// PriorityKinds are the accepted priority categories.
	PriorityKinds []string `json:"priority_kinds"`

	MaxRecalls int `json:"max_recalls"` // after this many recalls a call becomes a no-show; 0 = unlimited

	RatingScale     []RatingLevel `json:"rating_scale"`
	SatisfiedMin    int           `json:"satisfied_min"` // scores ≥ this count as satisfied
	RatingWindowMin int           `json:"rating_window_min"`

	// ClosingTime is the local time at which the day is closed ("17:00"); empty: at midnight only.
	ClosingTime string `json:"closing_time"`
	// Holidays are the public holidays the hall is closed on, as local
	// dates (YYYY-MM-DD), sorted. The forecast expects no one on them and
	// more citizens on the working days around them.
	Holidays []string `json:"holidays,omitempty"`
	// BookingRetentionDays is how many days after its slot a booking keeps
	// the citizen's name and phone; then they are erased (the counts stay).
	BookingRetentionDays int `json:"booking_retention_days"`

	PublicDisplay bool   `json:"public_display"`
	Notice        string `json:"notice"`

	TargetSatisfiedPct int `json:"target_satisfied_pct"` // default 80
	TargetOverWaitPct  int `json:"target_over_wait_pct"` // default 10

	// Announcements of calls on the displays (see docs/DISPLAYS.md).
	AnnounceEngine string `json:"announce_engine"` // AnnounceEspeak, AnnounceClips or AnnounceOff
	AnnounceVoice  string `json:"announce_voice"`  // espeak-ng voice: "vi", "vi-VN-x-central", "vi-VN-x-south"
	AnnounceClips  string `json:"announce_clips"`  // folder of recorded clips, for AnnounceClips
	// AnnouncePhrase is the Vietnamese call, with {number} and {counter};
	// "" is DefaultAnnouncePhrase (and likewise for English).
	AnnouncePhrase   string `json:"announce_phrase"`
	AnnouncePhraseEN string `json:"announce_phrase_en"`
	AnnounceEnglish  bool   `json:"announce_english"` // say the call again in English
	AnnounceDigits   bool   `json:"announce_digits"`  // read the number digit by digit, not as a whole
}

// Announcement engines.
const (
	AnnounceEspeak = "espeak" // Debian's espeak-ng, run by the hall server
	AnnounceClips  = "clips"  // a folder of clips the hall recorded
	AnnounceOff    = "off"
)

// Default call phrases (docs/GLOSSARY.md).
const (
	DefaultAnnouncePhrase   = "Xin mời công dân có số thứ tự {number} đến quầy số {counter}"
	DefaultAnnouncePhraseEN = "Number {number}, please go to counter {counter}"
)

// RatingLevel is one button of the rating scale.
type RatingLevel struct {
	Score  int    `json:"score"`
	NameVI string `json:"name"`
	NameEN string `json:"name_en"`
}

// DefaultSettings are the settings of a new Vietnamese hall.
func DefaultSettings() Settings {
	return Settings{
		Name:           "Bộ phận Một cửa",
		TimeZone:       "Asia/Ho_Chi_Minh",
		Language:       "vi",
		PriorityPolicy: PolicyStrict,
		InterleaveN:    3,
		AgingMinutes:   30,
		PriorityKinds:  []string{"elderly", "disabled", "pregnant", "young_child", "merit"},
		MaxRecalls:     3,
		RatingScale: []RatingLevel{
			{Score: 3, NameVI: "Rất hài lòng", NameEN: "Very satisfied"},
			{Score: 2, NameVI: "Hài lòng", NameEN: "Satisfied"},
			{Score: 1, NameVI: "Không hài lòng", NameEN: "Not satisfied"},
		},
		SatisfiedMin:         2,
		RatingWindowMin:      15,
		PublicDisplay:        true,
		TargetSatisfiedPct:   80,
		TargetOverWaitPct:    10,
		BookingRetentionDays: DefaultRetentionDays,
		AnnounceEngine:       AnnounceEspeak,
		AnnounceVoice:        "vi",
		AnnouncePhrase:       DefaultAnnouncePhrase,
		AnnouncePhraseEN:     DefaultAnnouncePhraseEN,
	}
}

// Location loads the hall's time zone.
func (s *Settings) Location() (*time.Location, error) {
	return time.LoadLocation(s.TimeZone)
}

// Validate checks settings, their texts included (the input rules in
// text.go).
func (s *Settings) Validate() error {
	if err := CheckName("name", s.Name, MaxHallName); err != nil {
		return err
	}
	if err := CheckNotice(s.Notice); err != nil {
		return err
	}
	if s.BookingRetentionDays < 1 || s.BookingRetentionDays > 3650 {
		return fieldError("booking_retention_days", "%d: want 1 to 3650 days", s.BookingRetentionDays)
	}
	for i, k := range s.PriorityKinds {
		if err := CheckKind(fmt.Sprintf("priority_kinds[%d]", i), k); err != nil {
			return err
		}
	}
	for i, l := range s.RatingScale {
		if err := CheckName(fmt.Sprintf("rating_scale[%d].name", i), l.NameVI, MaxNameLen); err != nil {
			return err
		}
		if err := CheckText(fmt.Sprintf("rating_scale[%d].name_en", i), l.NameEN, MaxNameLen, false); err != nil {
			return err
		}
	}
	for _, p := range []struct{ key, v string }{{"announce_phrase", s.AnnouncePhrase}, {"announce_phrase_en", s.AnnouncePhraseEN}, {"announce_clips", s.AnnounceClips}} {
		if err := CheckText(p.key, p.v, 200, false); err != nil {
			return err
		}
	}
	if s.AnnounceVoice != "" && !voiceRule.MatchString(s.AnnounceVoice) {
		return fieldError("announce_voice", "%q: want an espeak-ng voice name such as vi or vi-VN-x-south", s.AnnounceVoice)
	}
	return s.ValidateStored()
}

// voiceRule is an espeak-ng voice name (vi, vi-VN-x-central, en-us+f3).
var voiceRule = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+-]{0,39}$`)

// CheckNotice checks the hall's notice: free text of at most MaxNoticeLen
// bytes, line breaks allowed.
func CheckNotice(text string) error {
	if len(text) > MaxNoticeLen {
		return fieldError("notice", "is %d bytes long; at most %d", len(text), MaxNoticeLen)
	}
	return CheckText("notice", text, MaxNoticeLen, true)
}

// ValidateStored checks what settings read from a hall's database must be
// for the hall to run: Validate without the text rules, which came later,
// so that a hall set up before them still starts.
func (s *Settings) ValidateStored() error {
	if s.Name == "" {
		return Errorf(EINVALID, "hall name is empty")
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		return Errorf(EINVALID, "unknown time zone %q", s.TimeZone)
	}
	switch s.PriorityPolicy {
	case PolicyStrict:
	case PolicyInterleave:
		if s.InterleaveN < 1 {
			return Errorf(EINVALID, "interleave_n must be at least 1")
		}
	case PolicyAging:
		if s.AgingMinutes < 1 {
			return Errorf(EINVALID, "aging_minutes must be at least 1")
		}
	default:
		return Errorf(EINVALID, "unknown priority policy %q (want strict, interleave or aging)", s.PriorityPolicy)
	}
	if n := len(s.RatingScale); n < 2 || n > 5 {
		return Errorf(EINVALID, "rating scale needs 2 to 5 levels, has %d", n)
	}
	seen := map[int]bool{}
	for _, l := range s.RatingScale {
		if seen[l.Score] {
			return Errorf(EINVALID, "rating score %d appears twice", l.Score)
		}
		seen[l.Score] = true
	}
	if s.MaxRecalls < 0 {
		return Errorf(EINVALID, "max_recalls must not be negative")
	}
	if err := CheckBaseURL(s.BaseURL); err != nil {
		return err
	}
	if s.ClosingTime != "" {
		if _, err := ParseClock(s.ClosingTime); err != nil {
			return Errorf(EINVALID, "closing_time: %v", err)
		}
	}
	if err := ValidHolidays(s.Holidays); err != nil {
		return err
	}
	return s.validateAnnounce()
}

// CheckBaseURL accepts "" (no base URL) or an absolute http or https URL
// naming a host, with at most a path: what a phone can open with /t/… after
// it.
func CheckBaseURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Opaque != "":
		return &Error{Code: EINVALID, Reason: "base_url", Message: fmt.Sprintf("base_url %q: want an absolute URL such as http://10.20.0.2:8080, or nothing", raw)}
	case u.Scheme != "http" && u.Scheme != "https":
		return &Error{Code: EINVALID, Reason: "base_url", Message: fmt.Sprintf("base_url %q: want http:// or https://, not %s://", raw, u.Scheme)}
	case u.Host == "" || u.Hostname() == "":
		return &Error{Code: EINVALID, Reason: "base_url", Message: fmt.Sprintf("base_url %q names no host", raw)}
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return &Error{Code: EINVALID, Reason: "base_url", Message: fmt.Sprintf("base_url %q: no user, query or fragment, just scheme://host[:port][/path]", raw)}
	}
	return nil
}

// ValidHolidays checks a list of holidays: dates as YYYY-MM-DD, each once,
// in order.
func ValidHolidays(dates []string) error {
	for i, d := range dates {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Errorf(EINVALID, "holidays: %q is not a date (YYYY-MM-DD)", d)
		}
		if i > 0 && d <= dates[i-1] {
			if d == dates[i-1] {
				return Errorf(EINVALID, "holidays: %s is listed twice", d)
			}
			return Errorf(EINVALID, "holidays: %s comes after %s; list them in order", d, dates[i-1])
		}
	}
	return nil
}

// validateAnnounce checks the announcement settings.
func (s *Settings) validateAnnounce() error {
	switch s.AnnounceEngine {
	case "", AnnounceEspeak, AnnounceOff: // "" is espeak
	case AnnounceClips:
		if s.AnnounceClips == "" {
			return Errorf(EINVALID, "announce_clips: name the folder of recorded clips")
		}
	default:
		return Errorf(EINVALID, "announce_engine must be espeak, clips or off, not %q", s.AnnounceEngine)
	}
	for _, p := range []struct{ key, v string }{{"announce_phrase", s.AnnouncePhrase}, {"announce_phrase_en", s.AnnouncePhraseEN}} {
		if p.v != "" && (!strings.Contains(p.v, "{number}") || !strings.Contains(p.v, "{counter}")) {
			return Errorf(EINVALID, "%s must contain {number} and {counter}", p.key)
		}
	}
	return nil
}

// ValidScore reports whether score is on the hall's rating scale.
func (s *Settings) ValidScore(score int) bool {
	for _, l := range s.RatingScale {
		if l.Score == score {
			return true
		}
	}
	return false
}
