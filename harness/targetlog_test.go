package harness

import (
	"testing"
	"time"
)

// TestParseTimedLog reads docker's timestamped lines, keeping a line
// without a time (a wrapped message) at the time of the line before it.
func TestParseTimedLog(t *testing.T) {
	in := "2026-12-07T02:40:00.5Z time=x msg=request method=POST\nwrapped part\n2026-12-07T02:40:01Z second\n"
	got := parseTimedLog(in)
	if len(got) != 3 {
		t.Fatalf("got %d lines, want 3: %+v", len(got), got)
	}
	t0 := time.Date(2026, 12, 7, 2, 40, 0, 500e6, time.UTC)
	if !got[0].at.Equal(t0) || got[0].text != "time=x msg=request method=POST" {
		t.Errorf("line 0 = %+v", got[0])
	}
	if !got[1].at.Equal(t0) || got[1].text != "wrapped part" {
		t.Errorf("line 1 = %+v, want the time of line 0", got[1])
	}
	if !got[2].at.Equal(t0.Add(500*time.Millisecond)) || got[2].text != "second" {
		t.Errorf("line 2 = %+v", got[2])
	}
}
