package hallq

import (
	"errors"
	"fmt"
)

// Error codes carried by user-facing errors. One function in the HTTP layer
// maps them to status codes; every other layer only picks the code.
const (
	ECONFLICT     = "conflict"     // the action does not fit the current state
	EINTERNAL     = "internal"     // a fault of ours; details go to the log only
	EINVALID      = "invalid"      // the request itself is malformed or out of range
	ENOTFOUND     = "not_found"    // the named thing does not exist
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // credentials fine, but not allowed to do this
	EUNAVAILABLE  = "unavailable"  // cannot be done right now (closed, cap reached, clock wrong)
)

// Error is a failure a person can act on: a code for programs and a
// message for people. Low-level errors are wrapped elsewhere and never
// reach the user as such.
type Error struct {
	Code    string
	Message string
	// Reason is an optional machine-readable detail within the code, such as
	// "daily_cap" or "outside_hours" for EUNAVAILABLE on ticket issue.
	Reason string
	// Field names the request's field at fault, for an EINVALID about one.
	Field string
	// Service is the code of the service a refusal is about: a booking's
	// check-in refused as too_early, too_late or cancelled names the
	// booking's service, so that a kiosk can offer an ordinary number for
	// it.
	Service string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("hallq: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, and a
// generic text for any other error so that internals never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorService returns the Service of the first *Error in err's chain, or "".
func ErrorService(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Service
	}
	return ""
}

// ErrorReason returns the Reason of the first *Error in err's chain, or "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// StoreFailed is the error of a write the hall's database refused (disk
// full, read-only, failing): 503, reason "store", with a message in
// Vietnamese for the officer or citizen who sees it, and in English.
func StoreFailed() *Error {
	return &Error{Code: EUNAVAILABLE, Reason: "store",
		Message: "Không lưu được dữ liệu: máy chủ hết chỗ trống hoặc chỉ đọc — xin báo quản trị viên. " +
			"The hall database could not save this (disk full or read-only); tell the administrator, then try again."}
}
