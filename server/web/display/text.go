package display

// texts holds every word the pages show, per language, in one place
// (docs/GLOSSARY.md has the defaults).
var texts = map[string]map[string]string{
	"vi": {
		"number":         "Số thứ tự",
		"counter":        "Quầy",
		"counter_n":      "Quầy số",
		"waiting":        "Đang chờ",
		"people":         "người",
		"now_serving":    "Đang phục vụ",
		"called":         "Mời đến quầy",
		"serving":        "Đang phục vụ",
		"open":           "Đang mở",
		"paused":         "Tạm dừng",
		"closed":         "Đóng quầy",
		"no_calls":       "Chưa có số nào được gọi",
		"disconnected":   "Mất kết nối máy chủ — đang kết nối lại…",
		"sound_off":      "Bấm vào màn hình để bật âm thanh",
		"your_number":    "Số thứ tự của bạn",
		"ahead":          "Số người đang chờ trước bạn",
		"est_wait":       "Thời gian chờ dự kiến",
		"about_min":      "khoảng %d phút",
		"under_min":      "dưới 1 phút",
		"state":          "Trạng thái",
		"st_waiting":     "Đang chờ",
		"st_called":      "Đến lượt bạn! Mời đến quầy số %d",
		"st_serving":     "Đang được phục vụ tại quầy số %d",
		"st_done":        "Đã hoàn thành. Cảm ơn ông/bà!",
		"st_no_show":     "Đã gọi nhưng vắng mặt — vui lòng báo cán bộ",
		"st_transferred": "Đã chuyển sang lĩnh vực khác",
		"st_cancelled":   "Đã huỷ",
		"service":        "Lĩnh vực",
		"updated":        "Cập nhật lúc",
		"not_found":      "Không tìm thấy phiếu — vui lòng quét lại mã QR",
		"keep_open":      "Giữ trang này mở: trang tự cập nhật.",
		"recall":         "Gọi lại",
	},
	"en": {
		"number":         "Number",
		"counter":        "Counter",
		"counter_n":      "Counter",
		"waiting":        "Waiting",
		"people":         "people",
		"now_serving":    "Now serving",
		"called":         "Please go to counter",
		"serving":        "Now serving",
		"open":           "Open",
		"paused":         "Paused",
		"closed":         "Closed",
		"no_calls":       "No number called yet",
		"disconnected":   "Disconnected from the hall server — reconnecting…",
		"sound_off":      "Click the screen to turn the sound on",
		"your_number":    "Your number",
		"ahead":          "People ahead of you",
		"est_wait":       "Estimated wait",
		"about_min":      "about %d minutes",
		"under_min":      "under a minute",
		"state":          "State",
		"st_waiting":     "Waiting",
		"st_called":      "Your turn! Please go to counter %d",
		"st_serving":     "Being served at counter %d",
		"st_done":        "Done. Thank you!",
		"st_no_show":     "Called but not present — please tell an officer",
		"st_transferred": "Moved to another procedure",
		"st_cancelled":   "Cancelled",
		"service":        "Procedure",
		"updated":        "Updated at",
		"not_found":      "Ticket not found — please scan the QR code again",
		"keep_open":      "Keep this page open: it updates by itself.",
		"recall":         "Recall",
	},
}

// Text returns the pages' words in lang ("vi" or "en"; anything else is vi).
func Text(lang string) map[string]string {
	if t, ok := texts[lang]; ok {
		return t
	}
	return texts["vi"]
}
