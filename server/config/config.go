// Package config reads a hall's TOML configuration (hall.toml): the hall's
// settings, its services and its counters, checked strictly so that a typo
// is an error naming the file, line and key.
package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/tomlconf"
)

// Setup is what a hall.toml sets a new hall up with: its settings, its
// services and its counters.
type Setup struct {
	Settings hallq.Settings
	Services []hallq.Service
	Counters []hallq.Counter
}

type file struct {
	Hall        hallSection     `toml:"hall"`
	RatingScale []ratingLevel   `toml:"rating_scale"`
	Services    []serviceEntry  `toml:"services"`
	Counters    []counterEntry  `toml:"counters"`
	Announce    announceSection `toml:"announcements"`
}

type hallSection struct {
	Name             string   `toml:"name"`
	TimeZone         *string  `toml:"time_zone"`
	Language         *string  `toml:"language"`
	BaseURL          *string  `toml:"base_url"`
	PriorityPolicy   *string  `toml:"priority_policy"`
	InterleaveN      *int     `toml:"interleave_n"`
	AgingMinutes     *int     `toml:"aging_minutes"`
	PriorityKinds    []string `toml:"priority_kinds"`
	MaxRecalls       *int     `toml:"max_recalls"`
	SatisfiedMin     *int     `toml:"satisfied_min"`
	RatingWindow     *int     `toml:"rating_window_min"`
	ClosingTime      *string  `toml:"closing_time"`
	PublicDisplay    *bool    `toml:"public_display"`
	Notice           *string  `toml:"notice"`
	TargetSatisfied  *int     `toml:"target_satisfied_pct"`
	TargetOverWait   *int     `toml:"target_over_wait_pct"`
	Holidays         []string `toml:"holidays"`
	BookingRetention *int     `toml:"booking_retention_days"`
}

type ratingLevel struct {
	Score  int    `toml:"score"`
	Name   string `toml:"name"`
	NameEN string `toml:"name_en"`
}

type serviceEntry struct {
	Code          string        `toml:"code"`
	Name          string        `toml:"name"`
	NameEN        string        `toml:"name_en"`
	Prefix        string        `toml:"prefix"`
	Range         []int         `toml:"range"`
	TargetWaitMin int           `toml:"target_wait_min"`
	DailyCap      int           `toml:"daily_cap"`
	Hours         []hoursEntry  `toml:"hours"`
	Booking       *bookingEntry `toml:"booking"`
}

// bookingEntry is a service's [services.booking] table: present means the
// service takes bookings, each rule defaulting as in
// hallq.DefaultBookingSettings.
type bookingEntry struct {
	Enabled          *bool `toml:"enabled"`
	SlotMin          *int  `toml:"slot_min"`
	Capacity         *int  `toml:"capacity"`
	DaysAhead        *int  `toml:"days_ahead"`
	CheckInBeforeMin *int  `toml:"checkin_before_min"`
	CheckInAfterMin  *int  `toml:"checkin_after_min"`
}

type hoursEntry struct {
	Days  []int  `toml:"days"`
	Open  string `toml:"open"`
	Close string `toml:"close"`
}

type counterEntry struct {
	ID       int      `toml:"id"`
	Name     string   `toml:"name"`
	Services []string `toml:"services"`
}

// Load reads and checks the hall config at path. Every problem found is
// reported at once, each with its file, line and key.
func Load(path string) (*Setup, error) {
	var f file
	tf, err := tomlconf.Read(path, &f)
	if err != nil {
		return nil, err
	}
	return build(tf, &f)
}

// Parse is Load for text in memory (named path in messages).
func Parse(path string, data []byte) (*Setup, error) {
	var f file
	tf, err := tomlconf.Parse(path, data, &f)
	if err != nil {
		return nil, err
	}
	return build(tf, &f)
}

func build(tf *tomlconf.File, f *file) (*Setup, error) {
	h := &Setup{Settings: hallq.DefaultSettings()}
	buildSettings(tf, f.Hall, &h.Settings)
	buildRatingScale(tf, f.RatingScale, &h.Settings)
	codes := map[string]bool{}
	for i, se := range f.Services {
		h.Services = append(h.Services, buildService(tf, i, se, codes))
	}
	if len(f.Services) == 0 {
		tf.Problemf("services", "the hall needs at least one [[services]]")
	}
	ids := map[int]bool{}
	for i, ce := range f.Counters {
		h.Counters = append(h.Counters, buildCounter(tf, i, ce, codes, ids))
	}
	if len(f.Counters) == 0 {
		tf.Problemf("counters", "the hall needs at least one [[counters]]")
	}
	buildAnnounce(tf, &f.Announce, &h.Settings)
	if err := tf.Err(); err != nil {
		return nil, err
	}
	return h, nil
}

// buildSettings sets what [hall] gives over the defaults in s.
func buildSettings(tf *tomlconf.File, hs hallSection, s *hallq.Settings) {
	if hs.Name == "" {
		tf.Problemf("hall.name", "is required")
	}
	s.Name = hs.Name
	set(&s.TimeZone, hs.TimeZone)
	set(&s.Language, hs.Language)
	set(&s.BaseURL, hs.BaseURL)
	set(&s.PriorityPolicy, hs.PriorityPolicy)
	set(&s.InterleaveN, hs.InterleaveN)
	set(&s.AgingMinutes, hs.AgingMinutes)
	set(&s.MaxRecalls, hs.MaxRecalls)
	set(&s.SatisfiedMin, hs.SatisfiedMin)
	set(&s.RatingWindowMin, hs.RatingWindow)
	set(&s.ClosingTime, hs.ClosingTime)
	set(&s.PublicDisplay, hs.PublicDisplay)
	set(&s.Notice, hs.Notice)
	set(&s.TargetSatisfiedPct, hs.TargetSatisfied)
	set(&s.TargetOverWaitPct, hs.TargetOverWait)
	set(&s.BookingRetentionDays, hs.BookingRetention)
	if s.BookingRetentionDays < 1 || s.BookingRetentionDays > 3650 {
		tf.Problemf("hall.booking_retention_days", "want 1 to 3650 days, not %d", s.BookingRetentionDays)
	}
	if hs.PriorityKinds != nil {
		s.PriorityKinds = hs.PriorityKinds
	}
	if hs.Holidays != nil {
		// Any order in the file; kept sorted.
		s.Holidays = slices.Clone(hs.Holidays)
		slices.Sort(s.Holidays)
		for i, d := range s.Holidays {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				tf.Problemf("hall.holidays", "%q is not a date (YYYY-MM-DD, e.g. \"2027-01-01\")", d)
			} else if i > 0 && d == s.Holidays[i-1] {
				tf.Problemf("hall.holidays", "%s is listed twice", d)
			}
		}
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		tf.Problemf("hall.time_zone", "unknown time zone %q (e.g. \"Asia/Ho_Chi_Minh\")", s.TimeZone)
	}
	if s.Language != "vi" && s.Language != "en" {
		tf.Problemf("hall.language", "must be \"vi\" or \"en\", not %q", s.Language)
	}
	switch s.PriorityPolicy {
	case hallq.PolicyStrict, hallq.PolicyInterleave, hallq.PolicyAging:
	default:
		tf.Problemf("hall.priority_policy", "must be strict, interleave or aging, not %q", s.PriorityPolicy)
	}
	if s.InterleaveN < 1 {
		tf.Problemf("hall.interleave_n", "must be at least 1")
	}
	if s.AgingMinutes < 1 {
		tf.Problemf("hall.aging_minutes", "must be at least 1")
	}
	if s.MaxRecalls < 0 {
		tf.Problemf("hall.max_recalls", "must not be negative")
	}
	if s.ClosingTime != "" {
		if _, err := hallq.ParseClock(s.ClosingTime); err != nil {
			tf.Problemf("hall.closing_time", "want HH:MM, not %q", s.ClosingTime)
		}
	}
}

// buildRatingScale sets the [[rating_scale]] levels, if the file has any.
func buildRatingScale(tf *tomlconf.File, levels []ratingLevel, s *hallq.Settings) {
	if levels == nil {
		return
	}
	s.RatingScale = nil
	seen := map[int]bool{}
	for i, l := range levels {
		if seen[l.Score] {
			tf.Problemf(fmt.Sprintf("rating_scale[%d].score", i), "score %d appears twice", l.Score)
		}
		seen[l.Score] = true
		if l.Name == "" {
			tf.Problemf(fmt.Sprintf("rating_scale[%d].name", i), "is required")
		}
		s.RatingScale = append(s.RatingScale, hallq.RatingLevel{Score: l.Score, NameVI: l.Name, NameEN: l.NameEN})
	}
	if n := len(s.RatingScale); n < 2 || n > 5 {
		tf.Problemf("rating_scale", "needs 2 to 5 levels, has %d", n)
	}
}

// buildService is the i-th [[services]]; codes collects the codes seen.
func buildService(tf *tomlconf.File, i int, se serviceEntry, codes map[string]bool) hallq.Service {
	key := fmt.Sprintf("services[%d]", i)
	sv := hallq.Service{Code: se.Code, NameVI: se.Name, NameEN: se.NameEN, Prefix: se.Prefix,
		TargetWaitMin: se.TargetWaitMin, DailyCap: se.DailyCap, Order: i}
	if se.Code == "" {
		tf.Problemf(key+".code", "is required")
	} else if codes[se.Code] {
		tf.Problemf(key+".code", "service %q is defined twice", se.Code)
	}
	codes[se.Code] = true
	if se.Name == "" {
		tf.Problemf(key+".name", "is required")
	}
	switch {
	case se.Prefix != "" && se.Range != nil:
		tf.Problemf(key+".range", "give either prefix or range, not both")
	case se.Range != nil && (len(se.Range) != 2 || se.Range[0] <= 0 || se.Range[1] < se.Range[0]):
		tf.Problemf(key+".range", "want [first, last] with 0 < first ≤ last, e.g. [1001, 1999]")
	case se.Range != nil:
		sv.RangeFrom, sv.RangeTo = se.Range[0], se.Range[1]
	case se.Prefix == "":
		tf.Problemf(key+".prefix", "give a prefix (\"A\") or a range ([1001, 1999])")
	}
	if se.TargetWaitMin < 0 {
		tf.Problemf(key+".target_wait_min", "must not be negative")
	}
	if se.DailyCap < 0 {
		tf.Problemf(key+".daily_cap", "must not be negative")
	}
	for j, hr := range se.Hours {
		sv.Hours = append(sv.Hours, buildHours(tf, fmt.Sprintf("%s.hours[%d]", key, j), hr))
	}
	if se.Booking != nil {
		b := hallq.DefaultBookingSettings()
		set(&b.Enabled, se.Booking.Enabled)
		set(&b.SlotMin, se.Booking.SlotMin)
		set(&b.Capacity, se.Booking.Capacity)
		set(&b.DaysAhead, se.Booking.DaysAhead)
		set(&b.CheckInBeforeMin, se.Booking.CheckInBeforeMin)
		set(&b.CheckInAfterMin, se.Booking.CheckInAfterMin)
		var he *hallq.Error
		if err := b.Validate(key + ".booking"); errors.As(err, &he) {
			tf.Problemf(he.Field, "%s", strings.TrimPrefix(he.Message, he.Field+": "))
		}
		sv.Booking = &b
	}
	return sv
}

// buildHours is one [[services.hours]] entry, at key.
func buildHours(tf *tomlconf.File, hk string, hr hoursEntry) hallq.OpeningHours {
	o, err1 := hallq.ParseClock(hr.Open)
	c, err2 := hallq.ParseClock(hr.Close)
	if err1 != nil {
		tf.Problemf(hk+".open", "want HH:MM, not %q", hr.Open)
	}
	if err2 != nil {
		tf.Problemf(hk+".close", "want HH:MM, not %q", hr.Close)
	}
	if err1 == nil && err2 == nil && c <= o {
		tf.Problemf(hk+".close", "closes (%s) before it opens (%s)", hr.Close, hr.Open)
	}
	oh := hallq.OpeningHours{Open: hr.Open, Close: hr.Close}
	for _, d := range hr.Days {
		if d < 0 || d > 6 {
			tf.Problemf(hk+".days", "weekdays are 0 (Sunday) to 6 (Saturday), not %d", d)
		}
		oh.Days = append(oh.Days, time.Weekday(d))
	}
	return oh
}

// buildCounter is the i-th [[counters]], serving services of codes; ids
// collects the counter numbers seen.
func buildCounter(tf *tomlconf.File, i int, ce counterEntry, codes map[string]bool, ids map[int]bool) hallq.Counter {
	key := fmt.Sprintf("counters[%d]", i)
	if ce.ID <= 0 {
		tf.Problemf(key+".id", "the counter's hall number must be a positive integer")
	} else if ids[ce.ID] {
		tf.Problemf(key+".id", "counter %d is defined twice", ce.ID)
	}
	ids[ce.ID] = true
	if len(ce.Services) == 0 {
		tf.Problemf(key+".services", "list the services this counter serves, in order of preference")
	}
	for _, code := range ce.Services {
		if !codes[code] {
			tf.Problemf(key+".services", "unknown service %q", code)
		}
	}
	name := ce.Name
	if name == "" {
		name = fmt.Sprintf("Quầy %d", ce.ID)
	}
	return hallq.Counter{ID: ce.ID, Name: name, Services: ce.Services, State: hallq.CounterClosed}
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
