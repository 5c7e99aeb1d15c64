package reports

import (
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hallq/hallq/docs"
	"github.com/hallq/hallq/internal/markdown"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/web/staff"
)

// DefinitionsPath is where the definitions of every figure are served: the
// dashboard's and the monthly report's column headers link into it.
const DefinitionsPath = "/manager/definitions"

// definitions is docs/REPORTS.md as HTML, rendered once: it is part of the
// binary.
var definitions = sync.OnceValue(func() template.HTML {
	return template.HTML(markdown.HTML(docs.Reports, nil)) // markdown escapes every character of the page
})

// Definitions fills the page of definitions (docs/REPORTS.md).
func (s *Server) Definitions(r *http.Request, p *staff.Page) error {
	p.Data = definitions()
	return nil
}

// Pages puts the report pages on a server: the dashboard, the printable
// monthly report and the definitions of every figure, for managers.
func (s *Server) Pages(ps *staff.Pages) {
	ps.Page("manager", api.Managers, s.Dashboard)
	ps.PageAt("/manager/monthly", "monthly", api.Managers, s.MonthlyPage)
	ps.PageAt(DefinitionsPath, "definitions", api.Managers, s.Definitions)
}

// changeNote is a change of targets as the pages list it.
type changeNote struct {
	At    string // 15/09/2026 10:00, the hall's time
	Day   string // YYYY-MM-DD
	Items []string
}

// changeNotes says what each change of targets changed, in the reader's
// language.
func changeNotes(rq *reportRequest, changes []TargetChange) []changeNote {
	var out []changeNote
	for _, c := range changes {
		n := changeNote{At: c.At.Format("02/01/2006 15:04"), Day: c.At.Format("2006-01-02")}
		var codes []string
		for code := range c.After.WaitMin {
			codes = append(codes, code)
		}
		for code := range c.Before.WaitMin {
			if !slices.Contains(codes, code) {
				codes = append(codes, code)
			}
		}
		sort.Strings(codes)
		for _, code := range codes {
			if b, a := c.Before.WaitMin[code], c.After.WaitMin[code]; a != b {
				n.Items = append(n.Items, change(rq.t("manager.change_wait"), rq.serviceName(code), b, a))
			}
		}
		if b, a := c.Before.OverWaitPct, c.After.OverWaitPct; a != b {
			n.Items = append(n.Items, change(rq.t("manager.change_over"), "", b, a))
		}
		if b, a := c.Before.SatisfiedPct, c.After.SatisfiedPct; a != b {
			n.Items = append(n.Items, change(rq.t("manager.change_satisfied"), "", b, a))
		}
		if b, a := c.Before.SatisfiedMin, c.After.SatisfiedMin; a != b {
			n.Items = append(n.Items, change(rq.t("manager.change_scale"), "", b, a))
		}
		if len(n.Items) > 0 {
			out = append(out, n)
		}
	}
	return out
}

// change fills a text of a change: {name}, {from}, {to}.
func change(format, name string, from, to int) string {
	return strings.NewReplacer("{name}", name, "{from}", strconv.Itoa(from), "{to}", strconv.Itoa(to)).Replace(format)
}
