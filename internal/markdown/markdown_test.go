package markdown

import (
	"strings"
	"testing"
)

func TestHTML(t *testing.T) {
	src := "# Title\n\n<a id=\"wait\"></a>\n### Waiting *time* (`wait_s`)\n\nA **bold** line\nand [a link](#wait) <script>x</script>.\n\n" +
		"- one `a*b*c`\n- two\n  goes on\n\n| a | b |\n| --- | --- |\n| `x` | 2 < 3 |\n\n<!-- hidden\nstill -->\n```\n<b>code</b>\n```\n"
	got := HTML(src, func(h string) string { return "/x" + h })
	for _, want := range []string{
		"<h1>Title</h1>", `<a id="wait"></a>`, "<h3>Waiting <em>time</em> (<code>wait_s</code>)</h3>",
		`<p>A <strong>bold</strong> line and <a href="/x#wait">a link</a> &lt;script&gt;x&lt;/script&gt;.</p>`,
		"<li>one <code>a*b*c</code></li>", "<li>two goes on</li>",
		"<tr><th>a</th><th>b</th></tr>", "<tr><td><code>x</code></td><td>2 &lt; 3</td></tr>",
		"<pre><code>&lt;b&gt;code&lt;/b&gt;\n</code></pre>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "hidden") || strings.Contains(got, "<script>") {
		t.Errorf("a comment or markup got through:\n%s", got)
	}
}
