// Package sheet writes the reports as CSV files for a spreadsheet: the
// summary, the ticket log (one row per ticket, its transfer's legs in a
// file of their own) and the monthly report a hall sends up. Every file
// goes through internal/excelcsv (UTF-8 with a BOM, CRLF, formula-looking
// cells neutralised); times are the hall's local times, with the hall's
// UTC offset in a column beside them; durations are whole seconds in the
// ticket files and minutes with one decimal in the summaries, as
// docs/REPORTS.md defines them.
package sheet

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq/internal/excelcsv"
	"github.com/hallq/hallq/report"
)

// Texts gives the reader's words for a key of the staff pages' texts
// (column headers, outcomes).
type Texts func(key string) string

// Row is one row of a summary: a group's figures (with its day, when a
// report is grouped by day as well) and, for a service, its target wait.
type Row struct {
	report.Figures
	// TargetWaitMin is the service's target wait at the end of the period
	// (rows by service).
	TargetWaitMin *int `json:"target_wait_min,omitempty"`
	// Targets, in a report across halls, are the goals of a hall's row
	// when they are not the answer's: the hall's own, which the row's
	// figures are held to.
	Targets *report.Targets `json:"targets,omitempty"`
	// Bookings are the booking counts of the row's group (grouped by
	// service, day, hour or hall, and the total), nil when it has no
	// booking and offered no slot.
	Bookings *report.BookingCounts `json:"bookings,omitempty"`
}

// Goals are the goals the row's figures are held to: its own, else all.
func (r *Row) Goals(all report.Targets) report.Targets {
	if r.Targets != nil {
		return *r.Targets
	}
	return all
}

// Summary writes a summary: its rows, then the total, against the goals.
func Summary(w io.Writer, by report.Dim, perDay bool, rows []Row, total Row, goals report.Targets, t Texts) error {
	f := excelcsv.NewWriter(w)
	var head []string
	if perDay {
		head = append(head, t("by.day"))
	}
	head = append(head, t("by."+string(by)))
	for _, c := range summaryCols {
		head = append(head, t(c.head))
	}
	f.Write(head...)
	for _, r := range append(rows, total) {
		var cells []string
		if perDay {
			cells = append(cells, r.Day)
		}
		cells = append(cells, r.Label)
		for _, c := range summaryCols {
			cells = append(cells, c.cell(r, goals))
		}
		f.Write(cells...)
	}
	return f.Flush()
}

type col struct {
	head string
	cell func(Row, report.Targets) string
}

var summaryCols = []col{
	{"col.issued", func(r Row, _ report.Targets) string { return itoa(r.Figures.Issued) }},
	{"col.served", func(r Row, _ report.Targets) string { return itoa(r.Figures.Served) }},
	{"col.no_shows", func(r Row, _ report.Targets) string { return itoa(r.Figures.NoShows) }},
	{"col.no_show_pct", func(r Row, _ report.Targets) string { return pct(r.Figures.NoShowPct) }},
	{"col.transferred", func(r Row, _ report.Targets) string { return itoa(r.Figures.Transferred) }},
	{"col.cancelled", func(r Row, _ report.Targets) string { return itoa(r.Figures.Cancelled) }},
	{"col.closed_waiting", func(r Row, _ report.Targets) string { return itoa(r.Figures.ClosedWaiting) }},
	{"col.closed_called", func(r Row, _ report.Targets) string { return itoa(r.Figures.ClosedCalled) }},
	{"col.closed_serving", func(r Row, _ report.Targets) string { return itoa(r.Figures.ClosedServing) }},
	{"col.wait_mean", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.WaitMeanS) }},
	{"col.wait_median", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.WaitMedianS) }},
	{"col.wait_p90", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.WaitP90S) }},
	{"col.wait_max", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.WaitMaxS) }},
	{"col.service_mean", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.ServiceMeanS) }},
	{"col.service_median", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.ServiceMedianS) }},
	{"col.target_wait", func(r Row, _ report.Targets) string {
		if r.TargetWaitMin == nil {
			return ""
		}
		return itoa(*r.TargetWaitMin)
	}},
	{"col.within_target", func(r Row, _ report.Targets) string { return pct(r.Figures.WithinTargetPct) }},
	{"col.over_target", func(r Row, _ report.Targets) string { return pct(r.Figures.OverTargetPct) }},
	{"col.over_target_goal", func(r Row, g report.Targets) string { return itoa(r.Goals(g).OverWaitPct) }},
	{"col.presses", func(r Row, _ report.Targets) string { return itoa(r.Figures.Presses) }},
	{"col.unattached", func(r Row, _ report.Targets) string { return itoa(r.Figures.Unattached) }},
	{"col.satisfied_pct", func(r Row, _ report.Targets) string { return pct(r.Figures.SatisfiedPct) }},
	{"col.very_satisfied_pct", func(r Row, _ report.Targets) string { return pct(r.Figures.VerySatisfiedPct) }},
	{"col.satisfied_goal", func(r Row, g report.Targets) string { return itoa(r.Goals(g).SatisfiedPct) }},
	{"col.rated_pct", func(r Row, _ report.Targets) string { return pct(r.Figures.RatedPct) }},
	{"col.est_error", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.EstErrMeanAbsS) }},
	{"col.est_bias", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.EstErrMeanS) }},
	{"col.booked", func(r Row, _ report.Targets) string { return itoa(r.Figures.Booked) }},
	{"col.booked_wait_mean", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.BookedWaitMeanS) }},
	{"col.slot_wait_mean", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.SlotWaitMeanS) }},
	{"col.slot_wait_p90", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.SlotWaitP90S) }},
	{"col.walk_in_wait_mean", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.WalkInWaitMeanS) }},
	{"col.walk_in_wait_p90", func(r Row, _ report.Targets) string { return report.Minutes(r.Figures.WalkInWaitP90S) }},
	bookingCol("col.bk_made", func(c *report.BookingCounts) string { return itoa(c.Made) }),
	bookingCol("col.bk_checked_in", func(c *report.BookingCounts) string { return itoa(c.CheckedIn) }),
	bookingCol("col.bk_missed", func(c *report.BookingCounts) string { return itoa(c.Missed) }),
	bookingCol("col.bk_missed_pct", func(c *report.BookingCounts) string { return pct(c.MissedPct) }),
	bookingCol("col.bk_cancelled", func(c *report.BookingCounts) string { return itoa(c.Cancelled) }),
	bookingCol("col.bk_cancelled_citizen", func(c *report.BookingCounts) string { return itoa(c.CancelledByCitizen) }),
	bookingCol("col.bk_cancelled_staff", func(c *report.BookingCounts) string { return itoa(c.CancelledByStaff) }),
	bookingCol("col.bk_pending", func(c *report.BookingCounts) string { return itoa(c.Pending) }),
	bookingCol("col.bk_imported", func(c *report.BookingCounts) string { return itoa(c.Imported) }),
	bookingCol("col.bk_slots", func(c *report.BookingCounts) string { return itoa(c.Slots) }),
	bookingCol("col.bk_capacity", func(c *report.BookingCounts) string { return itoa(c.Capacity) }),
	bookingCol("col.bk_places", func(c *report.BookingCounts) string { return itoa(c.Places) }),
	bookingCol("col.bk_utilisation", func(c *report.BookingCounts) string { return pct(c.UtilisationPct) }),
}

// bookingCol is a column of the booking counts: empty in a row without
// them (grouped by counter or officer, or a group without bookings).
func bookingCol(head string, cell func(*report.BookingCounts) string) col {
	return col{head, func(r Row, _ report.Targets) string {
		if r.Bookings == nil {
			return ""
		}
		return cell(r.Bookings)
	}}
}

func itoa(n int) string { return strconv.Itoa(n) }

// pct is a share with one decimal, "" for none.
func pct(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// LogVisit is one ticket of the ticket log, with what names its cells.
type LogVisit struct {
	Hall    string // the hall's name, on the city server
	Visit   *report.Visit
	Loc     *time.Location
	Service func(code string) string // a service's name
}

// TicketLog writes the ticket log, one row per ticket (citizen's number),
// from visits given one at a time by each: the ticket's id, its route
// through services, its waiting time (every leg's added up) and how it
// ended, at the last leg. With hall, a first column names each ticket's
// hall.
func TicketLog(w io.Writer, hall bool, t Texts, each func(row func(LogVisit) error) error) error {
	f := excelcsv.NewWriter(w)
	keys := []string{"id", "day", "label", "priority", "service", "issued_at", "utc_offset", "called_at", "wait_s", "estimate_s",
		"transfers", "route", "last_service", "outcome", "counter", "officer", "last_called_at", "started_at", "finished_at",
		"service_s", "rating", "reason"}
	head := headers(t, hall, keys)
	f.Write(head...)
	err := each(func(v LogVisit) error {
		first, last := v.Visit.Ticket(), v.Visit.Last()
		tm := clock(v.Loc)
		names := make([]string, len(v.Visit.Legs))
		rating := ""
		for i, l := range v.Visit.Legs {
			names[i] = v.Service(l.Service)
			if l.Rating != 0 {
				rating = itoa(l.Rating)
			}
		}
		cells := []string{}
		if hall {
			cells = append(cells, v.Hall)
		}
		cells = append(cells, first.ID, first.Day, first.Label, first.Priority, names[0], tm(first.Issued), offset(first.Issued, v.Loc),
			tm(first.Called), secs(v.Visit.WaitMS()), itoa(first.EstimateS), itoa(len(v.Visit.Legs)-1), strings.Join(names, " → "),
			names[len(names)-1], t("outcome."+string(last.Outcome())), counter(last.Counter), last.Officer, tm(lastCall(last)),
			tm(last.Started), tm(last.Finished), secs(last.ServiceMS()), rating, last.Reason)
		return f.Write(cells...)
	})
	if ferr := f.Flush(); err == nil {
		err = ferr
	}
	return err
}

// Legs writes every leg of the tickets, one row each, with its ticket's
// id and its place in the route (1: the ticket taken at the kiosk).
func Legs(w io.Writer, hall bool, t Texts, each func(row func(LogVisit) error) error) error {
	f := excelcsv.NewWriter(w)
	keys := []string{"id", "leg", "day", "label", "service", "queued_at", "utc_offset", "called_at", "last_called_at", "started_at",
		"finished_at", "wait_s", "target_wait_s", "service_s", "outcome", "counter", "officer", "rating", "reason"}
	f.Write(headers(t, hall, keys)...)
	err := each(func(v LogVisit) error {
		tm := clock(v.Loc)
		for i, l := range v.Visit.Legs {
			cells := []string{}
			if hall {
				cells = append(cells, v.Hall)
			}
			queued := l.Queued
			if queued == 0 && l.Original() {
				queued = l.Issued
			}
			target := ""
			if l.TargetWaitS >= 0 {
				target = itoa(l.TargetWaitS)
			}
			rating := ""
			if l.Rating != 0 {
				rating = itoa(l.Rating)
			}
			cells = append(cells, v.Visit.Ticket().ID, itoa(i+1), l.Day, l.Label, v.Service(l.Service), tm(queued), offset(l.Issued, v.Loc),
				tm(l.Called), tm(lastCall(l)), tm(l.Started), tm(l.Finished), secs(l.WaitMS()), target, secs(l.ServiceMS()),
				t("outcome."+string(l.Outcome())), counter(l.Counter), l.Officer, rating, l.Reason)
			if err := f.Write(cells...); err != nil {
				return err
			}
		}
		return nil
	})
	if ferr := f.Flush(); err == nil {
		err = ferr
	}
	return err
}

func headers(t Texts, hall bool, keys []string) []string {
	var head []string
	if hall {
		head = append(head, t("tcol.hall"))
	}
	for _, k := range keys {
		head = append(head, t("tcol."+k))
	}
	return head
}

// clock formats a time as the hall's local time, "" for none.
func clock(loc *time.Location) func(ms int64) string {
	return func(ms int64) string {
		if ms == 0 {
			return ""
		}
		return time.UnixMilli(ms).In(loc).Format(time.DateTime)
	}
}

// offset is the hall's UTC offset at ms: "UTC+07:00" (a bare "+07:00"
// would read as a formula).
func offset(ms int64, loc *time.Location) string {
	return "UTC" + time.UnixMilli(ms).In(loc).Format("-07:00")
}

func lastCall(t *report.Ticket) int64 {
	if t.LastCalled != 0 {
		return t.LastCalled
	}
	return t.Called
}

// secs is a duration in whole seconds, "" for none.
func secs(ms int64) string {
	if ms < 0 {
		return ""
	}
	return itoa(report.Seconds(ms))
}

func counter(n int) string {
	if n == 0 {
		return ""
	}
	return itoa(n)
}

// MonthlySection is one table of the monthly report.
type MonthlySection struct {
	Title string // "Theo lĩnh vực"
	Rows  []Row
}

// Monthly writes the monthly report's figures: one row per service,
// counter and officer (their section in the first column), then the
// hall's total, beside the goals.
func Monthly(w io.Writer, sections []MonthlySection, total Row, goals report.Targets, t Texts) error {
	f := excelcsv.NewWriter(w)
	head := []string{t("monthly.section"), t("monthly.group")}
	for _, c := range monthlyCols {
		head = append(head, t(c.head))
	}
	f.Write(head...)
	write := func(section string, r Row) {
		cells := []string{section, r.Label}
		for _, c := range monthlyCols {
			cells = append(cells, c.cell(r, goals))
		}
		f.Write(cells...)
	}
	for _, s := range sections {
		for _, r := range s.Rows {
			write(s.Title, r)
		}
	}
	total.Label = "" // the section says it
	write(t("manager.total"), total)
	return f.Flush()
}

// monthlyCols are the figures the reform programme tracks, beside their
// goals: tickets, no-shows, mean and 90th-percentile wait, the share over
// target, satisfaction, what the end of day closed, the booked citizens
// against the walk-ins, and the bookings and their slots' places.
var monthlyCols = append(append(columns("col.issued", "col.served", "col.no_shows", "col.no_show_pct", "col.wait_mean", "col.wait_p90",
	"col.target_wait", "col.over_target", "col.over_target_goal", "col.presses", "col.satisfied_pct", "col.very_satisfied_pct",
	"col.satisfied_goal"),
	col{"col.closed", func(r Row, _ report.Targets) string {
		return itoa(r.ClosedAtEndOfDay())
	}}), columns("col.booked", "col.slot_wait_p90", "col.walk_in_wait_mean",
	"col.bk_made", "col.bk_checked_in", "col.bk_missed", "col.bk_cancelled", "col.bk_imported", "col.bk_capacity",
	"col.bk_places", "col.bk_utilisation")...)

// columns picks summary columns by their header key.
func columns(heads ...string) []col {
	var out []col
	for _, h := range heads {
		i := slices.IndexFunc(summaryCols, func(c col) bool { return c.head == h })
		if i < 0 {
			panic("sheet: no summary column " + h)
		}
		out = append(out, summaryCols[i])
	}
	return out
}
