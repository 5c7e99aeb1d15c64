// Package markdown turns the project's own documentation pages into HTML
// for the staff pages (the manager's definitions of every report figure,
// docs/REPORTS.md). It knows the small part of Markdown those pages use:
// headings, paragraphs, lists, tables, fenced code, inline code, bold,
// italic, links, and anchors written as <a id="name"></a> lines. Every
// other character is escaped: nothing in a page can inject markup.
package markdown

import (
	"html"
	"regexp"
	"strings"
)

var (
	anchorLine = regexp.MustCompile(`^<a id="([A-Za-z0-9_-]+)"></a>$`)
	link       = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	code       = regexp.MustCompile("`([^`]+)`")
	bold       = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	italic     = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
	numbered   = regexp.MustCompile(`^[0-9]+\. `)
)

// HTML renders a page. Links are rewritten by href (for instance from
// another document's file name to where it is served); nil keeps them.
func HTML(src string, href func(string) string) string {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, " "), href) + "</p>\n")
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trim := strings.TrimSpace(line)
		switch {
		case trim == "":
			flush()
		case strings.HasPrefix(trim, "<!--"):
			flush()
			for !strings.Contains(lines[i], "-->") && i+1 < len(lines) {
				i++
			}
		case anchorLine.MatchString(trim):
			flush()
			b.WriteString(`<a id="` + anchorLine.FindStringSubmatch(trim)[1] + `"></a>` + "\n")
		case strings.HasPrefix(trim, "```"):
			flush()
			b.WriteString("<pre><code>")
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				b.WriteString(html.EscapeString(lines[i]) + "\n")
			}
			b.WriteString("</code></pre>\n")
		case strings.HasPrefix(trim, "#"):
			flush()
			level := len(trim) - len(strings.TrimLeft(trim, "#"))
			level = min(level, 6)
			tag := "h" + string(rune('0'+level))
			b.WriteString("<" + tag + ">" + inline(strings.TrimSpace(trim[level:]), href) + "</" + tag + ">\n")
		case strings.HasPrefix(trim, "|"):
			flush()
			var rows [][]string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, cells(lines[i]))
			}
			i--
			table(&b, rows, href)
		case strings.HasPrefix(trim, "- ") || numbered.MatchString(trim):
			flush()
			tag := "ul"
			if numbered.MatchString(trim) {
				tag = "ol"
			}
			b.WriteString("<" + tag + ">\n")
			var item []string
			end := func() {
				if len(item) > 0 {
					b.WriteString("<li>" + inline(strings.Join(item, " "), href) + "</li>\n")
					item = nil
				}
			}
			for ; i < len(lines); i++ {
				t := strings.TrimSpace(lines[i])
				switch {
				case strings.HasPrefix(t, "- "):
					end()
					item = append(item, t[2:])
				case numbered.MatchString(t):
					end()
					item = append(item, numbered.ReplaceAllString(t, ""))
				case t != "" && strings.HasPrefix(lines[i], " "):
					item = append(item, t)
				default:
					i--
					goto done
				}
			}
		done:
			end()
			b.WriteString("</" + tag + ">\n")
		default:
			para = append(para, trim)
		}
	}
	flush()
	return b.String()
}

func cells(line string) []string {
	parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func table(b *strings.Builder, rows [][]string, href func(string) string) {
	b.WriteString("<table>\n")
	for i, r := range rows {
		if i == 1 && len(r) > 0 && strings.Trim(r[0], "-: ") == "" {
			continue // the header's rule
		}
		cell := "td"
		if i == 0 {
			cell = "th"
		}
		b.WriteString("<tr>")
		for _, c := range r {
			b.WriteString("<" + cell + ">" + inline(c, href) + "</" + cell + ">")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
}

// inline escapes text and renders code, links, bold and italic in it.
// Code spans are set aside first, so that nothing inside them is read as
// markup.
func inline(s string, href func(string) string) string {
	var spans []string
	s = code.ReplaceAllStringFunc(s, func(m string) string {
		spans = append(spans, "<code>"+html.EscapeString(m[1:len(m)-1])+"</code>")
		return "\x00" + string(rune('A'+len(spans)-1)) + "\x00"
	})
	s = html.EscapeString(s)
	s = link.ReplaceAllStringFunc(s, func(m string) string {
		p := link.FindStringSubmatch(m)
		target := html.UnescapeString(p[2])
		if href != nil {
			target = href(target)
		}
		return `<a href="` + html.EscapeString(target) + `">` + p[1] + `</a>`
	})
	s = bold.ReplaceAllString(s, "<strong>$1</strong>")
	s = italic.ReplaceAllString(s, "<em>$1</em>")
	for i, sp := range spans {
		s = strings.Replace(s, "\x00"+string(rune('A'+i))+"\x00", sp, 1)
	}
	return s
}
