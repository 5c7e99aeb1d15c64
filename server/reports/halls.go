package reports

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
)

// centralLabel names the groups that only reports across halls have:
// halls, and a hall's counters and officers ("HALL/KEY").
func (rq *reportRequest) centralLabel(key string) (string, bool) {
	hall := func(id string) *central.HallRecord {
		for i := range rq.halls {
			if rq.halls[i].ID == id {
				return &rq.halls[i]
			}
		}
		return nil
	}
	if rq.q.By == central.ByHall {
		if h := hall(key); h != nil {
			return h.Name(), true
		}
		return key, true
	}
	id, k, ok := central.SplitKey(key)
	h := hall(id)
	if !ok || h == nil || (rq.q.By != report.ByCounter && rq.q.By != report.ByOfficer) {
		return "", false
	}
	inner := rq.texts.T(rq.lang, "manager.never_called")
	if rq.q.By == report.ByOfficer && k != "" {
		inner = k
	}
	if n, _ := strconv.Atoi(k); rq.q.By == report.ByCounter && n != 0 {
		inner = rq.texts.T(rq.lang, "by.counter") + " " + k
		for _, ct := range h.Profile.Counters {
			if ct.ID == n {
				inner = ct.Name
			}
		}
	}
	return h.Name() + " · " + inner, true
}

// hallChoice adds the choice of halls to the dashboard.
func (rq *reportRequest) hallChoice(r *http.Request, d *dashboard) {
	d.Central, d.Hall = true, r.URL.Query().Get("hall")
	d.Dims = append(slices.Clone(report.Dims), central.ByHall)
	for _, h := range rq.scope.All {
		d.Halls = append(d.Halls, hallOption{ID: h.ID, Name: h.Name()})
	}
}

// ownKey is a group's key within its hall: across halls, a counter's or
// officer's key is qualified by its hall ("HALL/KEY"), and the group
// nobody took (counter 0, officer "") is that hall's, never flagged.
func (rq *reportRequest) ownKey(key string) string {
	if !rq.central || (rq.q.By != report.ByCounter && rq.q.By != report.ByOfficer) {
		return key
	}
	if _, k, ok := central.SplitKey(key); ok {
		return k
	}
	return key
}
