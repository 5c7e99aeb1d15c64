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
	Color  string    // fill
	Values []float64 // NaN: no bar
	// Miss marks values that miss a target: drawn in red.
	Miss []bool
}

// Target is a goal drawn across a chart as a dashed line, labelled in the
// margin beside its end, where no bar can be.
type Target struct {
	Value float64
	Label string // e.g. "Mục tiêu ≥ 80 %"
}

// Band is a range shaded behind a chart's bars, Low to High in each
// group: a forecast's 80 % band.
type Band struct {
	Name      string
	Color     string // fill, drawn translucent
	Low, High []float64
}

// Line is a series drawn as a line across the groups: a forecast's
// expected value, or a count of counters. Step draws each value flat
// across its whole group (a count that holds for the hour); otherwise
// the line joins the groups' middles. NaN leaves a group out.
type Line struct {
	Name   string
	Color  string
	Values []float64
	Step   bool
	Dashed bool
}

// BarChart is a grouped bar chart the server draws as SVG, so that the
// dashboard needs no chart library; it may carry bands and lines too. It is drawn at its natural size
// (ChartWidth CSS px wide; the page never shrinks it, see staff.css), so
// every text is at least FontSize px on the screen.
type BarChart struct {
	ID     string // the SVG element's id
	Title  string
	Labels []string // one per group of bars, along the x axis
	Series []Series
	// Bands are shaded behind the bars, Lines drawn over them.
	Bands []Band
	Lines []Line
	// XTitle and YTitle name the axes, the unit in brackets:
	// "Thời gian chờ (phút)", "Tỷ lệ hài lòng (%)".
	XTitle, YTitle string
	Unit           string  // after the values on the y axis, e.g. "%"
	Max            float64 // the axis top; 0 picks one from the data
	Targets        []Target
	// Empty is said when there is nothing to draw.
	Empty string
	// Sparse labels only every k-th group where the labels do not fit
	// side by side (hours of the day); otherwise every group is labelled,
	// on two lines and shortened with "…" if need be (the bar's tooltip
	// has it whole).
	Sparse bool
}

// The chart's geometry, in CSS px.
const (
	ChartWidth, chartHeight = 600, 320
	FontSize                = 12 // every text but the title
	titleSize               = 15
	charW                   = 7.2 // a DejaVu Sans character at FontSize, on average
	padL, padT              = 62, 34
	padRMin, padB           = 14, 82
	missColor               = "#c62828"
	gridColor, textColor    = "#ddd", "#333"
)

// SVG draws the chart.
func (c BarChart) SVG() template.HTML {
	p := newPlot(c)
	p.frame()
	p.bands()
	p.bars()
	for _, l := range c.Lines {
		c.drawLine(&p.b, l, p.left, p.group, p.y)
	}
	p.targets()
	p.legend()
	return template.HTML(p.b.String())
}

// plot is a chart being drawn: the SVG so far, the plotting area's edges,
// the value at its top and the width of each label's group of bars.
type plot struct {
	c                        BarChart
	b                        strings.Builder
	left, top, right, bottom float64
	max, step                float64
	group                    float64
}

func newPlot(c BarChart) *plot {
	// The right margin holds the targets' labels.
	padR := float64(padRMin)
	for _, t := range c.Targets {
		padR = math.Max(padR, 10+textWidth(t.Label)+4)
	}
	p := &plot{c: c, left: padL, top: padT, right: ChartWidth - padR, bottom: chartHeight - padB}
	p.max, p.step = axisTop(c)
	p.group = (p.right - p.left) / float64(max(len(c.Labels), 1))
	return p
}

// y is where value v stands.
func (p *plot) y(v float64) float64 {
	h := p.bottom - p.top
	return p.top + h - v/p.max*h
}

func (p *plot) text(x, y float64, class, anchor, s string, extra string) {
	fmt.Fprintf(&p.b, `<text class="%s" x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" fill="%s"%s>%s</text>`,
		class, x, y, FontSize, anchor, textColor, extra, template.HTMLEscapeString(s))
}

// frame draws the title, the grid with its ticks and the axes' titles,
// and says so when there is nothing to chart.
func (p *plot) frame() {
	c, esc := p.c, template.HTMLEscapeString
	fmt.Fprintf(&p.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		esc(c.ID), ChartWidth, chartHeight, ChartWidth, chartHeight, esc(c.Title))
	fmt.Fprintf(&p.b, `<title>%s</title>`, esc(c.Title))
	fmt.Fprintf(&p.b, `<text class="title" x="0" y="18" font-size="%d" font-weight="bold" fill="%s">%s</text>`, titleSize, textColor, esc(c.Title))
	for v := 0.0; v <= p.max+p.step/1000; v += p.step {
		fmt.Fprintf(&p.b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, p.left, p.right, p.y(v), p.y(v), gridColor)
		p.text(p.left-6, p.y(v)+4, "tick", "end", trimNum(v)+c.Unit, "")
	}
	// Axis titles: y turned along the axis, x under the labels.
	midX, midY := p.left+(p.right-p.left)/2, p.top+(p.bottom-p.top)/2
	p.text(14, midY, "axis-y", "middle", c.YTitle, fmt.Sprintf(` transform="rotate(-90 14 %.1f)"`, midY))
	p.text(midX, p.bottom+50, "axis-x", "middle", c.XTitle, "")
	if len(c.Labels) == 0 {
		p.text(midX, midY, "empty", "middle", c.Empty, "")
	}
}

// bands shades each band's range behind the bars.
func (p *plot) bands() {
	c := p.c
	for _, bd := range c.Bands {
		for i := range min(len(bd.Low), len(bd.High), len(c.Labels)) {
			lo, hi := bd.Low[i], bd.High[i]
			if math.IsNaN(lo) || math.IsNaN(hi) {
				continue
			}
			fmt.Fprintf(&p.b, `<rect class="band" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.3"><title>%s: %s %s–%s%s</title></rect>`,
				p.left+p.group*float64(i), p.y(hi), p.group, math.Max(p.y(lo)-p.y(hi), 1), bd.Color,
				template.HTMLEscapeString(c.Labels[i]), template.HTMLEscapeString(bd.Name), trimNum(lo), trimNum(hi), c.Unit)
		}
	}
}

// bars draws each label's bars (a missed target's in red) and the label
// under them; a Sparse chart labels only as many groups as fit.
func (p *plot) bars() {
	c, esc := p.c, template.HTMLEscapeString
	barW := p.group * 0.8 / float64(max(len(c.Series), 1))
	every := 1
	if c.Sparse {
		for p.group*float64(every) < labelWidth(c.Labels)+6 && every < len(c.Labels) {
			every++
		}
	}
	for i, label := range c.Labels {
		x0 := p.left + p.group*float64(i) + p.group*0.1
		for j, s := range c.Series {
			if i >= len(s.Values) {
				continue
			}
			v := s.Values[i]
			if math.IsNaN(v) {
				continue
			}
			color := s.Color
			if i < len(s.Miss) && s.Miss[i] {
				color = missColor
			}
			fmt.Fprintf(&p.b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s %s%s</title></rect>`,
				x0+barW*float64(j), p.y(v), math.Max(barW-1, 1), p.bottom-p.y(v), color,
				esc(label), esc(s.Name), trimNum(v), c.Unit)
		}
		if i%every != 0 {
			continue
		}
		cx := p.left + p.group*(float64(i)+0.5)
		for k, line := range wrapLabel(label, p.group*float64(every)-6) {
			p.text(cx, p.bottom+16+float64(k)*14, "label", "middle", line, "")
		}
	}
}

// targets draws each target as a dashed line labelled in the right margin.
func (p *plot) targets() {
	for _, t := range p.c.Targets {
		ty := p.y(t.Value)
		fmt.Fprintf(&p.b, `<line class="target" data-value="%s" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`,
			trimNum(t.Value), p.left, p.right+4, ty, ty, missColor)
		fmt.Fprintf(&p.b, `<text class="target-label" x="%.1f" y="%.1f" font-size="%d" fill="%s">%s</text>`,
			p.right+8, math.Max(ty+4, float64(FontSize)), FontSize, missColor, template.HTMLEscapeString(t.Label))
	}
}

// legend names the bands, series and lines along the bottom, and closes
// the SVG.
func (p *plot) legend() {
	p.b.WriteString(`<g class="legend">`)
	x := p.left
	swatch := func(name, color, kind string) {
		switch kind {
		case "band":
			fmt.Fprintf(&p.b, `<rect x="%.1f" y="%d" width="12" height="12" fill="%s" fill-opacity="0.3"/>`, x, chartHeight-16, color)
		case "line", "dashed":
			dash := ""
			if kind == "dashed" {
				dash = ` stroke-dasharray="4 3"`
			}
			fmt.Fprintf(&p.b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="3"%s/>`, x, x+12, chartHeight-10, chartHeight-10, color, dash)
		default:
			fmt.Fprintf(&p.b, `<rect x="%.1f" y="%d" width="12" height="12" fill="%s"/>`, x, chartHeight-16, color)
		}
		p.text(x+16, float64(chartHeight-6), "", "start", name, "")
		x += 30 + textWidth(name)
	}
	for _, bd := range p.c.Bands {
		swatch(bd.Name, bd.Color, "band")
	}
	for _, s := range p.c.Series {
		swatch(s.Name, s.Color, "bar")
	}
	for _, l := range p.c.Lines {
		kind := "line"
		if l.Dashed {
			kind = "dashed"
		}
		swatch(l.Name, l.Color, kind)
	}
	p.b.WriteString(`</g></svg>`)
}

// drawLine draws a line series: a path broken where a value is NaN, and
// a point with its value as tooltip in each group.
func (c BarChart) drawLine(b *strings.Builder, l Line, plotL, group float64, y func(float64) float64) {
	esc := template.HTMLEscapeString
	dash := ""
	if l.Dashed {
		dash = ` stroke-dasharray="6 4"`
	}
	var d strings.Builder
	pen := false
	for i := range min(len(l.Values), len(c.Labels)) {
		v := l.Values[i]
		if math.IsNaN(v) {
			pen = false
			continue
		}
		x0, mid := plotL+group*float64(i), plotL+group*(float64(i)+0.5)
		switch {
		case l.Step && pen:
			fmt.Fprintf(&d, " L%.1f %.1f L%.1f %.1f", x0, y(v), x0+group, y(v))
		case l.Step:
			fmt.Fprintf(&d, " M%.1f %.1f L%.1f %.1f", x0, y(v), x0+group, y(v))
		case pen:
			fmt.Fprintf(&d, " L%.1f %.1f", mid, y(v))
		default:
			fmt.Fprintf(&d, " M%.1f %.1f", mid, y(v))
		}
		pen = true
	}
	fmt.Fprintf(b, `<path class="line" d="%s" fill="none" stroke="%s" stroke-width="2.5"%s/>`, strings.TrimSpace(d.String()), l.Color, dash)
	for i := range min(len(l.Values), len(c.Labels)) {
		if v := l.Values[i]; !math.IsNaN(v) {
			fmt.Fprintf(b, `<circle class="point" cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s %s%s</title></circle>`,
				plotL+group*(float64(i)+0.5), y(v), l.Color, esc(c.Labels[i]), esc(l.Name), trimNum(v), c.Unit)
		}
	}
}

// axisTop is the y axis's top and the step between its lines: a round
// step (1, 2, 2.5 or 5 times a power of ten) with four or five steps.
func axisTop(c BarChart) (top, step float64) {
	hi := c.Max
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				hi = math.Max(hi, v)
			}
		}
	}
	for _, t := range c.Targets {
		hi = math.Max(hi, t.Value)
	}
	for _, bd := range c.Bands {
		for _, v := range bd.High {
			if !math.IsNaN(v) {
				hi = math.Max(hi, v)
			}
		}
	}
	for _, l := range c.Lines {
		for _, v := range l.Values {
			if !math.IsNaN(v) {
				hi = math.Max(hi, v)
			}
		}
	}
	if hi <= 0 {
		return 4, 1
	}
	raw := hi / 4
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * p
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	if c.Unit != "%" && step < 1 { // counts are whole
		step = 1
	}
	return math.Ceil(hi/step-1e-9) * step, step
}

func textWidth(s string) float64 { return float64(len([]rune(s))) * charW }

// wrapLabel breaks a label into at most two lines of width w, the
// second ending in "…" if the label is longer still.
func wrapLabel(s string, w float64) []string {
	if textWidth(s) <= w {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		next := strings.TrimSpace(line + " " + word)
		if textWidth(next) <= w || line == "" {
			line = next
			continue
		}
		lines = append(lines, line)
		line = word
	}
	lines = append(lines, line)
	if len(lines) > 2 {
		lines = []string{lines[0], strings.Join(lines[1:], " ")}
	}
	for i, l := range lines {
		if r := []rune(l); textWidth(l) > w {
			keep := max(int(w/charW)-1, 1)
			lines[i] = string(r[:min(keep, len(r))]) + "…"
		}
	}
	return lines
}

// labelWidth is the widest label on one line.
func labelWidth(labels []string) float64 {
	widest := 0.0
	for _, l := range labels {
		widest = math.Max(widest, textWidth(l))
	}
	return widest
}

func trimNum(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
