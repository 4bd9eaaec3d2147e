package meeco

import (
	"errors"
	"time"
)

// TimeLayout is the layout of JavaScript's Date.prototype.toISOString: UTC,
// exactly three fractional digits, a literal Z.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime renders t the way the Meeco APIs (and toISOString) do.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// FormatTimePtr is FormatTime for optional times: the zero time becomes nil
// (a JSON null).
func FormatTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := FormatTime(t)
	return &s
}

// ErrBadTime reports a time string that is not ISO-8601.
var ErrBadTime = errors.New("meeco: time is not ISO-8601")

// ParseTime reads an ISO-8601 time as the APIs send it. It also accepts any
// RFC 3339 form (other offsets, more or fewer fractional digits), because
// clients such as the CLI pass user-supplied dates through, and the date-only
// form yyyy-MM-dd that `shares:create -d` accepts.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, ErrBadTime
}
