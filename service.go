package hallq

import (
	"fmt"
	"slices"
	"time"
)

// Service is a procedure area with its own queue and numbering.
type Service struct {
	Code   string `json:"code"`
	NameVI string `json:"name"`
	NameEN string `json:"name_en"`
	// Prefix gives labels like A001; when empty, labels are numbers from
	// RangeFrom to RangeTo (1001…1999).
	Prefix    string `json:"prefix,omitempty"`
	RangeFrom int    `json:"range_from,omitempty"`
	RangeTo   int    `json:"range_to,omitempty"`
	// TargetWaitMin is the wait the hall promises, in minutes.
	TargetWaitMin int `json:"target_wait_min"`
	// Hours are the local opening hours, per weekday; empty means always open.
	Hours []OpeningHours `json:"hours,omitempty"`
	// DailyCap is the most tickets a day; 0 means no cap.
	DailyCap int `json:"daily_cap,omitempty"`
	// Order sorts services on kiosks and displays.
	Order int `json:"order"`
	// Booking are its booking rules; nil: it takes no bookings.
	Booking *BookingSettings `json:"booking,omitempty"`
}

// OpeningHours is one opening interval on some weekdays, in local time.
type OpeningHours struct {
	// Days are the weekdays it applies to (0 = Sunday … 6 = Saturday); empty means every day.
	Days  []time.Weekday `json:"days,omitempty"`
	Open  string         `json:"open"`  // "07:30"
	Close string         `json:"close"` // "11:30"
}

// Label formats ticket number n of this service.
func (s *Service) Label(n int) string {
	if s.Prefix != "" {
		return fmt.Sprintf("%s%03d", s.Prefix, n)
	}
	return fmt.Sprint(n)
}

// FirstNumber is the first number of a day.
func (s *Service) FirstNumber() int {
	if s.Prefix != "" {
		return 1
	}
	return s.RangeFrom
}

// LastNumber is the last number that can be given on a day (999 for prefixes).
func (s *Service) LastNumber() int {
	if s.Prefix != "" {
		return 999
	}
	return s.RangeTo
}

// Validate checks a service definition, its texts included (the input
// rules in text.go).
func (s *Service) Validate() error {
	if err := CheckServiceCode("code", s.Code); err != nil {
		return err
	}
	field := "service " + s.Code + ": "
	if err := CheckName(field+"name", s.NameVI, MaxNameLen); err != nil {
		return err
	}
	if err := CheckText(field+"name_en", s.NameEN, MaxNameLen, false); err != nil {
		return err
	}
	if s.Prefix != "" {
		if err := CheckPrefix(field+"prefix", s.Prefix); err != nil {
			return err
		}
	}
	if s.RangeTo > MaxNumber {
		return fieldError(field+"range_to", "%d: at most %d, so that a number fits the ticket and the screen", s.RangeTo, MaxNumber)
	}
	if s.TargetWaitMin > 24*60 {
		return fieldError(field+"target_wait_min", "%d: at most a day (1440)", s.TargetWaitMin)
	}
	if s.Booking != nil {
		if err := s.Booking.Validate(field + "booking"); err != nil {
			return err
		}
	}
	return s.ValidateStored()
}

// ValidateStored checks what a service read from a hall's database must
// be for the hall to run: Validate without the text rules, which came
// later, so that a hall set up before them still starts.
func (s *Service) ValidateStored() error {
	if s.Code == "" {
		return Errorf(EINVALID, "service code is empty")
	}
	if s.NameVI == "" {
		return Errorf(EINVALID, "service %s: name is empty", s.Code)
	}
	if s.Prefix == "" && (s.RangeFrom <= 0 || s.RangeTo < s.RangeFrom) {
		return Errorf(EINVALID, "service %s: needs a prefix or a range with 0 < range_from ≤ range_to", s.Code)
	}
	if s.Prefix != "" && s.RangeFrom != 0 {
		return Errorf(EINVALID, "service %s: has both a prefix and a range", s.Code)
	}
	if s.DailyCap < 0 || s.TargetWaitMin < 0 {
		return Errorf(EINVALID, "service %s: daily_cap and target_wait_min must not be negative", s.Code)
	}
	for _, h := range s.Hours {
		o, err1 := ParseClock(h.Open)
		c, err2 := ParseClock(h.Close)
		if err1 != nil || err2 != nil || c <= o {
			return Errorf(EINVALID, "service %s: bad opening hours %q–%q (want HH:MM, open before close)", s.Code, h.Open, h.Close)
		}
	}
	return nil
}

// OpenAt reports whether the service takes tickets at local time t.
func (s *Service) OpenAt(t time.Time) bool {
	if len(s.Hours) == 0 {
		return true
	}
	mins := t.Hour()*60 + t.Minute()
	for _, h := range s.Hours {
		if len(h.Days) > 0 && !slices.Contains(h.Days, t.Weekday()) {
			continue
		}
		o, _ := ParseClock(h.Open)
		c, _ := ParseClock(h.Close)
		if mins >= o && mins < c {
			return true
		}
	}
	return false
}

// ParseClock parses "HH:MM" into minutes after midnight.
func ParseClock(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || len(s) != 5 || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("hallq: bad clock time %q, want HH:MM", s)
	}
	return h*60 + m, nil
}
