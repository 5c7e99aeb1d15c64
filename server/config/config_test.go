package config_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/tomlconf"
	"github.com/hallq/hallq/server/config"
)

// The example that installers copy must load, and must be a hall the store
// accepts.
func TestExampleHallConfigLoads(t *testing.T) {
	path := filepath.Join("..", "..", "firmware-config", "hall.toml")
	h, err := config.Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	s := h.Settings
	if err := s.Validate(); err != nil {
		t.Errorf("settings: %v", err)
	}
	if !strings.Contains(s.Name, "Lộc Thọ") {
		t.Errorf("hall name %q, want the Vietnamese demo-like ward", s.Name)
	}
	if s.TimeZone != "Asia/Ho_Chi_Minh" || s.PriorityPolicy != hallq.PolicyInterleave || s.InterleaveN != 3 || s.ClosingTime != "17:30" {
		t.Errorf("settings: time zone %q, policy %q/%d, closing %q; want Asia/Ho_Chi_Minh, interleave/3, 17:30",
			s.TimeZone, s.PriorityPolicy, s.InterleaveN, s.ClosingTime)
	}
	if len(s.RatingScale) != 3 || s.RatingScale[0].NameVI != "Rất hài lòng" || s.RatingScale[2].Score != 1 {
		t.Errorf("rating scale %+v, want the three one-stop levels", s.RatingScale)
	}
	var codes []string
	for i := range h.Services {
		sv := &h.Services[i]
		codes = append(codes, sv.Code)
		if err := sv.Validate(); err != nil {
			t.Errorf("service %s: %v", sv.Code, err)
		}
		if sv.Order != i {
			t.Errorf("service %s: order %d, want %d (file order)", sv.Code, sv.Order, i)
		}
	}
	if want := []string{"A", "B", "C", "D", "E", "L"}; !reflect.DeepEqual(codes, want) {
		t.Fatalf("services %v, want %v", codes, want)
	}
	a, l := h.Services[0], h.Services[5]
	if a.RangeFrom != 1001 || a.RangeTo != 1999 || a.Prefix != "" || a.TargetWaitMin != 15 || len(a.Hours) != 3 {
		t.Errorf("service A: %+v, want range 1001–1999, 15 min, three opening intervals", a)
	}
	if l.Prefix != "L" || l.RangeFrom != 0 {
		t.Errorf("service L: prefix %q, range from %d; want prefix L", l.Prefix, l.RangeFrom)
	}
	if h.Services[2].DailyCap != 80 {
		t.Errorf("service C daily cap %d, want 80", h.Services[2].DailyCap)
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	open := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 11, 23, 8, 0, 0, 0, loc), true},   // Monday morning
		{time.Date(2026, 11, 23, 12, 0, 0, 0, loc), false}, // lunch
		{time.Date(2026, 11, 28, 9, 0, 0, 0, loc), true},   // Saturday morning
		{time.Date(2026, 11, 29, 9, 0, 0, 0, loc), false},  // Sunday
		{time.Date(2026, 11, 23, 17, 0, 0, 0, loc), false}, // closing time is exclusive
		{time.Date(2026, 11, 23, 16, 59, 0, 0, loc), true},
	}
	for _, o := range open {
		if got := a.OpenAt(o.at); got != o.want {
			t.Errorf("service A open at %s: got %v, want %v", o.at.Format("Mon 15:04"), got, o.want)
		}
	}
	if len(h.Counters) != 6 {
		t.Fatalf("%d counters, want 6", len(h.Counters))
	}
	for i, c := range h.Counters {
		if c.ID != i+1 || c.Name != fmt.Sprintf("Quầy %d", i+1) || c.State != hallq.CounterClosed {
			t.Errorf("counter %d: %+v", i, c)
		}
	}
	if got := h.Counters[5].Services; !reflect.DeepEqual(got, []string{"E", "L", "A"}) {
		t.Errorf("counter 6 serves %v, want [E L A] in that order", got)
	}
}

// good is a small valid hall; each bad case changes one thing in it.
const good = `[hall]
name = "Bộ phận Một cửa phường Lộc Thọ"
time_zone = "Asia/Ho_Chi_Minh"
priority_policy = "strict"
holidays = ["2027-01-01", "2026-09-02"]

[[services]]
code = "A"
name = "Hộ tịch"
range = [1001, 1999]
daily_cap = 50
  [[services.hours]]
  days = [1, 2, 3, 4, 5]
  open = "07:30"
  close = "11:30"

[[services]]
code = "B"
name = "Chứng thực"
prefix = "B"

[[counters]]
id = 1
services = ["A", "B"]
`

func TestGoodConfigParses(t *testing.T) {
	h, err := config.Parse("hall.toml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Services) != 2 || len(h.Counters) != 1 || h.Counters[0].Name != "Quầy 1" {
		t.Errorf("got %d services, counters %+v", len(h.Services), h.Counters)
	}
	if want := []string{"2026-09-02", "2027-01-01"}; !reflect.DeepEqual(h.Settings.Holidays, want) {
		t.Errorf("holidays %v, want %v (sorted)", h.Settings.Holidays, want)
	}
	// What the file leaves out keeps its default.
	if h.Settings.MaxRecalls != hallq.DefaultSettings().MaxRecalls || len(h.Settings.RatingScale) != 3 {
		t.Errorf("defaults not kept: %+v", h.Settings)
	}
}

func TestBadConfigNamesFileLineAndKey(t *testing.T) {
	cases := []struct {
		name     string
		old, new string // replace old with new in good
		line     int
		key      string
		msg      string // part of the message
		problems int    // how many problems are reported
	}{
		{"unknown key", `time_zone = "Asia/Ho_Chi_Minh"`, `timezone = "Asia/Ho_Chi_Minh"`, 3, "hall.timezone", "unknown key", 1},
		{"unknown key in a service", `daily_cap = 50`, `dailycap = 50`, 11, "services.dailycap", "unknown key", 1},
		{"unknown section", `[[counters]]`, `[[counter]]`, 22, "counter", "unknown key", 1},
		{"wrong type", `daily_cap = 50`, `daily_cap = "50"`, 11, "services.daily_cap", "string", 1},
		{"wrong type of list", `services = ["A", "B"]`, `services = "A, B"`, 24, "counters.services", "string", 1},
		{"bad time zone", `time_zone = "Asia/Ho_Chi_Minh"`, `time_zone = "Asia/Hanoi_City"`, 3, "hall.time_zone", "unknown time zone", 1},
		{"bad policy", `priority_policy = "strict"`, `priority_policy = "fifo"`, 4, "hall.priority_policy", "strict, interleave or aging", 1},
		{"duplicate service", `code = "B"`, `code = "A"`, 18, "services[1].code", "defined twice", 2}, // and counter 1's "B" is unknown
		{"counter with unknown service", `services = ["A", "B"]`, `services = ["A", "X"]`, 24, "counters[0].services", `unknown service "X"`, 1},
		{"range and prefix both", `prefix = "B"`, "prefix = \"B\"\nrange = [2001, 2999]", 21, "services[1].range", "not both", 1},
		{"neither range nor prefix", `prefix = "B"`, `target_wait_min = 10`, 17, "services[1].prefix", "give a prefix", 1},
		{"range backwards", `range = [1001, 1999]`, `range = [1999, 1001]`, 10, "services[0].range", "first ≤ last", 1},
		{"closes before it opens", `close = "11:30"`, `close = "07:00"`, 15, "services[0].hours[0].close", "before it opens", 1},
		{"bad opening time", `open = "07:30"`, `open = "7h30"`, 14, "services[0].hours[0].open", "HH:MM", 1},
		{"bad weekday", `days = [1, 2, 3, 4, 5]`, `days = [1, 7]`, 13, "services[0].hours[0].days", "0 (Sunday) to 6", 1},
		{"negative daily cap", `daily_cap = 50`, `daily_cap = -1`, 11, "services[0].daily_cap", "negative", 1},
		{"counter without a number", `id = 1`, `id = 0`, 23, "counters[0].id", "positive integer", 1},
		{"holiday not a date", `"2026-09-02"]`, `"02/09/2026"]`, 5, "hall.holidays", `"02/09/2026" is not a date`, 1},
		{"holiday twice", `"2026-09-02"]`, `"2026-09-02", "2027-01-01"]`, 5, "hall.holidays", "2027-01-01 is listed twice", 1},
		{"no hall name", `name = "Bộ phận Một cửa phường Lộc Thọ"`, `language = "vi"`, 1, "hall.name", "required", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("the good config has no %q", tc.old)
			}
			doc := strings.Replace(good, tc.old, tc.new, 1)
			_, err := config.Parse("hall.toml", []byte(doc))
			if err == nil {
				t.Fatal("no error")
			}
			var te *tomlconf.Error
			if !errors.As(err, &te) {
				t.Fatalf("got %T %q, want a *tomlconf.Error", err, err)
			}
			if len(te.Problems) != tc.problems {
				t.Errorf("got %d problems, want %d:\n%v", len(te.Problems), tc.problems, err)
			}
			prefix := fmt.Sprintf("hall.toml:%d: %s: ", tc.line, tc.key)
			if got := err.Error(); !strings.HasPrefix(got, prefix) || !strings.Contains(got, tc.msg) {
				t.Errorf("got %q, want %q… with %q", got, prefix, tc.msg)
			}
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hall.toml")
	_, err := config.Load(path)
	if err == nil {
		t.Fatal("no error for a missing file")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("got %q, want it to name %s", err, path)
	}
}

// TestServiceBooking: [services.booking] makes a service bookable, each
// rule defaulting; a bad rule is named by its key.
func TestServiceBooking(t *testing.T) {
	doc := good + "\n[[services]]\ncode = \"C\"\nname = \"Đất đai\"\nprefix = \"C\"\n  [services.booking]\n  capacity = 4\n  checkin_after_min = 20\n" +
		"\n[[counters]]\nid = 2\nservices = [\"C\"]\n"
	h, err := config.Parse("hall.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := hallq.DefaultBookingSettings()
	want.Capacity, want.CheckInAfterMin = 4, 20
	if b := h.Services[2].Booking; b == nil || *b != want || h.Services[0].Booking != nil {
		t.Errorf("C's booking %+v, want %+v; A's %+v, want none", b, want, h.Services[0].Booking)
	}
	if h.Settings.BookingRetentionDays != hallq.DefaultRetentionDays {
		t.Errorf("retention %d, want the default %d", h.Settings.BookingRetentionDays, hallq.DefaultRetentionDays)
	}
	for _, tc := range []struct{ old, new, key, msg string }{
		{"capacity = 4", "slot_min = 3", "services[2].booking.slot_min", "5 to 240"},
		{"capacity = 4", "capacity = -1", "services[2].booking.capacity", "0 (the suggestion) to 1000"},
		{"capacity = 4", "capacity = true", "services.booking.capacity", "bool"},
		{`priority_policy = "strict"`, "booking_retention_days = 0", "hall.booking_retention_days", "1 to 3650"},
	} {
		_, err := config.Parse("hall.toml", []byte(strings.Replace(doc, tc.old, tc.new, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.key+": ") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want %s: …%s", tc.new, err, tc.key, tc.msg)
		}
	}
}
