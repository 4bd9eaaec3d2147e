// Package serverview lets the server-blindness check of the steps
// (steps.ServerView) look inside the in-process fake Vault: the strings
// its store holds for a scenario's users (fakevault.Server.VisitStore) and
// the lines its request log wrote. The harness and the self-check make one
// View per fake they run; the steps never see the fake itself.
package serverview

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"

	"github.com/vaultcheck/vaultcheck/fakevault"
)

// View is a steps.ServerView over one fake Vault. Its Logger must be the
// fake's logger (fakevault.Options.Logger), with the fake not Quiet, so
// that the View sees every line the fake logs.
type View struct {
	srv *fakevault.Server

	mu    sync.Mutex
	lines [][]byte
	part  []byte
}

// New returns a View; Attach it to the fake made with its Logger.
func New() *View { return &View{} }

// Logger is the fake's logger: it records every line, at every level.
func (v *View) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(v, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Attach sets the fake whose store Scan reads.
func (v *View) Attach(srv *fakevault.Server) { v.srv = srv }

// NewFake is a fake Vault with opts and the View's logger, attached.
func (v *View) NewFake(opts ...fakevault.Option) *fakevault.Server {
	srv := fakevault.New(append(opts, fakevault.Options{Logger: v.Logger()})...)
	v.Attach(srv)
	return srv
}

// Write keeps the log's lines (slog's handler writes whole lines).
func (v *View) Write(p []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.part = append(v.part, p...)
	for {
		i := bytes.IndexByte(v.part, '\n')
		if i < 0 {
			break
		}
		v.lines = append(v.lines, bytes.Clone(v.part[:i]))
		v.part = v.part[i+1:]
	}
	return len(p), nil
}

// Mark is the number of log lines so far.
func (v *View) Mark() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.lines)
}

// Scan visits the stored strings of the given users' records and the log
// lines written since mark (steps.ServerView).
func (v *View) Scan(mark int, users []string, visit func(where string, data []byte, whole bool)) {
	if v.srv != nil && len(users) > 0 {
		v.srv.VisitStore(users, func(s fakevault.StoredString) {
			visit("the fake Vault's store: "+s.Where(), []byte(s.Value), true)
		})
	}
	v.mu.Lock()
	lines := v.lines[min(mark, len(v.lines)):]
	v.mu.Unlock()
	for i, l := range lines {
		visit(fmt.Sprintf("the fake Vault's log, line %d", mark+i+1), l, false)
	}
}
