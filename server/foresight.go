package server

import (
	"context"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/staffing"
)

// usualDays is how many days back the usual occupancies are learnt from.
const usualDays = 28

// foresee is what the hall's history expects of the day whose local time
// is day (hall.Runtime.Foresee): the day's arrival forecast, as the
// Dự báo page forecasts a begun day (from the days before it), and each
// service's mean occupancy of a counter over the last usualDays days.
func (s *Server) foresee(ctx context.Context, day time.Time) (*queue.Foresight, error) {
	set := s.settings()
	loc, err := set.Location()
	if err != nil {
		return nil, err
	}
	cal, err := forecast.ParseHolidays(set.Holidays)
	if err != nil {
		return nil, err
	}
	today := forecast.DateOf(day.In(loc))
	rec := staffing.NewRecord(loc, today)
	usualFrom := today.AddDate(0, 0, -usualDays).Format(time.DateOnly)
	var usual queue.Occupancies
	err = s.Store.Reports().DayTickets(ctx, "0001-01-01", today.AddDate(0, 0, -1).Format(time.DateOnly), func(t *report.Ticket) error {
		rec.Add(t)
		if t.Day >= usualFrom {
			o := occupancyTicket(t)
			usual.Add(&o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	model, err := forecast.Fit(rec.History(), cal, today, forecast.Options{})
	if err != nil {
		return nil, err
	}
	f, err := model.Forecast(today)
	if err != nil {
		return nil, err
	}
	out := &queue.Foresight{
		Arrivals: queue.ArrivalForecast{Day: today.Format(time.DateOnly), Hours: map[string][24]float64{}},
		Usual:    usual.Usual(),
	}
	for _, sf := range f.Services {
		var hours [24]float64
		for h, b := range sf.Hours {
			hours[h] = b.Mean
		}
		out.Arrivals.Hours[sf.Service] = hours
	}
	return out, nil
}

// occupancyTicket is what queue.Occupancies reads of a stored ticket.
func occupancyTicket(t *report.Ticket) hallq.Ticket {
	out := hallq.Ticket{Service: t.Service, State: t.State, Flagged: t.Flagged, Reason: t.Reason}
	if t.Called > 0 && t.Finished > 0 {
		called, finished := time.UnixMilli(t.Called), time.UnixMilli(t.Finished)
		out.CalledAt, out.FinishedAt = &called, &finished
	}
	return out
}
