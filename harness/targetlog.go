package harness

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/results"
)

// targetLogLine is one line of the target's own log with the time the
// target wrote it.
type targetLogLine struct {
	at   time.Time
	text string
}

// maxAttachedLogLines bounds the target log attached to one scenario: the
// lines a failing scenario's requests caused, not the whole run's.
const maxAttachedLogLines = 200

// attachTargetLog attaches to every scenario of doc that failed or met a
// target error the lines of the target's own log written while it ran
// (a little before and after, since clocks and buffers differ), so that a
// vendor reading the report sees what their Vault logged about the
// requests that went wrong. Only a docker target has a log vaultcheck can
// read; the lines are redacted as the console's are.
func (p *plan) attachTargetLog(ctx context.Context, doc *results.Document) {
	if p.target == nil || p.target.docker == nil {
		return
	}
	var failing []*results.Scenario
	for i := range doc.Scenarios {
		sc := &doc.Scenarios[i]
		if (sc.Status == results.Failed || sc.Status == results.Error) && sc.Started != nil {
			failing = append(failing, sc)
		}
	}
	if len(failing) == 0 {
		return
	}
	lines, err := p.target.docker.timedLogs(ctx)
	if err != nil && len(lines) == 0 {
		for _, sc := range failing {
			sc.Attachments = append(sc.Attachments, results.Attachment{Name: "target log", MediaType: "text/plain",
				Body: fmt.Sprintf("(the container's log could not be read: %v)", err)})
		}
		return
	}
	const slack = 250 * time.Millisecond
	for _, sc := range failing {
		from, to := sc.Started.Add(-slack), sc.Started.Add(sc.Duration()+slack)
		var picked []string
		for _, l := range lines {
			if !l.at.Before(from) && !l.at.After(to) {
				picked = append(picked, l.text)
			}
		}
		body := ""
		switch {
		case len(picked) == 0:
			body = "(the target logged nothing while this scenario ran)"
		case len(picked) > maxAttachedLogLines:
			body = fmt.Sprintf("(… %d earlier lines left out)\n", len(picked)-maxAttachedLogLines) +
				strings.Join(picked[len(picked)-maxAttachedLogLines:], "\n")
		default:
			body = strings.Join(picked, "\n")
		}
		sc.Attachments = append(sc.Attachments, results.Attachment{Name: "target log", MediaType: "text/plain", Body: body})
	}
}

// parseTimedLog reads a log written with docker's timestamps, one
// "RFC3339Nano text" line each; lines without a time take the previous
// line's (a PEM block or a wrapped message spans lines).
func parseTimedLog(s string) []targetLogLine {
	var out []targetLogLine
	var last time.Time
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		stamp, rest, ok := strings.Cut(line, " ")
		if t, err := time.Parse(time.RFC3339Nano, stamp); ok && err == nil {
			last = t
			line = rest
		}
		out = append(out, targetLogLine{at: last, text: line})
	}
	return out
}
