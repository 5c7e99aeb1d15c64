package forecast

import "time"

// The calendar effects the model knows, as indexes of calFeatures.
const (
	calMonthStart1 = iota // the first working day of the month
	calMonthStart2        // the second or third
	calMonthEnd1          // the last working day of the month
	calMonthEnd2          // the second or third from last
	calBefore1            // the last working day before a public holiday
	calBefore2            // the one before that
	calAfter1             // the first working day after a public holiday
	calAfter2             // the second
	nCal
)

// Day notes: why a day may differ from its weekday's usual, for people.
const (
	NoteMonthStart    = "month_start"
	NoteMonthEnd      = "month_end"
	NoteBeforeHoliday = "before_holiday"
	NoteAfterHoliday  = "after_holiday"
)

var calNotes = [nCal]string{NoteMonthStart, NoteMonthStart, NoteMonthEnd, NoteMonthEnd,
	NoteBeforeHoliday, NoteBeforeHoliday, NoteAfterHoliday, NoteAfterHoliday}

// workdays is the hall's working calendar: the weekdays it opens on and
// its public holidays.
type workdays struct {
	open [7]bool
	cal  Calendar
}

func (w *workdays) working(d time.Time) bool { return w.open[d.Weekday()] && !w.cal.Holiday(d) }

// maxGap bounds the search for the next or previous working day (Tết can
// close a hall for nine days in a row).
const maxGap = 31

// next is the first working day after d, and whether a holiday lies
// between; ok is false if there is none within maxGap days.
func (w *workdays) next(d time.Time, step int) (n time.Time, holiday, ok bool) {
	for i := 1; i <= maxGap; i++ {
		n = d.AddDate(0, 0, step*i)
		if w.working(n) {
			return n, holiday, true
		}
		if w.cal.Holiday(n) {
			holiday = true
		}
	}
	return n, holiday, false
}

// features are d's calendar effects (0 or 1 each).
func (w *workdays) features(d time.Time) [nCal]float64 {
	var f [nCal]float64
	if !w.working(d) {
		return f
	}
	// Position in the month, in working days.
	fromStart, toEnd := 0, 0
	for x := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC); !x.After(d); x = x.AddDate(0, 0, 1) {
		if w.working(x) {
			fromStart++
		}
	}
	for x := d; x.Month() == d.Month(); x = x.AddDate(0, 0, 1) {
		if w.working(x) {
			toEnd++
		}
	}
	switch {
	case fromStart == 1:
		f[calMonthStart1] = 1
	case fromStart <= 3:
		f[calMonthStart2] = 1
	}
	switch {
	case toEnd == 1:
		f[calMonthEnd1] = 1
	case toEnd <= 3:
		f[calMonthEnd2] = 1
	}
	// Next to a public holiday, in working days.
	if n, hol, ok := w.next(d, 1); ok {
		if hol {
			f[calBefore1] = 1
		} else if _, hol2, _ := w.next(n, 1); hol2 {
			f[calBefore2] = 1
		}
	}
	if p, hol, ok := w.next(d, -1); ok {
		if hol {
			f[calAfter1] = 1
		} else if _, hol2, _ := w.next(p, -1); hol2 {
			f[calAfter2] = 1
		}
	}
	return f
}

// notes names d's calendar effects.
func (w *workdays) notes(d time.Time) []string {
	var out []string
	f := w.features(d)
	for i, v := range f {
		if v != 0 && (len(out) == 0 || out[len(out)-1] != calNotes[i]) {
			out = append(out, calNotes[i])
		}
	}
	return out
}
