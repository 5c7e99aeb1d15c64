package printer

import (
	"fmt"
	"strings"

	"github.com/hallq/hallq/printer/raster"
)

var (
	stTitle   = style{size: sizeTitle, bold: true, align: raster.AlignCenter}
	stService = style{size: sizeService, bold: true, align: raster.AlignCenter, tall: true}
	stHeading = style{size: sizeBody, align: raster.AlignCenter}
	stBody    = style{size: sizeBody, align: raster.AlignLeft}
	stSmall   = style{size: sizeSmall, align: raster.AlignLeft, small: true}
	stSmallC  = style{size: sizeSmall, align: raster.AlignCenter, small: true}
	stFooter  = style{size: sizeBody, align: raster.AlignCenter}
)

// Ticket returns the print job for t: initialise, ticket, feed and cut.
func (l *Layout) Ticket(t Ticket) ([]byte, error) { return l.AppendTicket(nil, t) }

// AppendTicket appends the print job for t to dst.
func (l *Layout) AppendTicket(dst []byte, t Ticket) ([]byte, error) {
	w := l.newWriter(dst)
	vi := t.Language != English
	en := t.Language == English || t.Language == Bilingual
	// pair prints a Vietnamese line and, as asked, its English partner:
	// full size when the ticket is English only, small beside Vietnamese.
	pair := func(v, e string, st style) {
		if vi {
			w.line(v, st)
		}
		if en && e != "" {
			if vi {
				small := stSmall
				small.align = st.align
				w.line(e, small)
			} else {
				w.line(e, st)
			}
		}
	}
	when := t.IssuedAt.Format("15:04")
	date := t.IssuedAt.Format("02/01/2006")

	w.line(t.Hall, stTitle)
	w.e.FeedDots(8)
	pair(t.ServiceVI, t.ServiceEN, stService)
	w.e.FeedDots(8)
	pair(l.p.VI.YourNumber, l.p.EN.YourNumber, stHeading)
	w.bigNumber(t.Label)
	w.e.FeedDots(8)
	if !t.SlotAt.IsZero() {
		// A booked citizen shows this line at the desk, and reads in it
		// when they are expected.
		slot := t.SlotAt.Format("15:04")
		pair(fmt.Sprintf(l.p.VI.Booked, slot), fmt.Sprintf(l.p.EN.Booked, slot), stHeading)
	}
	pair(fmt.Sprintf(l.p.VI.Issued, when, date), fmt.Sprintf(l.p.EN.Issued, when, date), stBody)
	pair(fmt.Sprintf(l.p.VI.Ahead, t.Ahead), fmt.Sprintf(l.p.EN.Ahead, t.Ahead), stBody)
	if t.EstimatedWaitSeconds >= 0 {
		m := waitMinutes(t.EstimatedWaitSeconds)
		pair(l.p.VI.wait(m), l.p.EN.wait(m), stBody)
	}
	if t.StatusURL != "" {
		w.e.FeedDots(12)
		w.qr(t.StatusURL)
		w.e.FeedDots(4)
		pair(l.p.VI.ScanQR, l.p.EN.ScanQR, stSmallC)
	}
	footer := t.Footer
	if footer == "" {
		footer = l.p.VI.Footer
		if !vi {
			footer = l.p.EN.Footer
		}
	}
	w.e.FeedDots(8)
	w.line(footer, stFooter)
	return w.finish()
}

// OutOfPaper returns a notice slip "HẾT GIẤY / OUT OF PAPER" with the
// request to tell an officer: for a second printer, or to show as an image.
func (l *Layout) OutOfPaper() ([]byte, error) {
	return l.notice(Notice{HeadVI: l.p.VI.OutOfPaperHd, HeadEN: l.p.EN.OutOfPaperHd,
		TextVI: l.p.VI.OutOfPaper, TextEN: l.p.EN.OutOfPaper}, 56)
}

// Notice is a slip that is not a ticket: a heading and a sentence, in
// Vietnamese with English below.
type Notice struct {
	HeadVI, HeadEN, TextVI, TextEN string
}

// Notice returns the print job of a notice slip, for a kiosk without a
// screen to say why it gave no ticket (a booking code it cannot check in).
func (l *Layout) Notice(n Notice) ([]byte, error) { return l.notice(n, sizeService) }

func (l *Layout) notice(n Notice, headSize float64) ([]byte, error) {
	w := l.newWriter(nil)
	w.line(n.HeadVI, style{size: headSize, bold: true, align: raster.AlignCenter, tall: true})
	w.line(n.HeadEN, stHeading)
	w.e.FeedDots(12)
	w.line(n.TextVI, stFooter)
	w.line(n.TextEN, stSmallC)
	return w.finish()
}

// testPageTexts are the test page's fixed lines.
func testPageTexts() []string {
	return []string{
		"hallq test page", "Trang in thử",
		"ĐĐ ƯƯ ƠƠ ĂĂ ÂÂ ÊÊ ÔÔ đđ ưư ơơ ăă ââ êê ôô",
		"Không dấu: a ă â e ê i o ô ơ u ư y",
		"Huyền: à ằ ầ è ề ì ò ồ ờ ù ừ ỳ",
		"Sắc: á ắ ấ é ế í ó ố ớ ú ứ ý",
		"Ngã: ã ẵ ẫ ẽ ễ ĩ õ ỗ ỡ ũ ữ ỹ",
		"Hỏi: ả ẳ ẩ ẻ ể ỉ ỏ ổ ở ủ ử ỷ",
		"Nặng: ạ ặ ậ ẹ ệ ị ọ ộ ợ ụ ự ỵ",
		"HOA: À Ằ Ầ È Ề Ì Ò Ồ Ờ Ù Ừ Ỳ Á Ắ Ấ É Ế Í Ó Ố Ớ Ú Ứ Ý",
		"Ã Ẵ Ẫ Ẽ Ễ Ĩ Õ Ỗ Ỡ Ũ Ữ Ỹ Ả Ẳ Ẩ Ẻ Ể Ỉ Ỏ Ổ Ở Ủ Ử Ỷ",
		"Ạ Ặ Ậ Ẹ Ệ Ị Ọ Ộ Ợ Ụ Ự Ỵ",
		"Đăng ký kinh doanh – Đất đai – Xây dựng – Hộ tịch",
	}
}

// TestPage returns a test page: the profile, every Vietnamese letter in
// both cases with all five tones, alignment, the big digits, a full-width
// ruler and a QR code.
func (l *Layout) TestPage() ([]byte, error) {
	w := l.newWriter(nil)
	tx := testPageTexts()
	w.line(tx[0], stTitle)
	w.line(tx[1], stHeading)
	w.line(l.p.String(), stSmall)
	for _, s := range tx[2:] {
		w.line(s, stBody)
	}
	w.line("left", style{size: sizeBody, align: raster.AlignLeft})
	w.line("centre", style{size: sizeBody, align: raster.AlignCenter})
	w.line("right", style{size: sizeBody, align: raster.AlignRight})
	w.line(strings.Repeat("0123456789", l.p.Columns/10+1)[:l.p.Columns], stBody)
	ruler := raster.NewBitmap(l.p.Width, 16)
	for x := 0; x < l.p.Width; x++ {
		for y := 0; y < 16; y++ {
			if y < 4 || (x%8 == 0 && y < 8) || x%80 == 0 || x == l.p.Width-1 {
				ruler.Set(x, y)
			}
		}
	}
	w.bitmap(ruler)
	w.e.FeedDots(8)
	w.bigNumber("1025")
	w.qr("https://hallq.example/t/test")
	return w.finish()
}
