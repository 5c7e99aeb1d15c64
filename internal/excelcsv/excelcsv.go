// Package excelcsv writes CSV files for people who open them in a
// spreadsheet (Excel, LibreOffice Calc): UTF-8 with a byte-order mark, so
// that Vietnamese reads right; CRLF line ends, as Excel writes them; and
// every cell a spreadsheet would take for a formula neutralised, after
// OWASP's rule against CSV injection. Every CSV file the project writes
// goes through it, so that none forgets a rule.
package excelcsv

import (
	"bufio"
	"encoding/csv"
	"io"
	"regexp"
)

// BOM makes Excel read a CSV file as UTF-8.
const BOM = "\ufeff"

// Writer writes a spreadsheet-safe CSV file.
type Writer struct {
	bw  *bufio.Writer
	cw  *csv.Writer
	row []string
}

// NewWriter starts a CSV file on w: it writes the byte-order mark at once.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(BOM)
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	return &Writer{bw: bw, cw: cw}
}

// Write writes one row, each cell neutralised (see Neutralise).
func (w *Writer) Write(cells ...string) error {
	w.row = w.row[:0]
	for _, c := range cells {
		w.row = append(w.row, Neutralise(c))
	}
	return w.cw.Write(w.row)
}

// Flush writes what is buffered and reports the first error of any write.
func (w *Writer) Flush() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return err
	}
	return w.bw.Flush()
}

// plainNumber is a number as the reports write one (-3.5, 12): a
// spreadsheet reads it as the number, never as a formula.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// Neutralise makes a cell safe to open in a spreadsheet: a cell that
// begins with '=', '+', '-', '@', a tab or a carriage return — which Excel
// and Calc would evaluate as a formula (OWASP, "CSV Injection") — gets a
// leading apostrophe, which shows the text as it is. Plain numbers
// (-3.5) are left as numbers. Quotes, commas and line breaks inside a
// cell are quoted by the CSV encoding itself.
func Neutralise(cell string) string {
	if cell == "" || plainNumber.MatchString(cell) {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
