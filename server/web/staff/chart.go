package staff

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Series is one set of bars of a chart.
type Series struct {
	Name   string
	Color  string // fill
	Values []float64
	// Miss marks values that miss a target: drawn in red.
	Miss []bool
}

// BarChart is a grouped bar chart the server draws as SVG, so that the
// dashboard needs no chart library.
type BarChart struct {
	Title  string
	Labels []string // one per group of bars
	Series []Series
	Unit   string  // after values on the axis
	Max    float64 // the axis top; 0 picks one from the data
	// Target draws a dashed line at this value when set.
	Target      *float64
	TargetLabel string
}

const (
	chartW, chartH          = 720, 260
	padL, padR, padT, padB  = 48, 12, 28, 44
	missColor               = "#c62828"
	gridColor, textColor    = "#ddd", "#333"
	fontSize, smallFontSize = 12, 10
	maxLabels               = 24
)

// SVG draws the chart.
func (c BarChart) SVG() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		chartW, chartH, template.HTMLEscapeString(c.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(c.Title))
	fmt.Fprintf(&b, `<text x="%d" y="16" font-size="%d" font-weight="bold" fill="%s">%s</text>`, padL, fontSize+2, textColor, template.HTMLEscapeString(c.Title))
	top := c.Max
	for _, s := range c.Series {
		for _, v := range s.Values {
			top = math.Max(top, v)
		}
	}
	if c.Target != nil {
		top = math.Max(top, *c.Target)
	}
	top = niceCeil(top)
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	y := func(v float64) float64 { return float64(padT) + plotH - v/top*plotH }
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, padL, chartW-padR, y(v), y(v), gridColor)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="%d" text-anchor="end" fill="%s">%s%s</text>`, padL-4, y(v)+4, smallFontSize, textColor, trimNum(v), c.Unit)
	}
	n := len(c.Labels)
	if n == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	group := plotW / float64(n)
	barW := group * 0.8 / float64(max(len(c.Series), 1))
	every := (n + maxLabels - 1) / maxLabels
	for i, label := range c.Labels {
		x0 := float64(padL) + group*float64(i) + group*0.1
		for j, s := range c.Series {
			if i >= len(s.Values) {
				continue
			}
			v := s.Values[i]
			color := s.Color
			if i < len(s.Miss) && s.Miss[i] {
				color = missColor
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s %s%s</title></rect>`,
				x0+barW*float64(j), y(v), math.Max(barW-1, 1), float64(padT)+plotH-y(v), color,
				template.HTMLEscapeString(label), template.HTMLEscapeString(s.Name), trimNum(v), c.Unit)
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="%d" text-anchor="middle" fill="%s">%s</text>`,
				float64(padL)+group*(float64(i)+0.5), chartH-padB+14, smallFontSize, textColor, template.HTMLEscapeString(label))
		}
	}
	if c.Target != nil {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 4"/>`, padL, chartW-padR, y(*c.Target), y(*c.Target), missColor)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="%d" text-anchor="end" fill="%s">%s</text>`, chartW-padR, y(*c.Target)-4, smallFontSize, missColor, template.HTMLEscapeString(c.TargetLabel))
	}
	// Legend.
	x := padL
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="%d" fill="%s">%s</text>`,
			x, chartH-18, s.Color, x+14, chartH-9, smallFontSize, textColor, template.HTMLEscapeString(s.Name))
		x += 24 + 7*len([]rune(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds an axis top up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trimNum(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
